"""What the ``_apply``/``to``/``cuda`` overrides of a class in another file (of the project, or of an
installed package) move, read from its source and its bases' (:mod:`torchlint.runtime.override_effects`)."""

from __future__ import annotations

import ast
from typing import Optional

from torchlint.analysis.class_source import class_node
from torchlint.analysis.project import Found, Project
from torchlint.outline.outline import ClassOutline
from torchlint.runtime.override_effects import EVERYTHING, NOTHING, OVERRIDDEN_METHODS, OverrideEffect, override_effect
from torchlint.torch_facts.known_bases import MODULE_CLASS_PATHS

_MAX_CLASSES = 64


def external_override_effect(project: Project, qualified: str, roots: tuple[str, ...]) -> Optional[OverrideEffect]:
    """What the overrides along the outside class ``qualified`` and its readable bases move; None when the
    class cannot be found."""
    return project.derived("override effects", qualified, roots, lambda: _effect(project, qualified, roots))


def _effect(project: Project, qualified: str, roots: tuple[str, ...]) -> Optional[OverrideEffect]:
    found = project.lookup(qualified, roots)
    if found is None or found.cls is None:
        return None
    effect = NOTHING
    pending: list[tuple[Found, ClassOutline]] = [(found, found.cls)]
    seen: set[int] = set()
    while pending and len(seen) < _MAX_CLASSES:
        where, cls = pending.pop()
        if id(cls) in seen:
            continue
        seen.add(id(cls))
        if any(name in cls.methods for name in OVERRIDDEN_METHODS):
            node = class_node(where.path, cls)
            if node is None:
                return EVERYTHING
            for method in node.body:
                if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) and method.name in OVERRIDDEN_METHODS:
                    effect = effect | override_effect(method)
        for base in cls.bases:
            if isinstance(base, ClassOutline):
                pending.append((where, base))
            elif isinstance(base, str) and base not in MODULE_CLASS_PATHS:
                outer = project.lookup(base, project.source_roots(where.path))
                if outer is not None and outer.cls is not None:
                    pending.append((outer, outer.cls))
    return effect
