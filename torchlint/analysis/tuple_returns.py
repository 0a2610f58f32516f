"""Functions annotated to return a fixed-length tuple of tensors: ``-> tuple[torch.Tensor, torch.Tensor]``.

``gimbal_axes, rotor_axes = pyramid_geometry()`` unpacks two tensors when the helper (in the same file, in
another project file or in an installed package) says so in its return annotation, as ``-> torch.Tensor``
already says one tensor. Only ``tuple[...]``/``typing.Tuple[...]`` with every element ``torch.Tensor`` counts
(no ``...``, no ``Optional``); the arity is what inference needs to bind each target. Functions of other
files are asked through :mod:`torchlint.analysis.external_tuple_returns`.
"""

from __future__ import annotations

import ast
from typing import Optional

import libcst as cst

from torchlint.outline.annotations import TENSOR_TYPES
from torchlint.outline.imports import ImportMap

_TUPLE_TYPES = frozenset({"tuple", "typing.Tuple"})


def _qualified(node: ast.expr, imports: ImportMap) -> Optional[str]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    name = ".".join([node.id, *reversed(parts)])
    return imports.qualify_dotted(name) or name


def tensor_tuple_arity(annotation: Optional[ast.expr], imports: ImportMap) -> Optional[int]:
    """How many tensors ``annotation`` promises as a tuple, or None when it promises no such tuple."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if not isinstance(annotation, ast.Subscript) or _qualified(annotation.value, imports) not in _TUPLE_TYPES:
        return None
    elements = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
    if not elements or any(_qualified(element, imports) not in TENSOR_TYPES for element in elements):
        return None
    return len(elements)


def cst_tensor_tuple_arity(function: cst.FunctionDef, imports: ImportMap) -> Optional[int]:
    """The same question for a function of the file being linted (its LibCST node)."""
    annotation = function.returns.annotation if function.returns is not None else None
    if not isinstance(annotation, (cst.Subscript, cst.SimpleString)):
        return None  # the common case, answered without printing the annotation
    try:
        expression = ast.parse(cst.Module(body=[]).code_for_node(annotation), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return None
    return tensor_tuple_arity(expression, imports)
