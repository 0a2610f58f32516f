"""Find the calls inside an expression quickly.

LibCST's generic visitor costs about a millisecond per statement (it dispatches on every node through
several layers); the analysis looks for calls in every statement it follows, so this walk handles the
common expression nodes directly and falls back to ``children`` only for rare ones.
"""

from __future__ import annotations

import libcst as cst

_LEAVES = (cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis, cst.Lambda)


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    """Every Call inside ``node`` (not inside lambdas), in evaluation order: arguments before their call."""
    found: list[cst.Call] = []
    _walk(node, found)
    return found


def _walk(node: cst.CSTNode, found: list[cst.Call]) -> None:
    if isinstance(node, _LEAVES):
        return
    if isinstance(node, cst.Call):
        _walk(node.func, found)
        for arg in node.args:
            _walk(arg.value, found)
        found.append(node)
    elif isinstance(node, cst.Attribute):
        _walk(node.value, found)
    elif isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
        _walk(node.left, found)
        _walk(node.right, found)
    elif isinstance(node, cst.UnaryOperation):
        _walk(node.expression, found)
    elif isinstance(node, cst.Comparison):
        _walk(node.left, found)
        for target in node.comparisons:
            _walk(target.comparator, found)
    elif isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        for element in node.elements:
            _walk(element.value, found)
    elif isinstance(node, cst.Subscript):
        _walk(node.value, found)
        for element in node.slice:
            _walk(element.slice, found)
    elif isinstance(node, cst.Index):
        _walk(node.value, found)
    elif isinstance(node, cst.IfExp):
        _walk(node.test, found)
        _walk(node.body, found)
        _walk(node.orelse, found)
    else:
        for child in node.children:
            _walk(child, found)
