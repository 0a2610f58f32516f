"""The project's interpreter and the directories its installed packages live in, found as Ruff and pyright
find them, without running it: the ``python`` setting or ``--python PATH`` (an interpreter, or the
environment directory holding it), else the active virtual environment (``VIRTUAL_ENV``), else a ``.venv``
beside the configuration, else the interpreter torchlint runs on.

The directories are searched only for the modules a resolution needs (``import x.y`` -> ``x/y.py`` or
``x/y/__init__.py``), never walked, and their files are read, never imported.
"""

from __future__ import annotations

import glob
import os
import sysconfig
from collections.abc import Mapping
from typing import Optional


class InterpreterError(ValueError):
    """A ``python`` setting that names no interpreter or environment; the message is one line."""


def _environment_of(path: str) -> str:
    """The prefix directory of an interpreter path (``.venv/bin/python`` -> ``.venv``), or the directory."""
    if os.path.isdir(path):
        return path
    parent = os.path.dirname(os.path.abspath(path))
    return os.path.dirname(parent) if os.path.basename(parent) in ("bin", "Scripts") else parent


def site_packages(prefix: str) -> list[str]:
    """The ``site-packages`` directories of an environment prefix (POSIX and Windows layouts), and the
    directories that its ``.pth`` files add (editable installs written as plain paths)."""
    found = sorted(glob.glob(os.path.join(prefix, "lib", "python3*", "site-packages")), reverse=True)
    found += [path for path in [os.path.join(prefix, "Lib", "site-packages")] if os.path.isdir(path)]
    extra: list[str] = []
    for directory in found:
        for pth in sorted(glob.glob(os.path.join(directory, "*.pth"))):
            try:
                with open(pth, encoding="utf-8") as handle:
                    lines = handle.read().splitlines()
            except (OSError, UnicodeDecodeError):
                continue
            for line in lines:
                line = line.strip()
                if line and not line.startswith(("#", "import ")) and os.path.isdir(line):
                    extra.append(os.path.abspath(line))
    return list(dict.fromkeys([*found, *extra]))


def search_path(python: Optional[str], config_root: str, environ: Mapping[str, str] = os.environ) -> tuple[str, ...]:
    """Where the project's installed packages are, in lookup order."""
    if python:
        path = python if os.path.isabs(python) else os.path.join(config_root, python)
        if not os.path.exists(path):
            raise InterpreterError(f"{python}: no such interpreter or environment")
        found = site_packages(_environment_of(path))
        if not found:
            raise InterpreterError(f"{python}: no site-packages directory found for it")
        return tuple(found)
    active = environ.get("VIRTUAL_ENV")
    if active and os.path.isdir(active):
        return tuple(site_packages(active))
    beside = os.path.join(config_root, ".venv")
    if os.path.isdir(beside):
        return tuple(site_packages(beside))
    own = sysconfig.get_paths().get("purelib")
    return (own,) if own and os.path.isdir(own) else ()
