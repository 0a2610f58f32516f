"""Names that ``_apply``/``to``/``cuda`` overrides in *other files of a package* move on objects other than
their own instance, for a class those overrides name.

A detection head is defined in one file (ultralytics ``nn/modules/head.py``: ``self.stride = torch.zeros(nl)``)
and the model that holds it in another (``nn/tasks.py``)::

    def _apply(self, fn):
        super()._apply(fn)
        m = self.model[-1]
        if isinstance(m, Detect):
            m.stride = fn(m.stride)

``model.to(...)`` then moves the head's plain ``stride`` after all. An override counts for a class when it
names the class or one of its bases (``Detect`` above, also for ``Segment(Detect)``), and it is found in the
files of the class's top-level package (the directories above it that hold ``__init__.py``). Only files whose
text defines one of the methods are parsed; the answer for a package is kept per process.

Both sides use it through :func:`torchlint.runtime.override_effects.moved_in_package`: the static analysis for
the file it lints (:mod:`torchlint.analysis.override_scope`) and the runtime recording for a live class's file,
so they agree.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable
from typing import Callable, Optional, Union

# what the override reading says an override moves on other objects (OverrideEffect.others); passed in by
# torchlint.runtime.override_effects, which owns that reading and calls this module
Reader = Callable[[Union[ast.FunctionDef, ast.AsyncFunctionDef]], frozenset[str]]
METHODS = ("_apply", "to", "cuda")
_DEFINES_OVERRIDE = re.compile(r"^\s*(?:async\s+)?def\s+(?:" + "|".join(METHODS) + r")\s*\(", re.M)
_MAX_FILES = 5000  # a package larger than this is not searched (the rules then keep what the file says)

# per package directory: ((file, names the override mentions, names it moves on other objects), ...)
_PACKAGES: dict[str, tuple[tuple[str, frozenset[str], frozenset[str]], ...]] = {}


def package_directory(path: str) -> Optional[str]:
    """The directory of the top-level package that holds ``path``, or None for a file outside a package."""
    directory = os.path.dirname(os.path.abspath(path))
    found = None
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        found = directory
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return found


def _python_files(directory: str) -> Optional[list[str]]:
    files: list[str] = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        files.extend(os.path.join(root, name) for name in sorted(names) if name.endswith(".py"))
        if len(files) > _MAX_FILES:
            return None
    return files


def _mentioned(function: ast.AST) -> frozenset[str]:
    names: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return frozenset(names)


def _overrides(path: str, read_others: Reader) -> list[tuple[frozenset[str], frozenset[str]]]:
    """(names mentioned, names moved on other objects) for each override in the file that moves any."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return []
    if _DEFINES_OVERRIDE.search(text) is None:
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for method in node.body:
                if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) and method.name in METHODS:
                    others = read_others(method)
                    if others:
                        found.append((_mentioned(method), others))
    return found


def _package(directory: str, read_others: Reader) -> tuple[tuple[str, frozenset[str], frozenset[str]], ...]:
    kept = _PACKAGES.get(directory)
    if kept is None:
        files = _python_files(directory) or []
        kept = _PACKAGES[directory] = tuple(
            (path, mentioned, others) for path in files for mentioned, others in _overrides(path, read_others)
        )
    return kept


def moved_by_other_files(
    path: str, class_names: Iterable[str], read_others: Reader
) -> tuple[frozenset[str], tuple[str, ...]]:
    """The names that overrides in other files of ``path``'s package move on other objects, counting only
    overrides that name one of ``class_names`` (the class and its bases); and the files they are in."""
    directory = package_directory(path)
    if directory is None:
        return frozenset(), ()
    own = os.path.abspath(path)
    wanted = set(class_names)
    names: set[str] = set()
    files: list[str] = []
    for where, mentioned, others in _package(directory, read_others):
        if where != own and mentioned & wanted:
            names |= others
            files.append(where)
    return frozenset(names), tuple(dict.fromkeys(files))
