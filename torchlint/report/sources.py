"""The reported files' lines, read once for every format that shows them, and keys for findings that survive
edits elsewhere in a file (baselines, SARIF fingerprints)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from torchlint.contract.diagnostics import Diagnostic
from torchlint.source.decoding import SourceError, SourceText, decode, read
from torchlint.source.lines import physical_lines
from torchlint.source.notebook import Notebook, is_notebook, read_notebook


class Sources:
    """The lines of the reported files, read once each; text handed over in memory (stdin) wins. A notebook's
    lines are those of its cells."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}
        self._notebook_texts: dict[str, str] = {}
        self._notebooks: dict[str, Optional[Notebook]] = {}

    def add(self, path: str, text: str) -> None:
        self._lines[path] = physical_lines(text)
        if is_notebook(path):
            self._notebook_texts[path] = text
            self._notebooks.pop(path, None)

    def add_stdin(self, path: str, data: bytes, fixed_text: Optional[str] = None) -> None:
        """Source read from standard input, or the text ``--fix`` made of it (what the report refers to)."""
        if fixed_text is not None:
            self.add(path, fixed_text)
            return
        try:
            self.add(path, decode(data).text)
        except SourceError:
            self.add(path, "")

    def lines(self, path: str) -> list[str]:
        if path not in self._lines:
            try:
                self._lines[path] = physical_lines(read(path).text)
            except SourceError:
                self._lines[path] = []
        return self._lines[path]

    def line(self, path: str, number: int, cell: Optional[int] = None) -> str:
        lines = self.lines(path) if cell is None else self._cell_lines(path, cell)
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def notebook(self, path: str) -> Optional[Notebook]:
        if path not in self._notebooks:
            try:
                text = self._notebook_texts.get(path)
                source = read(path) if text is None else SourceText(text, "utf-8", b"")
                self._notebooks[path] = read_notebook(source)
            except SourceError:
                self._notebooks[path] = None
        return self._notebooks[path]

    def _cell_lines(self, path: str, cell: int) -> list[str]:
        notebook = self.notebook(path)
        return physical_lines(notebook.cell(cell).source) if notebook and 0 < cell <= len(notebook.cells) else []

    def region(self, d: Diagnostic) -> tuple[int, int, int, int]:
        """Where a diagnostic lies in its file's own text (line, column, end line, end column): in a notebook,
        in its JSON, where the cell's source line is written."""
        if d.cell is None:
            return d.line, d.column, d.end_line, d.end_column
        notebook = self.notebook(d.path)
        if notebook is None or not 0 < d.cell <= len(notebook.cells):
            return 1, 1, 1, 1
        line, column = notebook.text_position(d.cell, d.line, d.column)
        end_line, end_column = notebook.text_position(d.cell, d.end_line, d.end_column)
        return line, column, end_line, end_column


def line_keys(diagnostics: Sequence[Diagnostic], sources: Sources) -> list[tuple[str, str, int]]:
    """For each diagnostic: (code, the stripped text of its line, how many earlier diagnostics of the file
    share both). Unlike line numbers, these survive edits elsewhere in the file: baselines and SARIF
    fingerprints are built on them."""
    seen: dict[tuple[str, str, str], int] = {}
    keys: list[tuple[str, str, int]] = [("", "", 0)] * len(diagnostics)
    for index in sorted(range(len(diagnostics)), key=lambda i: diagnostics[i].sort_key):
        diagnostic = diagnostics[index]
        text = sources.line(diagnostic.path, diagnostic.line, diagnostic.cell).strip()
        occurrence = seen.get((diagnostic.path, diagnostic.code, text), 0)
        seen[(diagnostic.path, diagnostic.code, text)] = occurrence + 1
        keys[index] = (diagnostic.code, text, occurrence)
    return keys
