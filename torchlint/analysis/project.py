"""Project-wide knowledge: which classes in other files of the project are ``nn.Module`` subclasses, and
which functions in other files return tensors.

A file's imports give qualified names (``from .base import BaseModel`` in ``pkg/models/enc.py`` gives
``pkg.models.base.BaseModel``). The project maps module names to files under its source roots (the
directory above the file's top-level package, the project root, and ``src/``), reads only the files a
resolution needs, each at most once per run (through its outline), and follows re-exports through
``__init__.py``. Import cycles terminate: a name being resolved is not resolved again inside its own
resolution.
"""

from __future__ import annotations

import os
import sys
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Optional, TypeVar

import libcst as cst

from torchlint.analysis.top_level import tensor_functions
from torchlint.outline.file_model import build_file_model
from torchlint.outline.module_classes import resolve_bases
from torchlint.outline.outline import ClassOutline, Outline, Returns, defines, parse_outline, resolve
from torchlint.source.decoding import SourceError, read
from torchlint.source.parsing import parse
from torchlint.torch_facts.known_bases import MODULE_CLASS_PATHS

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
_MAX_HOPS = 32
_STAR_HOPS = 4  # star imports are followed only this deep: each may branch into several modules


@dataclass(frozen=True)
class ModuleLocation:
    name: str  # dotted module name, e.g. "pkg.models.enc" ("pkg" for pkg/__init__.py)
    package: str  # the package relative imports start from
    source_root: str  # the directory that holds the top-level package (or the module itself)


def locate(path: str) -> ModuleLocation:
    """The module name of a file, from the chain of ``__init__.py`` files above it."""
    absolute = os.path.abspath(path)
    directory, filename = os.path.split(absolute)
    stem = os.path.splitext(filename)[0] if filename.endswith((".py", ".ipynb")) else filename
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


def installed_roots() -> tuple[str, ...]:
    """The directories installed packages are imported from (this interpreter's ``sys.path``), read as files
    only: nothing is imported."""
    return tuple(entry for entry in sys.path if entry and os.path.isdir(entry) and not entry.endswith(".zip"))


def _shown_path(path: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith(os.pardir) else relative


T = TypeVar("T")

# Outlines are small (a few kB each), but a run over a huge tree must not keep every one of them. The limit
# is well above what one file's lookups reach: a file importing transformers or peft outlines a couple of
# thousand of their files, and with a limit of 1,024 they were outlined again and again (eight minutes for
# peft's peft_model.py, linted where peft is installed, so that transformers counts as the project's own).
OUTLINES_KEPT = 16384
# Installed packages' outlines are kept apart (a project file changes; an installed one is read once).
INSTALLED_OUTLINES_KEPT = 16384


@dataclass(frozen=True)
class Found:
    path: str
    outline: Outline
    cls: Optional[ClassOutline] = None  # the class found, or
    function: Optional[str] = None  # the name of the top-level function found


class Project:
    """Resolves qualified names to classes and functions in the project's files (one instance per run).

    Files are read through their outlines (:mod:`torchlint.outline.outline`): Python's own parser, nothing kept but
    names. Only a question an outline cannot answer (does this unannotated helper return a tensor?) parses
    the file with LibCST, and only the answer is kept."""

    def __init__(self, extra_bases: frozenset[str] = frozenset(), installed: tuple[str, ...] = ()) -> None:
        self.extra_bases = extra_bases
        self.installed = installed  # the site-packages directories of the project's interpreter, searched last
        # by path: the (length, hash) of the text outlined, and its outline
        self._outlines: OrderedDict[str, tuple[Optional[tuple[int, int]], Optional[Outline]]] = OrderedDict()
        self._installed_outlines: OrderedDict[str, tuple[Optional[tuple[int, int]], Optional[Outline]]] = (
            OrderedDict()
        )
        self._module_results: dict[str, tuple[bool, frozenset[str]]] = {}
        self._returns_tensor: dict[str, frozenset[str]] = {}  # by file
        self._resolving: set[str] = set()
        self._tracking: list[set[str]] = []
        self._roots: dict[str, tuple[str, ...]] = {}  # by directory: the files of a run share a few
        # answers other analyses derive from several files (by kind, then by key), dropped as a whole by
        # :meth:`forget_derived` when any file changes
        self._derived: dict[str, dict[str, Any]] = {}

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

    def derived(self, kind: str, qualified: str, roots: tuple[str, ...], compute: Callable[[], T]) -> Optional[T]:
        """The answer of one ``kind`` about the name ``qualified`` (as files under ``roots`` see it) that an
        analysis draws from other files: computed once for the project's lifetime (or until
        :meth:`forget_derived`); a question asked again while it is being answered (a cycle) gets None."""
        kept = self._derived.setdefault(kind, {})
        key = f"{qualified}@{roots[0] if roots else ''}"
        if key not in kept:
            kept[key] = None
            kept[key] = compute()
        return kept[key]

    def forget_derived(self) -> None:
        self._derived.clear()

    def depends_on(self, paths: Iterable[str]) -> None:
        """Note files an answer read outside the project's own lookups (other files of a package)."""
        self._touch(os.path.abspath(path) for path in paths)

    # --- files -----------------------------------------------------------------------------------------

    def source_roots(self, path: str) -> tuple[str, ...]:
        """Where the imports of the file ``path`` are looked for: its package's root, the project's root (and
        its ``src``), then the installed packages. Kept per directory for the project's lifetime."""
        directory = os.path.dirname(os.path.abspath(path))
        kept = self._roots.get(directory)
        if kept is None:
            roots = [locate(path).source_root]
            root = project_root(path)
            if root is not None:
                roots += [root, os.path.join(root, "src")]
            kept = self._roots[directory] = tuple(dict.fromkeys([*roots, *self.installed]))
        return kept

    @staticmethod
    def _file_for(module: str, roots: tuple[str, ...]) -> Optional[str]:
        relative = module.replace(".", os.sep)
        for root in roots:
            for candidate in (os.path.join(root, relative + ".py"), os.path.join(root, relative, "__init__.py")):
                if os.path.isfile(candidate):
                    return candidate
        return None

    def _kept_outlines(self, key: str) -> OrderedDict[str, tuple[Optional[tuple[int, int]], Optional[Outline]]]:
        """Where the outline of the file ``key`` (an absolute path) is kept: installed packages' apart."""
        installed = any(key.startswith(os.path.join(root, "")) for root in self.installed)
        return self._installed_outlines if installed else self._outlines

    def outline(self, path: str, text: Optional[str] = None) -> Optional[Outline]:
        """The resolved outline of a project file (None when unreadable or unparsable), kept for later.
        With ``text`` (the file being linted, already read), the outline is of that text: a file is outlined
        once whether it is linted or looked up first."""
        key = os.path.abspath(path)
        self._touch((key,))
        fingerprint = None if text is None else (len(text), hash(text))
        outlines = self._kept_outlines(key)
        if key in outlines:
            kept_fingerprint, kept = outlines[key]
            if fingerprint is None or fingerprint == kept_fingerprint:
                outlines.move_to_end(key)
                return kept
        if text is None:
            try:
                text = read(key).text
            except SourceError:
                text = None
            fingerprint = None if text is None else (len(text), hash(text))
        outlines[key] = (fingerprint, None)  # a cycle back to this file sees "unknown" instead of recursing
        found = None if text is None else parse_outline(text, locate(key).package)
        if found is not None:
            resolve(found, self.extra_bases, self.module_predicate(key))
        outlines[key] = (fingerprint, found)
        limit = OUTLINES_KEPT if outlines is self._outlines else INSTALLED_OUTLINES_KEPT
        while len(outlines) > limit:
            outlines.popitem(last=False)
        return found

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
            model = self.outline(path)
            if model is None:
                return None
            name, rest = parts[split], parts[split + 1:]
            found = model.top_level(name)
            if found is not None:
                for part in rest:
                    found = model.classes_in(found.own_scope).get(part)
                    if found is None:
                        return None
                return Found(os.path.abspath(path), model, cls=found)
            if name in model.functions and not rest:
                return Found(os.path.abspath(path), model, function=name)
            target = model.imports.bindings.get(name)
            if target is not None and target != qualified:
                return self.lookup(".".join([target, *rest]), self.source_roots(path), hops + 1)
            for star in model.star_imports if hops < _STAR_HOPS else ():  # torch/nn: from torch.nn.modules import *
                found_there = self.lookup(".".join([star, name, *rest]), self.source_roots(path), hops + 1)
                if found_there is not None:
                    return found_there
            return None
        return None

    def module_predicate(self, path: str) -> Callable[[str], bool]:
        """Whether a qualified name, as the file ``path`` sees it, is a project class deriving from Module."""
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
                result = found is not None and found.cls is not None and found.cls.is_module
        finally:
            self._resolving.discard(key)
        self._module_results[key] = (result, frozenset(used))
        self._touch(used)
        return result

    def class_defines(self, qualified: str, roots: tuple[str, ...], names: tuple[str, ...]) -> bool:
        """Whether the project class ``qualified`` (or a project base of it) defines one of ``names``;
        ``nn.Module`` itself (readable among installed packages) defines what every module has."""
        if qualified in MODULE_CLASS_PATHS:
            return False
        found = self.lookup(qualified, roots)
        if found is None or found.cls is None:
            return False
        outer = self.source_roots(found.path)
        return defines(found.cls, names, lambda base: self.class_defines(base, outer, names), set())

    def class_assigning(self, qualified: str, roots: tuple[str, ...], name: str) -> Optional[str]:
        """Where the class ``qualified`` or one of its bases, in the project's files or in an installed package
        that can be read, assigns ``self.<name>`` in a method: ``pkg.base.Base (pkg/base.py:12)``, or None.
        torch's own classes are not read (what every nn.Module has is known without them)."""
        return self._class_assigning(qualified, roots, name, set())

    def _class_assigning(self, qualified: str, roots: tuple[str, ...], name: str, seen: set[str]) -> Optional[str]:
        if qualified in seen or qualified.split(".")[0] == "torch" or len(seen) > _MAX_HOPS:
            return None
        seen.add(qualified)
        found = self.lookup(qualified, roots) or self.lookup(qualified, installed_roots())
        if found is None or found.cls is None:
            return None
        outer = self.source_roots(found.path)
        pending: list[object] = [found.cls]
        visited: set[int] = set()
        while pending:
            cls = pending.pop()
            if id(cls) in visited:
                continue
            visited.add(id(cls))
            if isinstance(cls, ClassOutline):
                line = cls.assigned.get(name)
                if line is not None:
                    return f"`{cls.name}` ({_shown_path(found.path)}:{line})"
                pending.extend(base for base in cls.bases if base is not None)
            elif isinstance(cls, str):
                where = self._class_assigning(cls, outer, name, seen)
                if where is not None:
                    return where
        return None

    def ancestors(self, qualified: str, roots: tuple[str, ...]) -> frozenset[str]:
        """The qualified names of the bases, direct or not, of the class ``qualified`` that the project's files
        name (as written in the importing file, e.g. ``transformers.PreTrainedModel``), itself included."""
        found: set[str] = set()
        pending = [(qualified, roots)]
        while pending and len(found) <= _MAX_HOPS * 4:
            name, where = pending.pop()
            if name in found:
                continue
            found.add(name)
            if name.split(".")[0] == "torch":
                continue
            hit = self.lookup(name, where)
            if hit is None or hit.cls is None:
                continue
            outer = self.source_roots(hit.path)
            classes: list[object] = [hit.cls]
            visited: set[int] = set()
            while classes:
                cls = classes.pop()
                if id(cls) in visited or not isinstance(cls, ClassOutline):
                    continue
                visited.add(id(cls))
                for base in cls.bases:
                    if isinstance(base, str):
                        pending.append((base, outer))
                    elif base is not None:
                        classes.append(base)
        return frozenset(found)

    def function_returns_tensor(self, qualified: str, roots: tuple[str, ...]) -> bool:
        found = self.lookup(qualified, roots)
        if found is None or found.function is None:
            return False
        returns = found.outline.functions[found.function]
        if returns is not Returns.UNKNOWN:
            return returns is Returns.TENSOR
        if found.path not in self._returns_tensor:
            self._returns_tensor[found.path] = self._functions_returning_tensors(found.path)
        return found.function in self._returns_tensor[found.path]

    def _functions_returning_tensors(self, path: str) -> frozenset[str]:
        """The top-level functions of ``path`` every ``return`` of which returns a tensor (by the same inference
        as everywhere): the one question that needs a file's LibCST tree. All its functions are answered at
        once, so the file is parsed once; only the answers are kept."""
        try:
            module = parse(read(path).text)
        except (SourceError, cst.ParserSyntaxError, RecursionError):
            return frozenset()
        model = build_file_model(module, locate(path).package)
        model.path = path
        resolve_bases(model, self.extra_bases, self.module_predicate(path))
        return tensor_functions(model)
