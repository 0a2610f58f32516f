"""``# noqa`` comments with flake8's semantics.

- ``# noqa`` (any case) on the reported physical line suppresses every code on that line;
- ``# noqa: TL001, TL002`` (or ``# noqa:TL001``) suppresses the listed codes and codes starting with them;
- ``# noqa TL001`` (no colon) is a blanket ``# noqa``, as in flake8;
- a line that is only ``# flake8: noqa`` (or ``# flake8= noqa``) skips the whole file; with codes after it
  (``# flake8: noqa: TL001``) flake8 does not skip the file, and neither do we.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

_INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_FILE = re.compile(r"\s*# flake8[:=]\s*noqa(?P<codes>:\s?([A-Z]+[0-9]+(?:[,\s]+)?)+)?", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


@dataclass(frozen=True)
class LineSuppression:
    codes: Optional[frozenset[str]]  # None: every code

    def suppresses(self, code: str) -> bool:
        return self.codes is None or any(code.startswith(prefix) for prefix in self.codes)


def line_suppression(line: str) -> Optional[LineSuppression]:
    """The ``# noqa`` suppression on one physical line, if any."""
    if "#" not in line:
        return None
    match = _INLINE.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return LineSuppression(None)
    return LineSuppression(frozenset(code.upper() for code in _CODE.findall(codes)))


def file_is_skipped(lines: Sequence[str]) -> bool:
    """True when a line holds a bare ``# flake8: noqa``."""
    for line in lines:
        if "flake8" not in line.lower():
            continue
        match = _FILE.match(line)
        if match is not None and not match.group("codes"):
            return True
    return False
