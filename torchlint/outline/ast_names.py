"""Dotted names in Python's own syntax tree: ``torch.nn.Module`` from the ``ast`` nodes that spell it."""

from __future__ import annotations

import ast
from typing import Optional


def dotted(node: ast.expr) -> Optional[str]:
    """``a.b.c`` for a name or a chain of attributes on a name; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None
