"""Find the Python files to lint under the paths given on the command line."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

SKIPPED_DIRECTORIES = frozenset(
    {".git", ".hg", ".svn", "__pycache__", "build", "dist", "node_modules", ".tox", ".nox", ".venv", "venv",
     ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".torchlint_cache", "site-packages"}
)


@dataclass(frozen=True)
class DiscoveryError:
    path: str
    message: str


def _is_virtualenv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def _walk(root: str) -> Iterator[str]:
    try:
        entries = sorted(os.scandir(root), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name in SKIPPED_DIRECTORIES or entry.name.endswith(".egg-info"):
                    continue
                if _is_virtualenv(entry.path):
                    continue
                yield from _walk(entry.path)
            elif entry.name.endswith(".py") and entry.is_file():
                yield entry.path
        except OSError:
            continue


def discover(paths: Sequence[str]) -> tuple[list[str], list[DiscoveryError]]:
    """Files under ``paths`` (files given explicitly are always included), and paths that do not exist."""
    files: list[str] = []
    errors: list[DiscoveryError] = []
    seen: set[str] = set()
    for path in paths:
        if os.path.isdir(path):
            found: Iterator[str] = _walk(path)
        elif os.path.isfile(path):
            found = iter([path])
        else:
            errors.append(DiscoveryError(path, "no such file or directory"))
            continue
        for file in found:
            key = os.path.normpath(file)
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files, errors
