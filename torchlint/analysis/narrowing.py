"""What a condition tells about a local on each side of a branch, as type checkers narrow types.

``if not isinstance(x, torch.Tensor): x = torch.tensor(x)`` leaves a tensor in ``x`` on both paths: the
assignment on one, the failed test on the other. This module reads the tests that say so:
``isinstance(x, torch.Tensor)``, ``torch.is_tensor(x)``, and ``x is None`` / ``x is not None`` on a value
declared ``Optional[Tensor]``, combined with ``not``, ``and`` and ``or``. Only a local whose value is
unknown is narrowed: a known value keeps its fact (a test that contradicts it marks a path that never runs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

import libcst as cst

from torchlint.analysis.values import TENSOR, Kind, ValueFact
from torchlint.outline.annotations import TENSOR_TYPES
from torchlint.outline.imports import ImportMap

OPTIONAL_TENSOR = "optional tensor"  # ValueFact.declared of an ``Optional[Tensor]`` parameter

Narrowed = dict[str, ValueFact]


def _is_tensor_type(node: cst.BaseExpression, imports: ImportMap) -> bool:
    if isinstance(node, cst.Tuple):  # isinstance(x, (torch.Tensor,)): every listed type a tensor type
        return bool(node.elements) and all(_is_tensor_type(element.value, imports) for element in node.elements)
    return imports.qualify(node) in TENSOR_TYPES


def _tested_name(call: cst.Call, imports: ImportMap) -> Optional[str]:
    """The local that ``isinstance(x, torch.Tensor)`` or ``torch.is_tensor(x)`` finds to be a tensor."""
    args = call.args
    if any(arg.keyword is not None or arg.star for arg in args) or not args:
        return None
    subject = args[0].value
    if not isinstance(subject, cst.Name):
        return None
    func = call.func
    if isinstance(func, cst.Name) and func.value == "isinstance" and len(args) == 2:
        return subject.value if _is_tensor_type(args[1].value, imports) else None
    if len(args) == 1 and imports.qualify(func) == "torch.is_tensor":
        return subject.value
    return None


def _none_test(node: cst.Comparison) -> Optional[tuple[str, bool]]:
    """``x is None`` -> (x, True), ``x is not None`` -> (x, False)."""
    if len(node.comparisons) != 1 or not isinstance(node.left, cst.Name):
        return None
    target = node.comparisons[0]
    if not (isinstance(target.comparator, cst.Name) and target.comparator.value == "None"):
        return None
    if isinstance(target.operator, cst.Is):
        return node.left.value, True
    if isinstance(target.operator, cst.IsNot):
        return node.left.value, False
    return None


def _narrowable(name: str, facts: Mapping[str, ValueFact]) -> bool:
    fact = facts.get(name)
    return fact is not None and fact.kind is Kind.UNKNOWN


def narrow(
    test: cst.BaseExpression, imports: ImportMap, facts: Mapping[str, ValueFact]
) -> tuple[Narrowed, Narrowed]:
    """The locals known to be tensors where ``test`` is true, and where it is false."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        when_true, when_false = narrow(test.expression, imports, facts)
        return when_false, when_true
    if isinstance(test, cst.BooleanOperation):
        left_true, left_false = narrow(test.left, imports, facts)
        right_true, right_false = narrow(test.right, imports, facts)
        if isinstance(test.operator, cst.And):  # true: both held; false: either failed, nothing known
            return {**left_true, **right_true}, {}
        return {}, {**left_false, **right_false}
    if isinstance(test, cst.Call):
        name = _tested_name(test, imports)
        if name is not None and _narrowable(name, facts):
            return {name: TENSOR}, {}
        return {}, {}
    if isinstance(test, cst.Comparison):
        found = _none_test(test)
        if found is not None:
            name, is_none = found
            if _narrowable(name, facts) and facts[name].declared == OPTIONAL_TENSOR:
                return ({}, {name: TENSOR}) if is_none else ({name: TENSOR}, {})
    return {}, {}
