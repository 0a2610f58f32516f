"""Positions between torchlint (1-based lines, 1-based columns in code points) and LSP (0-based lines,
0-based characters in the encoding the client negotiated: UTF-16 unless it asked for UTF-8 or UTF-32)."""

from __future__ import annotations

from collections.abc import Sequence

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def units(text: str, encoding: str) -> int:
    """The length of ``text`` in the code units of ``encoding``."""
    if encoding == UTF32:
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for character in text if ord(character) > 0xFFFF)


def to_client(lines: Sequence[str], line: int, column: int, encoding: str) -> tuple[int, int]:
    """torchlint's ``line:column`` as an LSP ``(line, character)``."""
    if line - 1 >= len(lines):
        return line - 1, 0
    return line - 1, units(lines[line - 1][: column - 1], encoding)


def from_client(lines: Sequence[str], line: int, character: int, encoding: str) -> tuple[int, int]:
    """An LSP ``(line, character)`` as torchlint's 1-based ``line:column`` (code points); a character in the
    middle of a code point counts as that code point."""
    if line >= len(lines) or line < 0:
        return line + 1, 1
    text = lines[line]
    counted = 0
    for index, code_point in enumerate(text):
        if counted >= character:
            return line + 1, index + 1
        counted += units(code_point, encoding)
    return line + 1, len(text) + 1
