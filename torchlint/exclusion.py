"""Which paths a configuration excludes, with Ruff's semantics.

``exclude`` replaces the default list below, ``extend-exclude`` adds to it. A pattern without a ``/``
matches any path component (``build`` excludes every directory named build); a pattern with a ``/`` is
anchored at the configuration's directory (``src/legacy/*.py``). Patterns are shell globs.
"""

from __future__ import annotations

import os
from fnmatch import fnmatchcase

from torchlint.config import Config

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", "__pycache__", "build", "dist", "node_modules", ".tox", ".nox", ".venv", "venv",
    ".eggs", "*.egg-info", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".torchlint_cache", "site-packages",
)


def _relative_parts(path: str, root: str) -> list[str]:
    """The path's components below ``root``; only its own name when it lies outside ``root`` (the
    directories above the configuration's root are never matched against patterns)."""
    absolute = os.path.abspath(path)
    if not absolute.startswith(root.rstrip(os.sep) + os.sep):
        return [os.path.basename(absolute)]
    return [part for part in os.path.relpath(absolute, root).replace(os.sep, "/").split("/") if part]


def is_excluded(path: str, config: Config, ancestors: bool = False) -> bool:
    """Whether ``path`` is excluded. A directory walk checks each entry as it descends, so only the entry's
    own name is matched against name patterns; with ``ancestors`` (a file named on the command line under
    ``force-exclude``) the directories between the configuration's root and the file are matched too."""
    patterns = (config.exclude if config.exclude is not None else DEFAULT_EXCLUDE) + config.extend_exclude
    if not patterns:
        return False
    parts = _relative_parts(path, config.root)
    names = parts if ancestors else parts[-1:]
    for raw in patterns:
        pattern = (raw[2:] if raw.startswith("./") else raw).strip("/")
        if not pattern:
            continue
        if "/" not in pattern:
            if any(fnmatchcase(name, pattern) for name in names):
                return True
        elif any(fnmatchcase("/".join(parts[:end]), pattern) for end in range(1, len(parts) + 1)):
            return True
    return False


def is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))
