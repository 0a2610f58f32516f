"""The ``torchlint`` command line: exit 0 when clean, 1 when there are findings, 2 on any error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn, Optional

from torchlint import __version__
from torchlint.diagnostics import Diagnostic
from torchlint.discovery import discover
from torchlint.linter import lint_text
from torchlint.output import FORMATS
from torchlint.registry import all_rules
from torchlint.rule import Rule
from torchlint.selection import SelectionError, enabled_codes, split_codes
from torchlint.source import SourceError, decode, read

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
STDIN = "-"


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="torchlint",
        description="Find PyTorch module state that escapes nn.Module registration.",
    )
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="files or directories to check ('-' reads standard input); default: .")
    parser.add_argument("--select", type=split_codes, metavar="CODES",
                        help="comma-separated codes or prefixes to enable instead of the defaults (ALL for all)")
    parser.add_argument("--extend-select", type=split_codes, default=[], metavar="CODES",
                        help="codes or prefixes to enable in addition")
    parser.add_argument("--ignore", type=split_codes, default=[], metavar="CODES",
                        help="codes or prefixes to disable")
    parser.add_argument("--output-format", choices=sorted(FORMATS), default="flake8",
                        help="how to print diagnostics (default: flake8)")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    parser.add_argument("--stdin-filename", metavar="PATH",
                        help="the name to report for source read from standard input")
    parser.add_argument("--version", action="version", version=f"torchlint {__version__}")
    return parser


def _selected_rules(args: argparse.Namespace) -> list[Rule]:
    rules = all_rules()
    codes = [rule.code for rule in rules]
    default = [rule.code for rule in rules if rule.default_enabled]
    enabled = enabled_codes(codes, default, args.select, args.extend_select, args.ignore)
    return [rule for rule in rules if rule.code in enabled]


def _error(message: str) -> None:
    print(f"torchlint: error: {message}", file=sys.stderr)


def _lint_one(path: str, shown_as: str, rules: Sequence[Rule]) -> Optional[list[Diagnostic]]:
    """Diagnostics for one file, or None after printing a one-line error."""
    try:
        source = decode(sys.stdin.buffer.read()) if path == STDIN else read(path)
    except SourceError as error:
        _error(f"{shown_as}: {error}")
        return None
    try:
        return lint_text(source.text, shown_as, rules)
    except RecursionError:
        _error(f"{shown_as}: too deeply nested to analyse")
    except Exception as error:  # a bug in torchlint: name the file, keep going
        _error(f"{shown_as}: internal error: {type(error).__name__}: {error}")
    return None


def run(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    rules = _selected_rules(args)
    paths: list[str] = args.paths
    failed = False
    if STDIN in paths:
        if len(paths) > 1:
            raise UsageError("'-' (standard input) cannot be combined with other paths")
        files = [STDIN]
    else:
        if args.stdin_filename is not None:
            raise UsageError("--stdin-filename needs '-' as the path")
        files, errors = discover(paths)
        for problem in errors:
            _error(f"{problem.path}: {problem.message}")
            failed = True
    diagnostics: list[Diagnostic] = []
    for path in files:
        shown_as = (args.stdin_filename or "-") if path == STDIN else path
        found = _lint_one(path, shown_as, rules)
        if found is None:
            failed = True
        else:
            diagnostics.extend(found)
    diagnostics.sort(key=lambda diagnostic: diagnostic.sort_key)
    sys.stdout.write(FORMATS[args.output_format](diagnostics))
    if failed:
        return EXIT_ERROR
    return EXIT_FINDINGS if diagnostics and not args.exit_zero else EXIT_CLEAN


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        return run(argv)
    except UsageError as error:
        _error(str(error))
    except SelectionError as error:
        _error(str(error))
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # never a traceback
        _error(f"internal error: {type(error).__name__}: {error}")
    return EXIT_ERROR
