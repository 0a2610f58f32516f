"""What an override of ``_apply``, ``to`` or ``cuda`` moves besides what ``nn.Module`` moves, read from its
source (Python's ``ast``; nothing is imported or run).

``nn.Module._apply`` moves parameters, buffers and submodules only. An override may move plain tensors too,
and then those are not stranded on the old device. Overrides differ:

- torchmetrics' ``Metric._apply`` walks its states: ``setattr(this, key, fn(getattr(this, key)))`` under
  computed names moves *every* plain tensor it might hold (``moves_all``);
- ``module.cache = module.cache.to(*args, **kwargs)`` or ``self.table = fn(self.table)`` moves that one name
  of the instance (``own``);
- ``m = self.model[-1]; m.stride = fn(m.stride)`` moves the name ``stride`` of *another* module (``others``),
  a detection head's, not the model's own;
- an override that validates its arguments, clears a cache (``self._cache = None``), moves specs it keeps in
  its ``__dict__`` and calls ``super()`` moves no plain tensor of its own.

Anything this reading cannot follow counts as moving everything (``moves_all``), so that callers stay silent:
a call that receives both the instance (or is one of its methods) and what says where to move (``fn``, the
override's device/dtype arguments, ``*args``), stores through ``__dict__`` or ``setattr`` under computed
names, or a loop over ``vars(self)``.

The module lives with the runtime because both sides need it and the runtime (rank 0) imports no other stage:
the static analysis asks it about override methods it reads, the runtime recording and audit about the
override methods of live classes, so the two agree.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Optional

from torchlint.runtime.package_overrides import METHODS, moved_by_other_files

OVERRIDDEN_METHODS = METHODS
# methods whose result is the receiver moved or cast (Tensor.to, Module.to, spec.to, ...)
_MOVING_METHODS = frozenset({"to", "cuda", "cpu", "type", "half", "float", "double", "bfloat16", "_apply",
                             "to_empty", "xpu", "mps"})


@dataclass(frozen=True)
class OverrideEffect:
    moves_all: bool = False
    own: frozenset[str] = frozenset()  # names of the instance itself it moves
    others: frozenset[str] = frozenset()  # names it moves on other objects (a submodule's ``stride``)

    def __or__(self, other: OverrideEffect) -> OverrideEffect:
        return OverrideEffect(self.moves_all or other.moves_all, self.own | other.own, self.others | other.others)


NOTHING = OverrideEffect()
EVERYTHING = OverrideEffect(moves_all=True)


def _names(node: ast.AST) -> set[str]:
    return {inner.id for inner in ast.walk(node) if isinstance(inner, ast.Name)}


def _is_super_call(node: ast.AST) -> bool:
    """``super().<method>(...)``, ``super(C, self).<method>(...)``, or ``nn.Module.<method>(self, ...)``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    receiver = node.func.value
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) and receiver.func.id == "super":
        return True
    return isinstance(receiver, ast.Attribute) and receiver.attr == "Module"


class _Reader:
    def __init__(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        arguments = [*function.args.posonlyargs, *function.args.args]
        self.self_name = arguments[0].arg if arguments else None
        self.where = {arg.arg for arg in [*arguments[1:], *function.args.kwonlyargs]}
        for star in (function.args.vararg, function.args.kwarg):
            if star is not None:
                self.where.add(star.arg)
        self.aliases = {self.self_name} if self.self_name else set()
        self.function = function

    def moving(self, value: ast.AST) -> bool:
        """Whether evaluating ``value`` moves or casts something: a call of ``fn`` (or another argument), a
        ``.to()``-like method, or a call given the override's arguments."""
        for inner in ast.walk(value):
            if not isinstance(inner, ast.Call):
                continue
            if isinstance(inner.func, ast.Name) and inner.func.id in self.where:
                return True
            if isinstance(inner.func, ast.Attribute) and inner.func.attr in _MOVING_METHODS:
                return True
            if any(_names(arg) & self.where for arg in [*inner.args, *(k.value for k in inner.keywords)]):
                return True
        return False

    def is_instance(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id in self.aliases

    def read(self) -> OverrideEffect:
        if self.self_name is None:
            return EVERYTHING
        own: set[str] = set()
        others: set[str] = set()
        # aliases of the instance first: ``this = super()._apply(fn)``, ``self = ...``, ``module = self``
        for node in ast.walk(self.function):
            if isinstance(node, ast.Assign) and (_is_super_call(node.value) or self.is_instance(node.value)):
                self.aliases.update(t.id for t in node.targets if isinstance(t, ast.Name))
        for node in ast.walk(self.function):
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
                targets: Iterable[ast.AST] = node.targets if isinstance(node, ast.Assign) else [node.target]
                if not self.moving(node.value):
                    continue
                for target in targets:
                    if isinstance(target, ast.Attribute):
                        (own if self.is_instance(target.value) else others).add(target.attr)
                    elif isinstance(target, ast.Subscript):
                        holder = target.value
                        key = target.slice
                        if isinstance(holder, ast.Attribute) and holder.attr == "__dict__":
                            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                                return EVERYTHING
                            (own if self.is_instance(holder.value) else others).add(key.value)
                    elif isinstance(target, (ast.Tuple, ast.List)):
                        return EVERYTHING
            elif isinstance(node, ast.Call) and not _is_super_call(node):
                if self._opaque_call(node, own, others):
                    return EVERYTHING
        return OverrideEffect(False, frozenset(own), frozenset(others))

    def _opaque_call(self, call: ast.Call, own: set[str], others: set[str]) -> bool:
        """A call whose effect on the instance's plain tensors cannot be read here."""
        arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
        func = call.func
        if isinstance(func, ast.Name) and func.id == "setattr" and len(call.args) == 3:
            obj, key, value = call.args
            if not self.moving(value):
                return False
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                (own if self.is_instance(obj) else others).add(key.value)
                return False
            return True
        gets_where = any(_names(arg) & self.where for arg in arguments)
        if not gets_where:
            return False
        if isinstance(func, ast.Attribute) and func.attr in _MOVING_METHODS:
            return False  # spec.to(device) on its own: moves what it returns, read where that is stored
        on_instance = isinstance(func, ast.Attribute) and self.is_instance(func.value)
        gets_instance = any(self.is_instance(arg) for arg in arguments)
        return on_instance or gets_instance


def override_effect(function: ast.FunctionDef | ast.AsyncFunctionDef) -> OverrideEffect:
    """What one ``_apply``/``to``/``cuda`` method moves of the instance's plain state."""
    return _Reader(function).read()


def effect_of_source(source: str) -> OverrideEffect:
    """The effect of the first function defined in ``source`` (a method's source, possibly indented)."""
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(source))
    except (SyntaxError, ValueError, RecursionError):
        return EVERYTHING
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return override_effect(node)
    return EVERYTHING


_CLASS_EFFECTS: dict[type, OverrideEffect] = {}
_FILE_OTHERS: dict[str, list[tuple[str, frozenset[str]]]] = {}


def _source_effect(function: object) -> OverrideEffect:
    import inspect

    try:
        return effect_of_source(inspect.getsource(function))  # type: ignore[arg-type]
    except (OSError, TypeError):
        return EVERYTHING  # no source to read: it may move anything


def live_class_effect(cls: type, module_type: type) -> OverrideEffect:
    """What the ``_apply``/``to``/``cuda`` overrides in a live class's MRO move (before ``nn.Module``)."""
    kept = _CLASS_EFFECTS.get(cls)
    if kept is None:
        kept = NOTHING
        for klass in cls.__mro__:
            if klass is module_type:
                break
            for name in OVERRIDDEN_METHODS:
                if name in vars(klass):
                    kept = kept | _source_effect(vars(klass)[name])
        _CLASS_EFFECTS[cls] = kept
    return kept


def _source_file(cls: type) -> Optional[str]:
    """The file that defines ``cls``, from the code of a function it defines (its module need not be in
    ``sys.modules``), else from its module."""
    for value in vars(cls).values():
        code = getattr(getattr(value, "__func__", value), "__code__", None)
        if code is not None:
            return code.co_filename
    import sys

    return getattr(sys.modules.get(cls.__module__), "__file__", None)  # a class without functions of its own


def _file_others(filename: str) -> list[tuple[str, frozenset[str]]]:
    """``(class name, names moved on other objects)`` for each class of a source file with an override."""
    kept = _FILE_OTHERS.get(filename)
    if kept is None:
        kept = []
        try:
            with open(filename, encoding="utf-8") as handle:
                tree = ast.parse(handle.read())
        except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
            tree = None
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.ClassDef):
                effect = NOTHING
                for method in node.body:
                    if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        if method.name in OVERRIDDEN_METHODS:
                            effect = effect | override_effect(method)
                if effect.others:
                    kept.append((node.name, effect.others))
        _FILE_OTHERS[filename] = kept
    return kept


def _others(function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    return override_effect(function).others


def moved_in_package(path: str, class_names: Iterable[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Names that overrides in the other files of ``path``'s package move on other objects, where the
    override names one of ``class_names`` (a model's ``_apply`` that moves ``m.stride`` of a ``Detect``
    head defined elsewhere); and the files they are in (:mod:`torchlint.runtime.package_overrides`)."""
    return moved_by_other_files(path, class_names, _others)


def live_moved_elsewhere(cls: type) -> frozenset[str]:
    """Names that overrides in other classes of the file defining ``cls`` move on other objects (the file the
    static analysis sees), and those that overrides in other files of its package move for a class they
    name; classes of ``cls``'s own MRO do not count."""
    filename = _source_file(cls)
    if filename is None:
        return frozenset()
    own = {klass.__name__ for klass in cls.__mro__}
    here = frozenset(name for class_name, others in _file_others(filename) if class_name not in own for name in others)
    return here | moved_in_package(filename, own)[0]


def moves_attribute(cls: type, name: str, module_type: type) -> bool:
    """Whether ``.to()`` moves the plain attribute ``name`` of a ``cls`` instance after all (the static rules'
    :meth:`torchlint.analysis.events.Context.moves`, for live classes)."""
    below = cls.__mro__[: cls.__mro__.index(module_type)] if module_type in cls.__mro__ else cls.__mro__
    if not any(method in vars(klass) for klass in below for method in OVERRIDDEN_METHODS):
        return name in live_moved_elsewhere(cls)
    effect = live_class_effect(cls, module_type)
    return effect.moves_all or name in effect.own
