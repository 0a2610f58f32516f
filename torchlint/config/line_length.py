"""The line length fixed lines must keep: ``[tool.torchlint] line-length``, else the project's formatter's
(``[tool.ruff]`` or ``ruff.toml``, then ``[tool.black]``), else 88 (Ruff's and Black's default).

The formatter's setting is read from the nearest ``pyproject.toml`` / ``ruff.toml`` / ``.ruff.toml`` at or
above the configuration's directory that sets one.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

DEFAULT_LINE_LENGTH = 88


def _table(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _positive(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _read(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


@functools.lru_cache(maxsize=4096)
def formatter_line_length(directory: str) -> int:
    """The line length of the formatter configured at or above ``directory``, else 88."""
    directory = os.path.abspath(directory)
    while True:
        for name in ("ruff.toml", ".ruff.toml"):
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                found = _positive(_read(path).get("line-length"))
                if found is not None:
                    return found
        path = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(path):
            data = _read(path)
            for keys in (("tool", "ruff", "line-length"), ("tool", "black", "line-length")):
                found = _positive(_table(data, *keys))
                if found is not None:
                    return found
        parent = os.path.dirname(directory)
        if parent == directory:
            return DEFAULT_LINE_LENGTH
        directory = parent
