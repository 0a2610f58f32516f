"""TL007 wrong-type-for-registered-name

## What it does
Checks for assignments to `self.<name>` where `<name>` is already registered and the new value is of a type
that `nn.Module.__setattr__` rejects for it:

- a plain tensor (or a number, a module, ...) assigned to a name registered as a **parameter**;
- a value that is not a tensor (a number, a string, a list, ...) assigned to a **buffer** name;
- a tensor (or a number, a list, ...) assigned to a **submodule** name.

Assignments in `__init__`, in the methods it calls, and in `forward` (and what `forward` calls) are checked.

## Why is this bad?
Once a name is registered, `nn.Module.__setattr__` type-checks every later assignment to it and raises
`TypeError`:

- `cannot assign 'torch.FloatTensor' as parameter 'weight' (torch.nn.Parameter or None expected)`;
- `cannot assign 'float' as buffer 'eps' (torch.nn.Buffer, torch.Tensor or None expected)`;
- `cannot assign 'torch.FloatTensor' as child module 'proj' (torch.nn.Module or None expected)`.

(The quoted type is the value's: `'int'`, `'list'`, `'torch.LongTensor'`, `'torch.cuda.FloatTensor'`, ...).
A classic case is rescaling a weight in `forward` with `self.weight = self.weight * g`: the first call of
the model fails.

Assigning an `nn.Parameter` to a buffer or submodule name, or a module to a buffer name, is allowed (the
name is re-registered) and not reported here.

## Example
```python
class Scale(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.weight = self.weight / dim
```

## Use instead
```python
class Scale(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim) / dim)
```
To change a parameter's values in place, use `with torch.no_grad(): self.weight.copy_(...)`; to store a
number next to a buffer, use another name.

## Fix safety
There is no automatic fix: whether the value should become a Parameter, be copied into the registered
tensor or get a name of its own depends on what the code means.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from torchlint.analysis.events import AttributeAssignment, Slot, TargetForm
from torchlint.analysis.values import Kind
from torchlint.contract.rule import Finding, FindingIterator, Rule

UNKNOWN_TYPE = "..."  # stands for a type name known only at runtime ('torch.FloatTensor', a module class)

_REJECTED = {
    Slot.PARAMETER: frozenset(
        {Kind.TENSOR, Kind.BUFFER, Kind.MODULE, Kind.LITERAL, Kind.TUPLE, Kind.LIST, Kind.DICT,
         Kind.TENSOR_SEQUENCE}
    ),
    Slot.BUFFER: frozenset({Kind.LITERAL, Kind.TUPLE, Kind.LIST, Kind.DICT, Kind.TENSOR_SEQUENCE}),
    Slot.MODULE: frozenset(
        {Kind.TENSOR, Kind.BUFFER, Kind.LITERAL, Kind.TUPLE, Kind.LIST, Kind.DICT, Kind.TENSOR_SEQUENCE}
    ),
}
_ROLES = {
    Slot.PARAMETER: ("a registered parameter", "parameter", "torch.nn.Parameter or None expected"),
    Slot.BUFFER: ("a registered buffer", "buffer", "torch.nn.Buffer, torch.Tensor or None expected"),
    Slot.MODULE: ("a registered submodule", "child module", "torch.nn.Module or None expected"),
}
_WHAT = {
    Kind.TENSOR: "a plain tensor",
    Kind.BUFFER: "an nn.Buffer",
    Kind.MODULE: "a module",
    Kind.TUPLE: "a tuple",
    Kind.LIST: "a list",
    Kind.DICT: "a dict",
    Kind.TENSOR_SEQUENCE: "a tuple of tensors",
}
_CONTAINER_TYPES = {Kind.TUPLE: "tuple", Kind.LIST: "list", Kind.DICT: "dict"}


def _literal_type(node: Optional[cst.BaseExpression]) -> Optional[str]:
    """The Python type of a literal expression: ``'int'`` for ``3`` or ``-3``, ``'str'`` for ``"a"``."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        inner = _literal_type(node.expression)
        return inner if inner in ("int", "float", "complex") else None
    if isinstance(node, cst.Integer):
        return "int"
    if isinstance(node, cst.Float):
        return "float"
    if isinstance(node, cst.Imaginary):
        return "complex"
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return "bool"
    if isinstance(node, cst.SimpleString):
        return type(node.evaluated_value).__name__
    if isinstance(node, cst.ConcatenatedString):
        value = node.evaluated_value
        return type(value).__name__ if value is not None else "str"
    if isinstance(node, cst.FormattedString):
        return "str"
    return None


def _type_name(event: AttributeAssignment) -> str:
    """What ``torch.typename(value)`` prints, when the source tells; else :data:`UNKNOWN_TYPE`."""
    kind = event.value.kind
    node = event.value_node
    if kind is Kind.LITERAL:
        return _literal_type(node) or UNKNOWN_TYPE
    if kind in _CONTAINER_TYPES and isinstance(node, (cst.Tuple, cst.List, cst.ListComp, cst.Dict, cst.DictComp)):
        return _CONTAINER_TYPES[kind]
    return UNKNOWN_TYPE


def _what(event: AttributeAssignment, type_name: str) -> str:
    if event.value.kind is Kind.LITERAL:
        return f"a value of type {type_name}" if type_name != UNKNOWN_TYPE else "a literal"
    return _WHAT[event.value.kind]


def _advice(slot: Slot, kind: Kind) -> str:
    if slot is Slot.PARAMETER:
        if kind in (Kind.TENSOR, Kind.BUFFER):
            return (
                "wrap the value in nn.Parameter(...), or change the parameter in place with "
                "`with torch.no_grad(): ...copy_(...)`"
            )
        return "keep the value under another name"
    if slot is Slot.BUFFER:
        return "assign a tensor (or None), or keep the value under another name"
    return "keep the value under another name"


class WrongTypeForRegisteredName(Rule):
    code = "TL007"
    name = "wrong-type-for-registered-name"
    summary = "value of the wrong type assigned to a registered parameter, buffer or submodule name"

    def on_attribute_assignment(self, event: AttributeAssignment) -> FindingIterator:
        rejected = _REJECTED.get(event.slot_before)
        if rejected is None or event.value.kind not in rejected or event.name is None:
            return
        if event.form is TargetForm.AUGMENTED:
            return  # x += y updates the registered tensor in place and assigns it back
        if any("__setattr__" in cls.methods for cls in event.context.class_order):
            return
        role, label, expected = _ROLES[event.slot_before]
        type_name = _type_name(event)
        error = f"TypeError: cannot assign '{type_name}' as {label} '{event.name}' ({expected})"
        yield Finding(
            code=self.code,
            node=event.target,
            message=(
                f"`self.{event.name}` is {role}, so assigning {_what(event, type_name)} to it raises {error}; "
                f"{_advice(event.slot_before, event.value.kind)}"
            ),
        )


RULE = WrongTypeForRegisteredName()
