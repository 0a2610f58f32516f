"""Blank out function bodies in source text while every other line keeps its number and its columns.

A masked body becomes ``pass`` on its first line (at the body's own indentation) and empty lines for the
rest, each with its original line ending: the text still parses, and a node outside the masked bodies has
the same position in it as in the original. The masked text is only ever parsed, never written back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from torchlint.source.lines import line_ending, physical_lines

_INDENT = re.compile(r"[ \t]*")


@dataclass(frozen=True)
class Span:
    """The lines ``first`` to ``last`` (1-based, inclusive) of one body, the first indented by ``indent``."""

    first: int
    last: int
    indent: str


def indentation(line: str) -> str:
    """The spaces and tabs a line starts with."""
    match = _INDENT.match(line)
    return match.group() if match else ""


def mask(text: str, spans: Sequence[Span]) -> str:
    """``text`` with each of the (non-overlapping) ``spans`` replaced by ``pass`` and empty lines."""
    if not spans:
        return text
    lines = physical_lines(text, keepends=True)
    for span in spans:
        lines[span.first - 1] = f"{span.indent}pass{line_ending(lines[span.first - 1])}"
        for index in range(span.first, span.last):
            lines[index] = line_ending(lines[index])
    return "".join(lines)
