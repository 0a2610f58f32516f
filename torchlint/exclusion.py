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
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, root) if absolute.startswith(root.rstrip(os.sep) + os.sep) else absolute
    return [part for part in relative.replace(os.sep, "/").split("/") if part]


def is_excluded(path: str, config: Config) -> bool:
    patterns = (config.exclude if config.exclude is not None else DEFAULT_EXCLUDE) + config.extend_exclude
    if not patterns:
        return False
    parts = _relative_parts(path, config.root)
    for raw in patterns:
        pattern = (raw[2:] if raw.startswith("./") else raw).strip("/")
        if not pattern:
            continue
        if "/" not in pattern:
            if any(fnmatchcase(part, pattern) for part in parts):
                return True
        elif any(fnmatchcase("/".join(parts[:end]), pattern) for end in range(1, len(parts) + 1)):
            return True
    return False


def is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))
