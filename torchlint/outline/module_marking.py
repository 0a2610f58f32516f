"""Mark which classes of a file are ``nn.Module`` subclasses: a class is one when a base is, repeated until
nothing changes, so that the order in which the file defines its classes does not matter. Serves both the
``ast`` outline and the LibCST file model, whose resolved bases are a class of the file, a qualified name
from outside it, or None."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Callable


def mark_module_classes(classes: Sequence[Any], outside_is_module: Callable[[str], bool]) -> None:
    """Set ``is_module`` on every class of ``classes`` one of whose ``bases`` is a module: an outside name for
    which ``outside_is_module`` holds, or a class of the file already marked."""
    changed = True
    while changed:
        changed = False
        for info in classes:
            if info.is_module:
                continue
            if any(
                outside_is_module(base) if isinstance(base, str) else base is not None and base.is_module
                for base in info.bases
            ):
                info.is_module = True
                changed = True
