"""Drop files that git ignores (``respect-gitignore``), asking git itself in one call per repository."""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Sequence
from typing import Optional


def _repository_root(path: str) -> Optional[str]:
    return _repository_of(os.path.dirname(os.path.abspath(path)))


@functools.lru_cache(maxsize=4096)
def _repository_of(directory: str) -> Optional[str]:
    if os.path.exists(os.path.join(directory, ".git")):
        return directory
    parent = os.path.dirname(directory)
    return None if parent == directory else _repository_of(parent)


def ignored_by_git(files: Sequence[str]) -> set[str]:
    """The subset of ``files`` that git ignores; empty when git is missing or the files are in no repo."""
    by_root: dict[str, list[str]] = {}
    for file in files:
        root = _repository_root(file)
        if root is not None:
            by_root.setdefault(root, []).append(file)
    ignored: set[str] = set()
    for root, members in by_root.items():
        absolute = {os.path.abspath(member): member for member in members}
        try:
            result = subprocess.run(
                ["git", "-C", root, "check-ignore", "-z", "--stdin"],
                input="\0".join(absolute).encode() + b"\0",
                capture_output=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if result.returncode not in (0, 1):
            continue
        for name in result.stdout.decode(errors="surrogateescape").split("\0"):
            if name:
                ignored.add(absolute.get(os.path.abspath(os.path.join(root, name)), name))
    return ignored
