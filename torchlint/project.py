"""Project-wide knowledge: which classes in other files of the project are ``nn.Module`` subclasses, and
which functions in other files return tensors.

A file's imports give qualified names (``from .base import BaseModel`` in ``pkg/models/enc.py`` gives
``pkg.models.base.BaseModel``). The project maps module names to files under its source roots (the
directory above the file's top-level package, the project root, and ``src/``), reads only the files a
resolution needs, each at most once per run, and follows re-exports through ``__init__.py``. Import cycles
terminate: a name being resolved is not resolved again inside its own resolution.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Optional, Union

import libcst as cst

from torchlint.annotations import returns_tensor
from torchlint.file_model import ClassInfo, FileModel, build_file_model
from torchlint.parsing import parse
from torchlint.source import SourceError, read

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
_MAX_HOPS = 32


@dataclass(frozen=True)
class ModuleLocation:
    name: str  # dotted module name, e.g. "pkg.models.enc" ("pkg" for pkg/__init__.py)
    package: str  # the package relative imports start from
    source_root: str  # the directory that holds the top-level package (or the module itself)


def locate(path: str) -> ModuleLocation:
    """The module name of a file, from the chain of ``__init__.py`` files above it."""
    absolute = os.path.abspath(path)
    directory, filename = os.path.split(absolute)
    stem = filename[:-3] if filename.endswith(".py") else filename
    parts = [] if stem == "__init__" else [stem]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        parts.insert(0, os.path.basename(directory))
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    name = ".".join(parts)
    package = name if stem == "__init__" else name.rpartition(".")[0]
    return ModuleLocation(name=name, package=package, source_root=directory)


def project_root(path: str) -> Optional[str]:
    directory = os.path.dirname(os.path.abspath(path))
    while True:
        if any(os.path.exists(os.path.join(directory, marker)) for marker in ROOT_MARKERS):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


Found = Union[tuple[FileModel, ClassInfo], tuple[FileModel, cst.FunctionDef]]


class Project:
    """Resolves qualified names to classes and functions in the project's files (one instance per run)."""

    def __init__(self, extra_bases: frozenset[str] = frozenset()) -> None:
        self.extra_bases = extra_bases
        self._models: dict[str, Optional[FileModel]] = {}
        self._module_results: dict[str, tuple[bool, frozenset[str]]] = {}
        self._resolving: set[str] = set()
        self._tracking: list[set[str]] = []

    @contextmanager
    def tracking(self) -> Iterator[set[str]]:
        """Collect the project files that the answers given inside the block depend on (for the cache)."""
        used: set[str] = set()
        self._tracking.append(used)
        try:
            yield used
        finally:
            # by identity: two trackers may hold equal sets
            self._tracking[:] = [other for other in self._tracking if other is not used]

    def _touch(self, paths: Iterable[str]) -> None:
        for used in self._tracking:
            used.update(paths)

    # --- files -----------------------------------------------------------------------------------------

    def source_roots(self, path: str) -> tuple[str, ...]:
        roots = [locate(path).source_root]
        root = project_root(path)
        if root is not None:
            roots += [root, os.path.join(root, "src")]
        return tuple(dict.fromkeys(roots))

    @staticmethod
    def _file_for(module: str, roots: tuple[str, ...]) -> Optional[str]:
        relative = module.replace(".", os.sep)
        for root in roots:
            for candidate in (os.path.join(root, relative + ".py"), os.path.join(root, relative, "__init__.py")):
                if os.path.isfile(candidate):
                    return candidate
        return None

    def model(self, path: str) -> Optional[FileModel]:
        """The file model of a project file, built once (None when unreadable or unparsable)."""
        key = os.path.abspath(path)
        self._touch((key,))
        if key in self._models:
            return self._models[key]
        self._models[key] = None  # a cycle back to this file sees "unknown" instead of recursing
        model: Optional[FileModel] = None
        try:
            source = read(key)
            module = parse(source.text)
        except (SourceError, cst.ParserSyntaxError, RecursionError):
            module = None
        if module is not None:
            model = build_file_model(module, locate(key).package)
            model.path = key
            from torchlint.module_classes import resolve_bases  # avoids an import cycle at module load

            resolve_bases(model, self.extra_bases, self.module_predicate(key))
        self._models[key] = model
        return model

    # --- names -----------------------------------------------------------------------------------------

    def lookup(self, qualified: str, roots: tuple[str, ...], hops: int = 0) -> Optional[Found]:
        """The class or function that ``qualified`` names in a project file, following re-exports."""
        if hops > _MAX_HOPS:
            return None
        parts = qualified.split(".")
        for split in range(len(parts) - 1, 0, -1):
            path = self._file_for(".".join(parts[:split]), roots)
            if path is None:
                continue
            model = self.model(path)
            if model is None:
                return None
            name, rest = parts[split], parts[split + 1:]
            top = {info.name: info for info in model.classes if info.scope is model.module}
            if name in top:
                found: ClassInfo = top[name]
                for part in rest:
                    nested = model.classes_in(found.node).get(part)
                    if nested is None:
                        return None
                    found = nested
                return model, found
            if name in model.functions and not rest:
                return model, model.functions[name]
            target = model.imports.bindings.get(name)
            if target is not None and target != qualified:
                return self.lookup(".".join([target, *rest]), self.source_roots(path), hops + 1)
            return None
        return None

    def module_predicate(self, path: str) -> Callable[[str], bool]:
        """A callback for :func:`torchlint.module_classes.resolve_bases` in the file ``path``."""
        roots = self.source_roots(path)
        return lambda qualified: self.is_module_class(qualified, roots)

    def is_module_class(self, qualified: str, roots: tuple[str, ...]) -> bool:
        key = f"{qualified}@{roots[0] if roots else ''}"
        if key in self._module_results:
            result, depends_on = self._module_results[key]
            self._touch(depends_on)
            return result
        if key in self._resolving:
            return False
        self._resolving.add(key)
        try:
            with self.tracking() as used:
                found = self.lookup(qualified, roots)
                result = found is not None and isinstance(found[1], ClassInfo) and found[1].is_module
        finally:
            self._resolving.discard(key)
        self._module_results[key] = (result, frozenset(used))
        self._touch(used)
        return result

    def class_defines(self, qualified: str, roots: tuple[str, ...], names: tuple[str, ...]) -> bool:
        """Whether the project class ``qualified`` (or a project base of it) defines one of ``names``."""
        found = self.lookup(qualified, roots)
        if found is None or not isinstance(found[1], ClassInfo):
            return False
        return _defines(found[1], names, self, found[0], set())

    def function_returns_tensor(self, qualified: str, roots: tuple[str, ...]) -> bool:
        found = self.lookup(qualified, roots)
        if found is None or not isinstance(found[1], cst.FunctionDef):
            return False
        model, function = found
        return returns_tensor(function, model.imports) or _all_returns_tensor(model, function)


def _defines(info: ClassInfo, names: tuple[str, ...], project: Project, model: FileModel, seen: set[int]) -> bool:
    if id(info) in seen:
        return False
    seen.add(id(info))
    if any(name in info.methods for name in names):
        return True
    roots = project.source_roots(model.path) if model.path else ()
    for base in info.bases:
        if isinstance(base, ClassInfo) and _defines(base, names, project, model, seen):
            return True
        if isinstance(base, str) and roots and project.class_defines(base, roots, names):
            return True
    return False


def _all_returns_tensor(model: FileModel, function: cst.FunctionDef) -> bool:
    """Every ``return`` of an unannotated function returns a tensor (by the same inference as everywhere)."""
    from torchlint.analysis import function_result  # avoids an import cycle at module load

    return function_result(model, function).is_tensor
