"""torchlint's diagnostics as LSP diagnostics: same code, message and range as the command line prints,
with positions in the client's encoding."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from torchlint.contract.diagnostics import SYNTAX_ERROR_CODE, Diagnostic
from torchlint.server.editor_settings import EditorSettings
from torchlint.server.positions import from_client, to_client

SOURCE = "torchlint"
UNUSED_SUPPRESSION = "TL100"


def lsp_range(lines: Sequence[str], diagnostic: Diagnostic, encoding: str) -> types.Range:
    start = to_client(lines, diagnostic.line, diagnostic.column, encoding)
    end = to_client(lines, diagnostic.end_line, diagnostic.end_column, encoding)
    return types.Range(types.Position(*start), types.Position(*end))


def to_lsp(
    diagnostic: Diagnostic, lines: Sequence[str], encoding: str, editor: EditorSettings
) -> types.Diagnostic:
    url = editor.docs_for(diagnostic.code)
    return types.Diagnostic(
        range=lsp_range(lines, diagnostic, encoding),
        message=diagnostic.message,
        severity=types.DiagnosticSeverity.Error if diagnostic.code == SYNTAX_ERROR_CODE
        else types.DiagnosticSeverity.Warning,
        code=diagnostic.code,
        code_description=types.CodeDescription(href=url) if url else None,
        source=SOURCE,
        tags=[types.DiagnosticTag.Unnecessary] if diagnostic.code == UNUSED_SUPPRESSION else None,
    )


def touches(lines: Sequence[str], diagnostic: Diagnostic, where: types.Range, encoding: str) -> bool:
    """Whether the diagnostic's range and ``where`` (a client range, or a position as an empty range) meet."""
    start = from_client(lines, where.start.line, where.start.character, encoding)
    end = from_client(lines, where.end.line, where.end.character, encoding)
    return (diagnostic.line, diagnostic.column) <= end and start <= (diagnostic.end_line, diagnostic.end_column)
