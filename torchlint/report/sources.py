"""The reported files' lines, read once for every format that shows them, and keys for findings that survive
edits elsewhere in a file (baselines, SARIF fingerprints)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from torchlint.contract.diagnostics import Diagnostic
from torchlint.source.decoding import SourceError, decode, read
from torchlint.source.lines import physical_lines


class Sources:
    """The lines of the reported files, read once each; text handed over in memory (stdin) wins."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def add(self, path: str, text: str) -> None:
        self._lines[path] = physical_lines(text)

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

    def line(self, path: str, number: int) -> str:
        lines = self.lines(path)
        return lines[number - 1] if 0 < number <= len(lines) else ""


def line_keys(diagnostics: Sequence[Diagnostic], sources: Sources) -> list[tuple[str, str, int]]:
    """For each diagnostic: (code, the stripped text of its line, how many earlier diagnostics of the file
    share both). Unlike line numbers, these survive edits elsewhere in the file: baselines and SARIF
    fingerprints are built on them."""
    seen: dict[tuple[str, str, str], int] = {}
    keys: list[tuple[str, str, int]] = [("", "", 0)] * len(diagnostics)
    for index in sorted(range(len(diagnostics)), key=lambda i: diagnostics[i].sort_key):
        diagnostic = diagnostics[index]
        text = sources.line(diagnostic.path, diagnostic.line).strip()
        occurrence = seen.get((diagnostic.path, diagnostic.code, text), 0)
        seen[(diagnostic.path, diagnostic.code, text)] = occurrence + 1
        keys[index] = (diagnostic.code, text, occurrence)
    return keys
