"""A Jupyter notebook as its JSON text: its cells, where each cell's ``source`` lies in that text, and the
same text with some cells' sources replaced.

The notebook is read with the standard library's ``json`` and validated only as far as linting needs (an
object with a list of ``cells``, nbformat 4, each cell with a ``cell_type`` and a string or list-of-strings
``source``). A small scanner finds the span of every cell's ``source`` value in the text, so that writing a
fixed notebook back replaces only those spans: outputs, execution counts, metadata, cell ids, key order,
indentation, escapes and the trailing newline stay byte for byte. A replaced ``source`` keeps its form (a
list of lines as Jupyter writes it, or one string) and the layout of the list it replaces.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from torchlint.source.decoding import SourceError, SourceText

NOTEBOOK_SUFFIX = ".ipynb"
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_ESCAPE_LENGTHS = {"u": 6}  # \uXXXX; every other escape is two characters


def is_notebook(path: str) -> bool:
    return path.endswith(NOTEBOOK_SUFFIX)


@dataclass(frozen=True)
class Cell:
    number: int  # 1-based, over all cells (markdown and raw included), as Jupyter and Ruff count them
    cell_type: str
    source: str  # the lines joined
    span: tuple[int, int]  # of the ``source`` value in the notebook's text
    is_list: bool  # source stored as a list of lines (Jupyter's form) rather than one string


@dataclass
class Notebook:
    text: str  # the notebook's JSON text
    source: SourceText  # what was read (its raw bytes guard the atomic write)
    cells: list[Cell]
    language: str  # metadata.language_info.name, "python" when absent
    _line_starts: Optional[list[int]] = field(default=None, repr=False)

    @property
    def is_python(self) -> bool:
        return self.language == "python"

    def cell(self, number: int) -> Cell:
        return self.cells[number - 1]

    def with_sources(self, sources: dict[int, str]) -> str:
        """The notebook's text with the ``source`` of the cells numbered in ``sources`` replaced."""
        text = self.text
        for number in sorted(sources, reverse=True):
            cell = self.cell(number)
            start, end = cell.span
            text = text[:start] + self._render(cell, sources[number]) + text[end:]
        return text

    def _render(self, cell: Cell, source: str) -> str:
        ensure_ascii = self.text.isascii() and not all(
            c.source.isascii() for c in self.cells
        )  # non-ASCII written as \u escapes: keep doing so
        if not cell.is_list:
            return json.dumps(source, ensure_ascii=ensure_ascii)
        items = [json.dumps(line, ensure_ascii=ensure_ascii) for line in source.splitlines(keepends=True)]
        if not items:
            return "[]"
        old = self.text[cell.span[0]:cell.span[1]]
        lead = _WHITESPACE.match(old, 1).group()  # after "["
        trail = old[len(old.rstrip("]").rstrip()):-1] if old.endswith("]") else ""
        if old.strip("[] \t\r\n") == "":  # the old list was empty: lay the new one out as the document is
            lead, trail = self._empty_list_layout(cell)
        separator = "," + lead if "\n" in lead else self._inline_separator(old)
        return "[" + lead + separator.join(items) + trail + "]"

    def _empty_list_layout(self, cell: Cell) -> tuple[str, str]:
        if "\n" not in self.text.strip():
            return "", ""
        line_start = self.text.rfind("\n", 0, cell.span[0]) + 1
        key_indent = _WHITESPACE.match(self.text, line_start).group().lstrip("\r\n")
        after_brace = self.text[self.text.index("{") + 1:]
        unit = _WHITESPACE.match(after_brace).group().split("\n")[-1] or " "
        return "\n" + key_indent + unit, "\n" + key_indent

    def _inline_separator(self, old: str) -> str:
        match = re.search(r'"\s*,([ \t]*)"', old) or re.search(r'"\s*,([ \t]*)"', self.text)
        return "," + (match.group(1) if match else " ")

    # --- positions in the JSON text (for formats that point into the file itself) ---------------------------

    def text_position(self, number: int, line: int, column: int) -> tuple[int, int]:
        """The 1-based line and column in the notebook's JSON text where character ``column`` (1-based) of
        line ``line`` of cell ``number`` is written."""
        cell = self.cell(number)
        offsets = _character_offsets(self.text, cell.span[0], cell.span[1], cell.is_list)
        lines = cell.source.splitlines(keepends=True) or [""]
        index = sum(len(text) for text in lines[: max(0, line - 1)]) + max(0, column - 1)
        offset = offsets[min(index, len(offsets) - 1)] if offsets else cell.span[0]
        if self._line_starts is None:
            self._line_starts = [0] + [match.end() for match in re.finditer("\n", self.text)]
        row = bisect.bisect_right(self._line_starts, offset)
        return row, offset - self._line_starts[row - 1] + 1


def _character_offsets(text: str, start: int, end: int, is_list: bool) -> list[int]:
    """For each character of the decoded source value at ``text[start:end]``, the offset in ``text`` where it
    is written (escapes count as one character); plus the offset just past the last string."""
    offsets: list[int] = []
    index, closing = start, start
    while index < end:
        if text[index] != '"':
            index += 1
            continue
        index += 1
        while index < end and text[index] != '"':
            offsets.append(index)
            if text[index] == "\\":
                length = _ESCAPE_LENGTHS.get(text[index + 1], 2)
                if length == 6 and 0xD800 <= int(text[index + 2:index + 6], 16) < 0xDC00:
                    length = 12  # a surrogate pair: one character
                index += length
            else:
                index += 1
        closing = index
        index += 1
        if not is_list:
            break
    return offsets + [closing]  # the last closing quote: where a position just past the source points


def _fail(reason: str) -> SourceError:
    return SourceError(f"not a Jupyter notebook: {reason}")


def _skip(text: str, index: int) -> int:
    return _WHITESPACE.match(text, index).end()  # type: ignore[union-attr]


def _expect(text: str, index: int, char: str) -> int:
    if index >= len(text) or text[index] != char:
        raise _fail(f"unexpected JSON layout at character {index}")
    return index + 1


def _object_members(text: str, index: int) -> tuple[list[tuple[str, int, int]], int]:
    """The (key, value start, value end) of the JSON object at ``index``, and where it ends."""
    members: list[tuple[str, int, int]] = []
    index = _expect(text, _skip(text, index), "{")
    index = _skip(text, index)
    if text.startswith("}", index):
        return members, index + 1
    while True:
        index = _expect(text, _skip(text, index), '"')
        key, index = json.decoder.scanstring(text, index)  # type: ignore[attr-defined]
        index = _skip(text, _expect(text, _skip(text, index), ":"))
        _, end = _DECODER.raw_decode(text, index)
        members.append((key, index, end))
        index = _skip(text, end)
        if text.startswith("}", index):
            return members, index + 1
        index = _expect(text, index, ",")


def _array_items(text: str, index: int) -> list[int]:
    """The start of each value of the JSON array at ``index``."""
    starts: list[int] = []
    index = _skip(text, _expect(text, _skip(text, index), "["))
    if text.startswith("]", index):
        return starts
    while True:
        starts.append(index)
        _, end = _DECODER.raw_decode(text, index)
        index = _skip(text, end)
        if text.startswith("]", index):
            return starts
        index = _skip(text, _expect(text, index, ","))


def _source_spans(text: str) -> list[Optional[tuple[int, int]]]:
    """The span of each cell's ``source`` value (the last one, where a key repeats, as ``json`` reads it)."""
    members, _ = _object_members(text, 0)
    cells_at = [start for key, start, _ in members if key == "cells"][-1]
    spans: list[Optional[tuple[int, int]]] = []
    for start in _array_items(text, cells_at):
        cell_members, _ = _object_members(text, start)
        found = [(begin, end) for key, begin, end in cell_members if key == "source"]
        spans.append(found[-1] if found else None)
    return spans


def _language(document: dict[str, Any]) -> str:
    metadata = document.get("metadata")
    info = metadata.get("language_info") if isinstance(metadata, dict) else None
    name = info.get("name") if isinstance(info, dict) else None
    return name if isinstance(name, str) else "python"


def _joined(source: Any, number: int) -> tuple[str, bool]:
    if isinstance(source, str):
        return source, False
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source), True
    raise _fail(f"cell {number} has a source that is neither a string nor a list of strings")


def read_notebook(source: SourceText) -> Notebook:
    """The notebook whose JSON text is ``source``; SourceError (one line) when it is not an nbformat 4
    notebook."""
    text = source.text.lstrip("\ufeff")
    try:
        document = json.loads(text)
    except ValueError as error:
        raise _fail(f"invalid JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        if isinstance(document, dict) and isinstance(document.get("worksheets"), list):
            raise SourceError("nbformat 3 notebooks are not supported (torchlint reads nbformat 4)")
        raise _fail('no list of "cells"')
    version = document.get("nbformat")
    if version != 4:
        raise SourceError(f"nbformat {version} notebooks are not supported (torchlint reads nbformat 4)")
    try:
        spans = _source_spans(text)
    except (ValueError, IndexError) as error:
        raise _fail(f"unexpected JSON layout ({error})") from None
    offset = len(source.text) - len(text)  # a BOM before the JSON
    cells = []
    for number, (value, span) in enumerate(zip(document["cells"], spans), start=1):
        if not isinstance(value, dict) or not isinstance(value.get("cell_type"), str):
            raise _fail(f'cell {number} has no "cell_type"')
        if span is None:
            raise _fail(f'cell {number} has no "source"')
        joined, is_list = _joined(value["source"], number)
        cells.append(Cell(number, value["cell_type"], joined, (span[0] + offset, span[1] + offset), is_list))
    return Notebook(source.text, source, cells, _language(document))
