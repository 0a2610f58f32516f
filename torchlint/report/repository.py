"""Paths relative to the top of the git work tree, as GitHub and SARIF consumers name files."""

from __future__ import annotations

import os
from typing import Optional


def repository_root(start: Optional[str] = None) -> str:
    """The top of the git work tree holding ``start`` (default: the current directory), else ``start``."""
    here = os.path.abspath(start or os.getcwd())
    candidate = here
    while True:
        if os.path.exists(os.path.join(candidate, ".git")):
            return candidate
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return here
        candidate = parent


def repository_path(path: str, root: str) -> Optional[str]:
    """``path`` relative to ``root`` with forward slashes; None when it lies outside ``root``."""
    relative = os.path.relpath(os.path.abspath(path), root)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep) or os.path.isabs(relative):
        return None
    return relative.replace(os.sep, "/")
