"""Physical lines as Python's tokenizer (and LibCST's positions) count them.

``str.splitlines`` also splits on form feeds, ``\\x1c``-``\\x1e``, ``\\x85`` and U+2028/U+2029, which Python
source treats as ordinary characters: a file with a ``^L`` page break would shift every line number after it.
Only ``\\r\\n``, ``\\r`` and ``\\n`` end a line here.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_ENDING = re.compile(r"(?:\r\n|\r|\n)$")


def physical_lines(text: str, keepends: bool = False) -> list[str]:
    """The lines of ``text``; with ``keepends`` each keeps its own line ending."""
    lines = _LINE.findall(text)
    return lines if keepends else [_ENDING.sub("", line) for line in lines]


def line_ending(line: str) -> str:
    """The ending of one line taken with ``keepends``: ``"\\r\\n"``, ``"\\r"``, ``"\\n"`` or ``""``."""
    match = _ENDING.search(line)
    return match.group() if match else ""
