"""For the outline: which callees build the objects that a file's top-level code (or a top-level function)
sets attributes on, ``net = Net(); net.extra = ...`` -> ``Net``. A file without module classes needs the
full analysis only when one of these is a module class (see :mod:`torchlint.analysis.outside_assignments`).
Bindings are tracked across the scopes in source order, without control flow: a cheap filter, not a proof.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, MutableMapping
from typing import Optional

from torchlint.outline.ast_names import dotted


def _callee(value: ast.expr) -> Optional[str]:
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        if not isinstance(value.func.value, ast.Call):
            break
        value = value.func.value  # Net().to(device).eval()
    return dotted(value.func) if isinstance(value, ast.Call) else None


def constructor_of_attribute_write(node: ast.stmt, bound: MutableMapping[str, str]) -> Iterator[str]:
    """Note ``x = Callee(...)`` in ``bound``; for ``x.y = ...`` or ``setattr(x, ...)``, yield x's callee."""
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        call = node.value
        if isinstance(call.func, ast.Name) and call.func.id == "setattr" and call.args:
            first = call.args[0]
            if isinstance(first, ast.Name) and first.id in bound:
                yield bound[first.id]
        return
    for target in targets:
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id in bound:
            yield bound[target.value.id]
    value = getattr(node, "value", None)
    callee = _callee(value) if isinstance(value, ast.expr) else None
    for target in targets:
        if isinstance(target, ast.Name):
            if callee is not None:
                bound[target.id] = callee
            else:
                bound.pop(target.id, None)
