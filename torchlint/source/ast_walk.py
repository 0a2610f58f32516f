"""A faster ``ast.walk``: the same nodes in the same order (breadth first), without the expression contexts.

``ast.walk`` goes through two generators per node (``iter_child_nodes`` over ``iter_fields``); the outline
and the mask plan walk every method of every module file, so that overhead was a tenth of a run. This walk
reads each node type's fields once and skips ``ctx`` (the shared ``Load``/``Store``/``Del`` markers, which
no caller looks for: read a node's ``ctx`` attribute instead).
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator

_fields: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    names = _fields.get(kind)
    if names is None:
        names = _fields[kind] = tuple(name for name in getattr(kind, "_fields", ()) if name != "ctx")
    return names


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """``node`` and every node under it, breadth first as ``ast.walk`` yields them, expression contexts left
    out."""
    todo = deque([node])
    while todo:
        current = todo.popleft()
        for name in _child_fields(type(current)):
            value = getattr(current, name, None)
            if isinstance(value, ast.AST):
                todo.append(value)
            elif type(value) is list:
                todo.extend(item for item in value if isinstance(item, ast.AST))
        yield current
