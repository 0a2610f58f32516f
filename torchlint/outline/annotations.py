"""Read type annotations that say "this is a torch.Tensor"."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from torchlint.outline.imports import ImportMap

TENSOR_TYPES = frozenset({"torch.Tensor", "torch._tensor.Tensor"})


def is_tensor_annotation(annotation: Optional[cst.Annotation], imports: ImportMap) -> bool:
    """``Tensor``, ``torch.Tensor`` or the string ``"Tensor"``; never ``Optional[Tensor]`` or a union."""
    if annotation is None:
        return False
    expression = annotation.annotation
    if isinstance(expression, cst.SimpleString):
        try:
            expression = cst.parse_expression(expression.evaluated_value)  # type: ignore[arg-type]
        except Exception:
            return False
    return imports.qualify(expression) in TENSOR_TYPES


def returns_tensor(function: cst.FunctionDef, imports: ImportMap) -> bool:
    return is_tensor_annotation(function.returns, imports)
