"""Find the calls inside an expression quickly.

LibCST's generic visitor costs about a millisecond per statement (it dispatches on every node through
several layers); the analysis looks for calls in every statement it follows, so this walk handles the
common expression nodes directly and falls back to ``children`` only for rare ones.
"""

from __future__ import annotations

from typing import cast

import libcst as cst

_LEAVES = frozenset({cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis, cst.Lambda})


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    """Every Call inside ``node`` (not inside lambdas), in evaluation order: arguments before their call."""
    found: list[cst.Call] = []
    _walk(node, found)
    return found


def _walk(node: cst.CSTNode, found: list[cst.Call]) -> None:
    # dispatch on the exact type: LibCST's concrete node classes are final, and isinstance is slow on them
    kind = type(node)
    if kind in _LEAVES:
        return
    if kind is cst.Call:
        call = cast(cst.Call, node)
        _walk(call.func, found)
        for arg in call.args:
            _walk(arg.value, found)
        found.append(call)
    elif kind is cst.Attribute:
        _walk(cast(cst.Attribute, node).value, found)
    elif kind is cst.BinaryOperation or kind is cst.BooleanOperation:
        operation = cast(cst.BinaryOperation, node)
        _walk(operation.left, found)
        _walk(operation.right, found)
    elif kind is cst.UnaryOperation:
        _walk(cast(cst.UnaryOperation, node).expression, found)
    elif kind is cst.Comparison:
        comparison = cast(cst.Comparison, node)
        _walk(comparison.left, found)
        for target in comparison.comparisons:
            _walk(target.comparator, found)
    elif kind is cst.Tuple or kind is cst.List or kind is cst.Set:
        for element in cast(cst.Tuple, node).elements:
            _walk(element.value, found)
    elif kind is cst.Subscript:
        subscript = cast(cst.Subscript, node)
        _walk(subscript.value, found)
        for element in subscript.slice:
            _walk(element.slice, found)
    elif kind is cst.Index:
        _walk(cast(cst.Index, node).value, found)
    elif kind is cst.IfExp:
        conditional = cast(cst.IfExp, node)
        _walk(conditional.test, found)
        _walk(conditional.body, found)
        _walk(conditional.orelse, found)
    else:
        for child in node.children:
            _walk(child, found)
