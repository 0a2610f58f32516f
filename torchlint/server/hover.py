"""Hover: the rule's documentation (what ``torchlint rule TL001`` prints) on a diagnostic, or on a code inside
a ``# noqa:`` or ``# torchlint: ignore[...]`` / ``file-ignore[...]`` comment."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Optional

from lsprotocol import types

from torchlint.engine.registry import rule_by_code
from torchlint.report.rule_docs import documentation
from torchlint.server.linting import LintResult
from torchlint.server.lsp_diagnostics import touches
from torchlint.server.positions import from_client
from torchlint.source.lines import physical_lines

# where a directive's codes start: after flake8's "noqa:" or after torchlint's "ignore[" / "file-ignore["
_DIRECTIVE = re.compile(r"#\s*noqa\s*:|#\s*torchlint\s*:\s*(?:file-)?ignore\s*\[", re.IGNORECASE)
_CODES = re.compile(r"[\s,]*([A-Z]+[0-9]+)", re.IGNORECASE)


def codes_in_comment(line: str, column: int) -> list[str]:
    """The code under the 1-based ``column`` when it lies in a suppression comment's list of codes."""
    for directive in _DIRECTIVE.finditer(line):
        position = directive.end()
        while True:
            match = _CODES.match(line, position)
            if match is None:
                break
            if match.start(1) < column <= match.end(1) + 1:
                return [match.group(1).upper()]
            position = match.end()
    return []


def _markdown(codes: Sequence[str]) -> Optional[str]:
    rules = rule_by_code()
    pages = [documentation(rules[code]) for code in dict.fromkeys(codes) if code in rules]
    return "\n---\n\n".join(pages) if pages else None


def hover(result: LintResult, position: types.Position, encoding: str) -> Optional[types.Hover]:
    lines = physical_lines(result.text)
    codes: list[str] = []
    if position.line < len(lines):  # a code in a comment first: a TL100 there spans the whole comment
        _, column = from_client(lines, position.line, position.character, encoding)
        codes = codes_in_comment(lines[position.line], column)
    if not codes:
        where = types.Range(position, position)
        codes = [d.code for d in result.diagnostics if touches(lines, d, where, encoding)]
    text = _markdown(codes)
    if text is None:
        return None
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text))
