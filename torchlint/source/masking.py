"""Blank out function bodies in source text.

:func:`mask` keeps every other line where it was: a masked body becomes ``pass`` on its first line (at the
body's own indentation) and empty lines for the rest, each with its original line ending, so a node outside
the masked bodies has the same position in it as in the original.

:func:`compact` is for a parse whose only question is whether there is anything to report: each masked span
becomes one line (``pass``, or a shorter definition of a whole function), and every line that is empty or
holds only a comment is dropped (LibCST spends about a third of its time on a typical module's blank and
comment lines). Lines move, and a string spanning lines may lose some of its text, which no rule reads; code
keeps its order and its meaning. Where dropping a line breaks the code (a line continued with a backslash
onto an empty one), the text no longer parses and the caller falls back to the whole file.

Masked text is only ever parsed, never written back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from torchlint.source.lines import line_ending, physical_lines

_INDENT = re.compile(r"[ \t]*")


@dataclass(frozen=True)
class Span:
    """The lines ``first`` to ``last`` (1-based, inclusive) of one body, the first indented by ``indent``;
    :func:`compact` writes ``statement`` in their place (a function's whole definition may be replaced by a
    shorter one, ``def forward(self): pass``), :func:`mask` always ``pass``."""

    first: int
    last: int
    indent: str
    statement: str = "pass"


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


def compact(text: str, spans: Sequence[Span]) -> str:
    """``text`` with each of the (non-overlapping) ``spans`` replaced by its one-line statement, and without
    its empty and comment-only lines."""
    lines = physical_lines(text, keepends=True)
    first_lines = {span.first - 1: span for span in spans}
    kept: list[str] = []
    index = 0
    while index < len(lines):
        span = first_lines.get(index)
        if span is not None:
            ending = line_ending(lines[index]) or "\n"
            kept.append(f"{span.indent}{span.statement}{ending}")
            index = span.last
            continue
        line = lines[index]
        stripped = line.lstrip()
        if stripped and stripped[0] != "#":
            kept.append(line)
        index += 1
    return "".join(kept)
