"""Which plain attributes of a module class's instances an override of ``_apply``, ``to`` or ``cuda`` moves,
decided per attribute from what the overrides do (:mod:`torchlint.runtime.override_effects`).

An override in the class or a same-file base is read from its LibCST tree; one in a class of another project
file or an installed package, from that file's source (through the project); a base known without its
source (``torchmetrics.Metric``) moves everything. An override that cannot be read moves everything too, so
the rules stay silent as they did when any override silenced a class.

Another class of the file may move the name on other objects (a detection model's ``_apply`` runs
``m.stride = fn(m.stride)`` on its head): then ``.to()`` does move that attribute of some instances, and the
rules say nothing of it either (the model's own ``stride`` is reported: its override does not move it).
The model may be in another file of the package (ultralytics' ``Detect`` head in ``nn/modules/head.py``, its
``BaseModel._apply`` in ``nn/tasks.py``): an override there counts for the classes it names (``isinstance(m,
Detect)``), bases included (:mod:`torchlint.runtime.package_overrides`).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Callable, Optional

from torchlint.outline.file_model import ClassInfo, FileModel
from torchlint.outline.module_classes import MroEntry
from torchlint.runtime.override_effects import (
    EVERYTHING,
    NOTHING,
    OVERRIDDEN_METHODS,
    OverrideEffect,
    effect_of_source,
    moved_in_package,
)
from torchlint.torch_facts.known_bases import SELF_MANAGING_BASES

_FILE_OTHERS: weakref.WeakKeyDictionary[FileModel, list[tuple[ClassInfo, frozenset[str]]]] = (
    weakref.WeakKeyDictionary()
)


def _method_effects(model: FileModel, cls: ClassInfo) -> OverrideEffect:
    effect = NOTHING
    for name in OVERRIDDEN_METHODS:
        method = cls.methods.get(name)
        if method is not None:
            effect = effect | effect_of_source(model.module.code_for_node(method))
    return effect


def class_effect(model: FileModel, order: Sequence[MroEntry]) -> Optional[OverrideEffect]:
    """What the overrides along a class's MRO move; None when no class of it overrides one of the methods."""
    found: Optional[OverrideEffect] = None
    for entry in order:
        if isinstance(entry, ClassInfo):
            if any(name in entry.methods for name in OVERRIDDEN_METHODS):
                found = (found or NOTHING) | _method_effects(model, entry)
        elif entry in SELF_MANAGING_BASES:
            found = EVERYTHING
        elif model.external_defines(entry, OVERRIDDEN_METHODS):
            external = model.external_override_effect(entry)
            found = (found or NOTHING) | (external if isinstance(external, OverrideEffect) else EVERYTHING)
    return found


def moved_on_others(model: FileModel, order: Sequence[ClassInfo]) -> frozenset[str]:
    """Names that an override in some class of the file outside ``order`` (the class's own MRO) moves on
    objects other than its own instance: a head's ``stride`` that its model's ``_apply`` moves. The model's
    own ``stride`` is not moved by that, so its own MRO does not count."""
    kept = _FILE_OTHERS.get(model)
    if kept is None:
        kept = _FILE_OTHERS[model] = [
            (cls, _method_effects(model, cls).others) for cls in model.classes
            if any(name in cls.methods for name in OVERRIDDEN_METHODS)
        ]
    names: set[str] = set()
    for cls, others in kept:
        if all(cls is not own for own in order):
            names |= others
    return frozenset(names)


def moved_by_other_files(model: FileModel, order: Sequence[MroEntry]) -> Callable[[], frozenset[str]]:
    """Names that overrides in other files of the package move on other objects, for a class of ``order``
    (the class's MRO) that they name; asked only when a rule needs it, since it reads the package."""
    path = model.path
    names = frozenset(entry.name if isinstance(entry, ClassInfo) else entry.rpartition(".")[2] for entry in order)
    found: list[frozenset[str]] = []

    def moved() -> frozenset[str]:
        if path is None:
            return frozenset()
        if not found:
            moved_names, files = moved_in_package(path, names)
            model.depends_on(files)
            found.append(moved_names)
        return found[0]

    return moved
