"""Which methods of a module class run neither while it is constructed nor in ``forward``: the methods that
other code calls later (``reset_state()``, ``set_rng_device_and_dtype(device, dtype)``, a property setter),
possibly while a parent module is being built.

The class analysis walks each of them from the state construction leaves, in the LATER phase, so that a
tensor one of them assigns to a name the class never registers is seen (TL001 reports it). Methods are taken
as the instance's MRO resolves them (an override hides the base's method); static and class methods,
properties' getters and dunder methods (``__setstate__``, ``__repr__``, ...) are left out, and so is a
method that an earlier phase has walked already.
"""

from __future__ import annotations

from collections.abc import Container, Sequence

import libcst as cst

from torchlint.outline.file_model import ClassInfo

_NOT_METHODS = frozenset({"staticmethod", "classmethod", "property", "cached_property", "abstractmethod"})


def _is_instance_method(function: cst.FunctionDef) -> bool:
    for decorator in function.decorators:
        node = decorator.decorator
        if isinstance(node, cst.Call):
            node = node.func
        name = node.value if isinstance(node, cst.Name) else node.attr.value if isinstance(node, cst.Attribute) else ""
        if name in _NOT_METHODS:
            return False
    return bool(function.params.params or function.params.posonly_params)


def later_methods(
    order: Sequence[ClassInfo], walked: Container[int]
) -> list[tuple[ClassInfo, cst.FunctionDef]]:
    """The methods of the class order that no earlier phase walked (``walked`` holds the ids of those it
    did), each with the class defining it, in MRO order."""
    found: list[tuple[ClassInfo, cst.FunctionDef]] = []
    seen: set[str] = set()
    for cls in order:
        for name, method in cls.methods.items():
            if name in seen:
                continue
            seen.add(name)
            if name.startswith("__") and name.endswith("__"):
                continue
            if id(method) in walked or not _is_instance_method(method):
                continue
            found.append((cls, method))
    return found
