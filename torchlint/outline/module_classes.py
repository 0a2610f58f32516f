"""Decide which classes of a file are ``nn.Module`` subclasses, and their method resolution order."""

from __future__ import annotations

from typing import Callable, Optional, Union

import libcst as cst

from torchlint.outline.class_lookup import lookup_class
from torchlint.outline.file_model import ClassInfo, FileModel, Scope
from torchlint.outline.imports import dotted_name
from torchlint.outline.module_marking import mark_module_classes
from torchlint.torch_facts.known_bases import is_module_base


def _lookup_class(model: FileModel, scope: Scope, dotted: str) -> Optional[ClassInfo]:
    """Find a same-file class named ``dotted`` (``Base`` or ``Outer.Inner``) visible from ``scope``."""
    return lookup_class(scope, dotted, model.classes_in, model.parents, lambda found: found.node)


def resolve_bases(
    model: FileModel,
    extra_bases: frozenset[str] = frozenset(),
    external_is_module: Optional[Callable[[str], bool]] = None,
) -> None:
    """Fill ``ClassInfo.bases`` and ``ClassInfo.is_module`` for every class of the file."""
    for info in model.classes:
        bases: list[Union[ClassInfo, str, None]] = []
        for arg in info.node.bases:
            if arg.keyword is not None or arg.star:
                continue
            expression: cst.BaseExpression = arg.value
            if isinstance(expression, cst.Subscript):  # Generic-style bases: Base[T]
                expression = expression.value
            qualified = model.imports.qualify(expression)
            if qualified is not None:
                bases.append(qualified)
                continue
            name = dotted_name(expression)
            bases.append(_lookup_class(model, info.scope, name) if name else None)
        info.bases = bases
    is_external = external_is_module or model.external_is_module
    mark_module_classes(model.classes, lambda base: is_module_base(base, extra_bases) or is_external(base))


MroEntry = Union[ClassInfo, str]  # a same-file class, or the qualified name (or "?") of an outside base


def full_mro(info: ClassInfo) -> list[MroEntry]:
    """The method resolution order with outside bases as opaque entries (C3; depth-first on conflict).

    Outside bases matter for ``super().__init__()`` chains: ``nn.Module.__init__`` does not call
    ``super().__init__()``, so in ``class M(nn.Module, Mixin)`` the mixin's ``__init__`` never runs.
    (Module-level functions, not nested ones: a recursive closure is a reference cycle, garbage that only
    the cyclic collector frees.)
    """
    return _linearize(info, ())


def _parents_of(cls: MroEntry) -> list[MroEntry]:
    if isinstance(cls, str):
        return []
    return [base if base is not None else f"?{id(cls)}:{index}" for index, base in enumerate(cls.bases)]


def _linearize(cls: MroEntry, seen: tuple[MroEntry, ...]) -> list[MroEntry]:
    if cls in seen:  # an inheritance cycle in broken code: stop
        return []
    parents = _parents_of(cls)
    sequences = [_linearize(p, (*seen, cls)) for p in parents] + [list(parents)]
    result = [cls]
    while any(sequences):
        for sequence in sequences:
            if not sequence:
                continue
            head = sequence[0]
            if not any(head in other[1:] for other in sequences):
                break
        else:
            return _depth_first(cls)
        result.append(head)
        sequences = [s[1:] if s and s[0] == head else s for s in sequences]
    return result


def mro(info: ClassInfo) -> list[ClassInfo]:
    """The same-file classes of the method resolution order, in order."""
    return [entry for entry in full_mro(info) if isinstance(entry, ClassInfo)]


def _depth_first(info: MroEntry) -> list[MroEntry]:
    order: list[MroEntry] = []
    pending = [info]
    while pending:
        cls = pending.pop()
        if cls in order:
            continue
        order.append(cls)
        pending.extend(reversed(_parents_of(cls)))
    return order
