"""Iterate over statements without visiting expressions (LibCST's generic visitor visits every node), and
name what a statement stores to."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

_COMPOUND = (cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar, cst.Else, cst.Finally,
             cst.ExceptHandler, cst.ExceptStarHandler, cst.Match, cst.MatchCase, cst.FunctionDef, cst.ClassDef)


def small_statements(node: cst.CSTNode) -> Iterator[cst.BaseSmallStatement]:
    """Every small statement (assignment, expression, return, ...) inside ``node``, in source order,
    including those in nested blocks, functions and classes."""
    if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        yield from node.body
    elif isinstance(node, (cst.IndentedBlock, cst.Module)):
        for statement in node.body:
            yield from small_statements(statement)
    elif isinstance(node, _COMPOUND):
        body = getattr(node, "body", None)
        if body is not None:
            yield from small_statements(body)
        for name in ("orelse", "finalbody"):
            child = getattr(node, name, None)
            if child is not None:
                yield from small_statements(child)
        for child in (*getattr(node, "handlers", ()), *getattr(node, "cases", ())):
            yield from small_statements(child)


def store_targets(node: cst.CSTNode) -> list[cst.BaseExpression]:
    """The expressions a statement stores to or deletes."""
    if isinstance(node, cst.Assign):
        targets = [target.target for target in node.targets]
    elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
        targets = [node.target]
    elif isinstance(node, cst.Del):
        targets = [node.target]
    elif isinstance(node, (cst.For, cst.CompFor)):
        targets = [node.target]
    elif isinstance(node, cst.WithItem) and node.asname is not None:
        targets = [node.asname.name]
    else:
        return []
    flat: list[cst.BaseExpression] = []
    while targets:
        target = targets.pop()
        if isinstance(target, (cst.Tuple, cst.List)):
            targets.extend(element.value for element in target.elements)
        elif isinstance(target, cst.StarredElement):
            targets.append(target.value)
        else:
            flat.append(target)
    return flat
