"""Which methods of a module class run while it is constructed, found from the calls the methods make.

A method counts as construction-time when ``__init__`` calls it, directly or through other methods, as
``self.m(...)`` or ``super().m(...)``. Methods are matched by name across the whole same-file class order, so
the set over-approximates what really runs; rules that need "runs only later" (``forward`` and friends)
use its complement and so stay on the safe side.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import libcst as cst

from torchlint.analysis.function_index import walk
from torchlint.outline.file_model import ClassInfo
from torchlint.source.syntax import first_parameter


def _is_super_call(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "super"


_CALLED: dict[int, tuple[cst.FunctionDef, frozenset[str]]] = {}  # by function: what it calls on self


def _called_method_names(function: cst.FunctionDef) -> frozenset[str]:
    """Names ``m`` of ``self.m(...)`` and ``super().m(...)`` calls anywhere in ``function`` (found once per
    function: every finding that asks what construction runs asks it of the same methods)."""
    kept = _CALLED.get(id(function))
    if kept is not None and kept[0] is function:
        return kept[1]
    if len(_CALLED) > 4096:
        _CALLED.clear()
    names = _find_called_method_names(function)
    _CALLED[id(function)] = (function, names)
    return names


def _find_called_method_names(function: cst.FunctionDef) -> frozenset[str]:
    self_name = first_parameter(function)
    names: set[str] = set()
    for node, _, _ in walk(function.body):
        if type(node) is not cst.Call:
            continue
        func = node.func  # type: ignore[attr-defined]
        if not isinstance(func, cst.Attribute):
            continue
        receiver = func.value
        if (isinstance(receiver, cst.Name) and receiver.value == self_name) or _is_super_call(receiver):
            names.add(func.attr.value)
    return frozenset(names)


def methods_named(classes: Iterable[ClassInfo], names: Iterable[str]) -> list[cst.FunctionDef]:
    wanted = set(names)
    return [method for cls in classes for name, method in cls.methods.items() if name in wanted]


def construction_methods(class_order: Sequence[ClassInfo]) -> set[str]:
    """Names of the methods that may run during ``__init__`` (``__init__`` included)."""
    reached = {"__init__"}
    pending = ["__init__"]
    while pending:
        name = pending.pop()
        for method in methods_named(class_order, [name]):
            for called in _called_method_names(method):
                if called not in reached and any(called in cls.methods for cls in class_order):
                    reached.add(called)
                    pending.append(called)
    return reached
