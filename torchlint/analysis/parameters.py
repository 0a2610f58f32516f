"""What a function parameter holds on entry, before any caller is known: read from its annotation and default.

- ``x: Tensor`` without a default, or with a default that is itself a tensor (``w: Tensor = torch.ones(2)``):
  a tensor. A default of another kind (``x: Tensor = None``) says the annotation is not to be trusted.
- ``x: Optional[Tensor]`` (``Tensor | None``, ``Union[Tensor, None]``): unknown, declared a tensor unless it
  is None, so that ``if x is None: x = torch.zeros(1)`` leaves a tensor (see :mod:`narrowing`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

import libcst as cst

from torchlint.analysis.narrowing import OPTIONAL_TENSOR
from torchlint.analysis.tensor_inference import InferenceContext, infer
from torchlint.analysis.values import TENSOR, UNKNOWN, Kind, ValueFact
from torchlint.outline.annotations import TENSOR_TYPES, is_tensor_annotation
from torchlint.outline.file_model import FileModel
from torchlint.outline.imports import ImportMap

_OPTIONAL = frozenset({"typing.Optional"})
_UNION = frozenset({"typing.Union"})


def _expression(annotation: Optional[cst.Annotation]) -> Optional[cst.BaseExpression]:
    if annotation is None:
        return None
    expression = annotation.annotation
    if isinstance(expression, cst.SimpleString):
        try:
            return cst.parse_expression(expression.evaluated_value)  # type: ignore[arg-type]
        except Exception:
            return None
    return expression


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _is_tensor(node: cst.BaseExpression, imports: ImportMap) -> bool:
    return imports.qualify(node) in TENSOR_TYPES


def _subscript_items(node: cst.Subscript) -> list[cst.BaseExpression]:
    items: list[cst.BaseExpression] = []
    for element in node.slice:
        if not isinstance(element.slice, cst.Index):
            return []
        items.append(element.slice.value)
    return items


def _optional_tensor(node: cst.BaseExpression, imports: ImportMap) -> bool:
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        sides = (node.left, node.right)
        return any(_is_none(side) for side in sides) and any(_is_tensor(side, imports) for side in sides)
    if isinstance(node, cst.Subscript):
        head = imports.qualify(node.value)
        items = _subscript_items(node)
        if head in _OPTIONAL:
            return len(items) == 1 and _is_tensor(items[0], imports)
        if head in _UNION:
            return len(items) == 2 and any(_is_none(i) for i in items) and any(_is_tensor(i, imports) for i in items)
    return False


def parameter_fact(param: cst.Param, model: FileModel, globals_: Mapping[str, ValueFact]) -> ValueFact:
    """The fact a parameter is bound to when the call that binds it is not known."""
    imports = model.imports
    if is_tensor_annotation(param.annotation, imports):
        if param.default is None:
            return TENSOR
        default = infer(param.default, InferenceContext(model=model, globals=globals_))
        return TENSOR if default.kind is Kind.TENSOR and not default.requires_grad else UNKNOWN
    expression = _expression(param.annotation)
    if expression is None:
        return UNKNOWN
    if _optional_tensor(expression, imports):
        return ValueFact(Kind.UNKNOWN, declared=OPTIONAL_TENSOR)
    return UNKNOWN
