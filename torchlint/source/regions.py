"""Cut source text into regions before each top-level ``class`` and ``def`` (at its first decorator), without
parsing it: strings and comments are blanked out (same length, line ends kept), and a line that then starts
with code in its first column, outside brackets and not continued by a backslash, starts a top-level
statement.

The scan does not have to be right, only safe: a cut that is not at a top-level statement (inside a string
the scan misread, inside brackets, between a decorator and its function) leaves a region that does not
parse on its own, and the callers then parse the whole text. A cut where every region parses is at the
start of a top-level statement, so the regions' trees put together are the tree of the whole text.
"""

from __future__ import annotations

import re

# strings (triple-quoted first; a prefix such as r or f changes nothing here) and comments
_STRING_OR_COMMENT = re.compile(
    r"""'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''|\"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*\"\"\""""
    r"""|'[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'|"[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"|\#[^\r\n]*""",
    re.DOTALL,
)
_CODE_IN_FIRST_COLUMN = re.compile(r"^[^\s]", re.MULTILINE)
_STARTS = re.compile(r"@|class\b|def\b|async[ \t]+def\b")
_LONE_CARRIAGE_RETURN = re.compile(r"\r(?!\n)")


def _blank(match: re.Match[str]) -> str:
    """Spaces for every character but the line feeds (a carriage return may become a space: no code is
    left in a string or comment to be continued)."""
    return "\n".join(" " * len(part) for part in match.group().split("\n"))


def cut_offsets(text: str) -> list[int]:
    """The offsets in ``text`` of the lines where a top-level class or function (or its first decorator)
    starts, the first line excepted; none for a text with lines ended by a lone carriage return."""
    if "\r" in text and _LONE_CARRIAGE_RETURN.search(text):
        return []
    code = _STRING_OR_COMMENT.sub(_blank, text)
    cuts: list[int] = []
    depth = 0
    counted = 0  # brackets are counted in code[:counted]
    after_decorator = False  # the last top-level statement line was a decorator
    for match in _CODE_IN_FIRST_COLUMN.finditer(code):
        position = match.start()
        depth += sum(code.count(bracket, counted, position) for bracket in "([{")
        depth -= sum(code.count(bracket, counted, position) for bracket in ")]}")
        counted = position
        if depth > 0 or code.endswith(("\\\n", "\\\r\n"), 0, position):
            continue
        if _STARTS.match(code, position) is not None and not after_decorator and position > 0:
            cuts.append(position)
        after_decorator = code[position] == "@"
    return cuts


def regions(text: str) -> list[str]:
    """``text`` cut at :func:`cut_offsets` (no region is empty; they join to ``text``)."""
    bounds = [0, *cut_offsets(text), len(text)]
    return [text[first:last] for first, last in zip(bounds, bounds[1:]) if last > first]
