"""TL011 cached-device-or-dtype

## What it does
Checks for a device or dtype stored on the module in `__init__` (`self.device = device`,
`self.dtype = torch.float16`, `self.device = torch.device("cuda")`, `self.device = weight.device`) and then
used to create or move tensors in `forward` or another method that runs after construction
(`torch.zeros(n, device=self.device)`, `x.to(self.device)`, `dtype=self.dtype`).

This rule is on by default. It is a heuristic (severity warning): where a cached device or dtype is meant
to stay what it was, say so with `# noqa: TL011` on the reported line.

## Why is this bad?
`model.to("cuda")`, `.cuda()`, `.half()` and `.to(torch.bfloat16)` move and cast parameters, buffers and
submodules, but a `torch.device` or `torch.dtype` kept in a plain attribute stays what it was. Every tensor
created from it afterwards lands on the old device or in the old dtype, and the model fails with
"Expected all tensors to be on the same device" (or a dtype mismatch) only after it has been moved, or
silently computes in the old precision.

The finding points at the assignment that caches the value (the one line to change) and names the uses
after construction. Classes that override `_apply`, `to` or `cuda` (and may update the attribute
themselves), attributes that another method assigns again later, and an integer or bool dtype chosen on
purpose (`self.dtype = torch.uint8 if compact else torch.int32`: `.half()` does not cast integer tensors, so
such a dtype must not follow the model) are not reported, and neither is the dtype a quantized layer computes
in (a class that makes an integer or float8 `nn.Parameter`, or calls a `dequantize...` function): its
packed weights do not follow `.half()` as a float layer's do, and diffusers and transformers refuse dtype
casts of quantized models, so the dtype chosen for it stays right. Nor is a use whose tensor is only the result of a
helper method that every caller in the class moves again at once: `pos = pos.repeat(b, 1).to(self.device)`
then `return pos` in `positions`, and each call written `self.positions(b).to(device)` with a device that is
not an attribute of the instance (where the helper put the tensor does not matter).

A float dtype cached from a weight is the dangerous case: `self.dtype = base.weight.dtype` in `__init__` and
`self.adapter(x.to(self.dtype))` in `forward` crash after `model.to(torch.bfloat16)` with a dtype mismatch
(`expected m1 and m2 to have the same dtype, but got: float != c10::BFloat16` on the CPU).

## Example
```python
class Noise(nn.Module):
    def __init__(self, dim: int, device: torch.device) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, dim, device=device)
        self.device = device

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x) + torch.randn(x.shape, device=self.device)
```

## Use instead
```python
class Noise(nn.Module):
    def __init__(self, dim: int, device: torch.device) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, dim, device=device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x) + torch.randn(x.shape, device=x.device)
```
Derive the device or dtype from the input, or from a parameter or buffer
(`self.proj.weight.device`, `next(self.parameters()).dtype`).

## Fix safety
There is no automatic fix: which tensor the device or dtype should follow depends on the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import libcst as cst

from torchlint.analysis.events import AttributeAssignment, Context, Phase, TargetForm
from torchlint.analysis.method_graph import construction_methods
from torchlint.analysis.moved_results import moved_again_by_every_caller, returned_calls
from torchlint.analysis.quantized_layers import is_quantized_layer
from torchlint.contract.rule import BodyNeed, Finding, FindingIterator, Rule, Severity
from torchlint.outline.file_model import ClassInfo
from torchlint.source.syntax import first_parameter

_DTYPES = frozenset(
    {"float", "float16", "float32", "float64", "half", "double", "bfloat16", "bool", "uint8", "int8", "int16",
     "int32", "int64", "short", "int", "long", "complex32", "complex64", "complex128", "cfloat", "cdouble",
     "chalf", "float8_e4m3fn", "float8_e5m2", "uint16", "uint32", "uint64"}
)
_KEYWORDS = ("device", "dtype")
_MOVED_BY = {"device": "model.to(device) or .cuda()", "dtype": "model.half() or .to(dtype)"}
_MOVES = frozenset({"to", "type", "cuda"})
_FLOATING = frozenset({"float", "float16", "float32", "float64", "half", "double", "bfloat16", "complex32",
                       "complex64", "complex128", "cfloat", "cdouble", "chalf", "float8_e4m3fn", "float8_e5m2"})
_SHOWN_USES = 3


def _fixed_integer_dtype(node: cst.BaseExpression, context: Context) -> bool:
    """``torch.uint8``, ``torch.uint8 if compact else torch.int32``: an integer or bool dtype on every branch,
    chosen on purpose; ``.half()`` does not cast integer tensors, so it must not follow the model."""
    if isinstance(node, cst.IfExp):
        return _fixed_integer_dtype(node.body, context) and _fixed_integer_dtype(node.orelse, context)
    qualified = context.model.imports.qualify(node) if isinstance(node, (cst.Attribute, cst.Name)) else None
    if qualified is None or not qualified.startswith("torch."):
        return False
    name = qualified[len("torch."):]
    return name in _DTYPES and name not in _FLOATING  # x.to(self.device), x.type(self.dtype), x.cuda(self.device)


def _naming(name: str) -> Optional[str]:
    """``"device"`` / ``"dtype"`` when an identifier names one (``device``, ``param_dtype``)."""
    for word in _KEYWORDS:
        if name == word or name.endswith(f"_{word}"):
            return word
    return None


def _cached_kind(node: cst.BaseExpression, context: Context) -> Optional[str]:
    """``"device"`` / ``"dtype"`` when ``node`` evaluates to a torch.device / torch.dtype, else None."""
    if isinstance(node, cst.Name):
        return _naming(node.value)
    if isinstance(node, cst.BooleanOperation):
        return _cached_kind(node.left, context) or _cached_kind(node.right, context)
    if isinstance(node, cst.IfExp):
        return _cached_kind(node.body, context) or _cached_kind(node.orelse, context)
    qualified = context.model.imports.qualify(node.func if isinstance(node, cst.Call) else node)
    if isinstance(node, cst.Call):
        if qualified == "torch.device":
            return "device"
        if qualified == "torch.get_default_dtype":
            return "dtype"
        return None
    if isinstance(node, cst.Attribute):
        if qualified is not None and qualified.startswith("torch.") and qualified[len("torch."):] in _DTYPES:
            return "dtype"
        return node.attr.value if node.attr.value in _KEYWORDS else None
    return None


def _moved_again(
    method: cst.FunctionDef, method_name: str, class_order: Sequence[ClassInfo], found: Sequence[tuple[cst.Call, str]],
    kind: str, context: Context,
) -> bool:
    """Whether each use in ``method`` only makes its result, and every caller in the class moves that result
    again at once with ``.to(<a device>)`` (``.to(<a dtype>)`` for a dtype) not cached on the instance."""
    returned = returned_calls(method)
    if not all(id(call) in returned for call, _ in found):
        return False

    def target(arg: cst.Arg) -> bool:
        if arg.keyword is not None:
            return arg.keyword.value == kind
        return _cached_kind(arg.value, context) == kind

    return moved_again_by_every_caller(class_order, method_name, target)


class _Uses(cst.CSTVisitor):
    """``device=self.<name>`` / ``dtype=self.<name>`` arguments and ``x.to(self.<name>)`` in one method."""

    def __init__(self, self_name: str, name: str) -> None:
        self.self_name = self_name
        self.name = name
        self.found: list[tuple[cst.Call, str]] = []
        self.stored = False

    def _is_attribute(self, node: cst.BaseExpression) -> bool:
        return (
            isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name)
            and node.value.value == self.self_name and node.attr.value == self.name
        )

    def visit_Call(self, node: cst.Call) -> None:
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in _KEYWORDS and self._is_attribute(arg.value):
                self.found.append((node, f"{arg.keyword.value}=self.{self.name}"))
        func = node.func
        if isinstance(func, cst.Name) and func.value == "setattr" and node.args:
            first = node.args[0].value
            if isinstance(first, cst.Name) and first.value == self.self_name:
                self.stored = True  # setattr(self, ...) may refresh it
        if isinstance(func, cst.Attribute) and func.attr.value in _MOVES:
            for arg in node.args:
                if arg.keyword is None and self._is_attribute(arg.value):
                    self.found.append((node, f".{func.attr.value}(self.{self.name})"))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._store(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._store(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._store(node.target)

    def _store(self, target: cst.BaseExpression) -> None:
        if self._is_attribute(target):
            self.stored = True
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._store(element.value)


class CachedDeviceOrDtype(Rule):
    code = "TL011"
    name = "cached-device-or-dtype"
    summary = "device or dtype cached on the module in __init__ and used for tensors after construction"
    default_enabled = True  # precision 1.00 on the oracle packages, diffusers and timm (benchmarks/tl011_precision.md)
    severity = Severity.WARNING
    body_needs = frozenset({BodyNeed.DEVICE_DTYPE_USES})  # its findings are in methods run after construction

    def on_attribute_assignment(self, event: AttributeAssignment) -> FindingIterator:
        name = event.name
        if name is None or event.phase is not Phase.INIT or event.value_node is None:
            return
        if event.form in (TargetForm.AUGMENTED, TargetForm.SETATTR) or event.context.manages_own_tensors:
            return
        kind = _cached_kind(event.value_node, event.context)
        if kind is None or (kind == "dtype" and _fixed_integer_dtype(event.value_node, event.context)):
            return
        class_order = event.context.class_order
        if kind == "dtype" and is_quantized_layer(class_order, event.context.model.imports):
            return  # a quantized layer computes in a dtype chosen for it
        at_construction = construction_methods(class_order)
        uses: list[tuple[str, str]] = []
        for cls in class_order:
            for method_name, method in cls.methods.items():
                self_name = first_parameter(method)
                if method_name in at_construction or self_name is None:
                    continue
                finder = _Uses(self_name, name)
                method.body.visit(finder)
                if finder.stored:
                    return  # refreshed after construction: not a stale cache
                if finder.found and _moved_again(method, method_name, class_order, finder.found, kind, event.context):
                    continue  # every tensor it makes there is the method's result, moved again by each caller
                uses.extend((text, method_name) for _, text in finder.found)
        if not uses:
            return
        named = [f"`{text}` in `{method_name}`" for text, method_name in uses[:_SHOWN_USES]]
        more = len(uses) - len(named)
        where = ", ".join(named) + (f" and {more} more" if more else "")
        yield Finding(
            code=self.code,
            node=event.target,
            message=(
                f"`self.{name}` is a {kind} cached in __init__ and used after construction ({where}): those uses "
                f"keep the original {kind} after {_MOVED_BY[kind]}; derive it from the input or from a parameter "
                f"or buffer (x.{kind})"
            ),
        )


RULE = CachedDeviceOrDtype()
