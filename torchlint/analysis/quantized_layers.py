"""Whether a module class is a quantized layer: its weights are stored packed, and it computes in a dtype
chosen for it.

A class counts when one of its methods (same-file bases included) makes an ``nn.Parameter`` of an integer or
float8 tensor (``nn.Parameter(torch.empty(n, k, dtype=torch.int8), requires_grad=False)``: an integer
Parameter cannot be trained, so it is storage), or calls a function or method whose name starts with
``dequantize`` (the weight is replaced by a quantized tensor when the checkpoint loads, as GGUF layers do).
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from torchlint.outline.file_model import ClassInfo
from torchlint.outline.imports import ImportMap

_PACKED = frozenset(
    {"int8", "uint8", "int16", "int32", "int64", "short", "int", "long", "uint16", "uint32", "uint64",
     "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2"}
)
_PARAMETER = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter"})


def _callee_name(call: cst.Call) -> str:
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    return func.attr.value if isinstance(func, cst.Attribute) else ""


class _Finder(cst.CSTVisitor):
    def __init__(self, imports: ImportMap) -> None:
        self.imports = imports
        self.depth = 0  # inside how many nn.Parameter(...) calls
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        if _callee_name(node).startswith("dequantize"):
            self.found = True
        if self.imports.qualify(node.func) in _PARAMETER:
            self.depth += 1

    def leave_Call(self, original_node: cst.Call) -> None:
        if self.imports.qualify(original_node.func) in _PARAMETER:
            self.depth -= 1

    def visit_Arg(self, node: cst.Arg) -> None:
        if self.depth and node.keyword is not None and node.keyword.value == "dtype":
            qualified = self.imports.qualify(node.value) if isinstance(node.value, (cst.Attribute, cst.Name)) else None
            if qualified is not None and qualified.startswith("torch.") and qualified[len("torch."):] in _PACKED:
                self.found = True


def is_quantized_layer(class_order: Sequence[ClassInfo], imports: ImportMap) -> bool:
    finder = _Finder(imports)
    for cls in class_order:
        for function in cls.methods.values():
            function.body.visit(finder)
            if finder.found:
                return True
    return False
