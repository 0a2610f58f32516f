"""``torchlint server``: run the language server on standard input and output until the client exits.

Needs the ``lsp`` extra (pygls); without it, one line says what to install, and the exit status is 2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Optional

EXIT_OK, EXIT_ERROR = 0, 2
USAGE = "usage: torchlint server [--stdio]  (the Language Server Protocol over standard input and output)"


def run(argv: Optional[Sequence[str]] = None) -> int:
    arguments = list(sys.argv[2:] if argv is None else argv)
    if arguments in (["-h"], ["--help"]):
        print(USAGE)
        return EXIT_OK
    if any(argument != "--stdio" for argument in arguments):  # editors' LSP clients often pass --stdio
        print(f"torchlint: error: unexpected arguments {' '.join(arguments)!r}; {USAGE}", file=sys.stderr)
        return EXIT_ERROR
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        print('torchlint: error: the language server needs pygls: pip install "torchlint[lsp]"', file=sys.stderr)
        return EXIT_ERROR
    from torchlint.server.language_server import serve

    serve()
    return EXIT_OK
