"""Which paths a configuration excludes, with Ruff's semantics.

``exclude`` replaces the default list below, ``extend-exclude`` adds to it. A pattern without a ``/``
matches any path component (``build`` excludes every directory named build); a pattern with a ``/`` is
anchored at the configuration's directory (``src/legacy/*.py``). Patterns are shell globs.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Optional

from torchlint.config.config_file import Config

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", "__pycache__", "build", "dist", "node_modules", ".tox", ".nox", ".venv", "venv",
    ".eggs", "*.egg-info", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".torchlint_cache", "site-packages",
    ".ipynb_checkpoints",
)


def _relative_parts(path: str, root: str) -> list[str]:
    """The path's components below ``root``; only its own name when it lies outside ``root`` (the
    directories above the configuration's root are never matched against patterns)."""
    absolute = os.path.abspath(path)
    if not absolute.startswith(root.rstrip(os.sep) + os.sep):
        return [os.path.basename(absolute)]
    return [part for part in os.path.relpath(absolute, root).replace(os.sep, "/").split("/") if part]


@dataclass(frozen=True)
class _Patterns:
    names: Optional[re.Pattern[str]]  # every pattern without a "/", as one expression over a name
    anchored: tuple[str, ...]  # patterns with a "/", relative to the configuration's root


@functools.lru_cache(maxsize=64)
def _patterns(patterns: tuple[str, ...]) -> _Patterns:
    names: list[str] = []
    anchored: list[str] = []
    for raw in patterns:
        pattern = (raw[2:] if raw.startswith("./") else raw).strip("/")
        if pattern:
            (anchored if "/" in pattern else names).append(pattern)
    expression = re.compile("|".join(f"(?:{fnmatch.translate(name)})" for name in names)) if names else None
    return _Patterns(expression, tuple(anchored))


def is_excluded(path: str, config: Config, ancestors: bool = False) -> bool:
    """Whether ``path`` is excluded. A directory walk checks each entry as it descends, so only the entry's
    own name is matched against name patterns; with ``ancestors`` (a file named on the command line under
    ``force-exclude``) the directories between the configuration's root and the file are matched too."""
    patterns = _patterns((config.exclude if config.exclude is not None else DEFAULT_EXCLUDE) + config.extend_exclude)
    if patterns.names is not None and not (ancestors or patterns.anchored):
        return patterns.names.match(os.path.basename(path.rstrip(os.sep)) or path) is not None
    parts = _relative_parts(path, config.root)
    names = parts if ancestors else parts[-1:]
    if patterns.names is not None and any(patterns.names.match(name) for name in names):
        return True
    return any(
        fnmatchcase("/".join(parts[:end]), pattern) for pattern in patterns.anchored for end in range(1, len(parts) + 1)
    )


def is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))
