"""Find a same-file class by a dotted name (``Base`` or ``Outer.Inner``) as Python resolves it from a scope:
outwards through the enclosing scopes for the first part, then into each class for the rest. Serves both the
``ast`` outline and the LibCST file model, which name scopes differently."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Callable, Optional, TypeVar

ScopeT = TypeVar("ScopeT")
ClassT = TypeVar("ClassT")


def lookup_class(
    scope: ScopeT,
    dotted: str,
    classes_in: Callable[[ScopeT], Mapping[str, ClassT]],
    parents: Mapping[ScopeT, ScopeT],
    own_scope: Callable[[ClassT], ScopeT],
) -> Optional[ClassT]:
    """The class named ``dotted`` visible from ``scope``; ``own_scope`` gives the scope a class's body makes."""
    head, *rest = dotted.split(".")
    current: Optional[ScopeT] = scope
    found: Optional[ClassT] = None
    while current is not None:
        found = classes_in(current).get(head)
        if found is not None:
            break
        current = parents.get(current)
    for part in rest:
        if found is None:
            return None
        found = classes_in(own_scope(found)).get(part)
    return found
