"""TL002 tensor-should-be-parameter

## What it does
Checks for tensors created with `requires_grad=True` (or made to require grad with `.requires_grad_()`)
and assigned to an attribute of an `nn.Module` without wrapping them in `nn.Parameter`.

## Why is this bad?
Only `nn.Parameter` attributes are registered as parameters. A plain tensor that requires grad is missing
from `parameters()`, so an optimizer built from `model.parameters()` never updates it; it is also left out
of `state_dict()` and not moved by `.to()`. The model trains, the loss moves, and this weight stays at its
initial value.

## Example
```python
class Scale(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.gain = torch.ones(8, requires_grad=True)
```

## Use instead
```python
class Scale(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.gain = nn.Parameter(torch.ones(8))
```

## Fix safety
The fix wraps the value in `nn.Parameter(...)` (spelled with the file's own alias for `torch.nn`) and drops
the now redundant `requires_grad=True` or `.requires_grad_()`. It is always **unsafe**: the tensor joins
`parameters()` and `state_dict()`, so optimizers start training it and checkpoints saved before the fix lack
its key. No fix is offered for chained assignments (`self.a = self.b = ...`) or where the Parameter would
raise: before `super().__init__()` has run, when a method or class attribute of the class or of `nn.Module`
has the name (`KeyError: "attribute 'type' already exists"`), when a `setattr()` name is empty or dotted
(`KeyError`), or when the class assigns the attribute anything not known to be a Parameter or None (a
registered parameter rejects a plain tensor with `TypeError`), also through a tuple target or `setattr()`, or
registers the name as a buffer or submodule.

A fix in a base class runs in its subclasses too: no fix is offered when a subclass in the file has a
method or class attribute of the name or assigns it before calling `super().__init__()`.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from torchlint.analysis.events import AttributeAssignment, Phase, Slot
from torchlint.analysis.load_paths import load_path_reason
from torchlint.contract.edits import Edit, InsertImport, Replace
from torchlint.contract.rule import Applicability, Finding, FindingIterator, Fix, Rule
from torchlint.outline.torch_names import nn_reference_or_import

REPORTED_SLOTS = (Slot.UNSET, Slot.PLAIN)


def _without_requires_grad(value: cst.BaseExpression) -> cst.BaseExpression:
    """``torch.ones(3, requires_grad=True)`` -> ``torch.ones(3)``; ``t.requires_grad_()`` -> ``t``."""
    if not isinstance(value, cst.Call):
        return value
    func = value.func
    if isinstance(func, cst.Attribute) and func.attr.value == "requires_grad_" and not value.args:
        return func.value.with_changes(lpar=value.lpar, rpar=value.rpar) if value.lpar else func.value
    args = list(value.args)
    kept = [arg for arg in args if not (arg.keyword is not None and arg.keyword.value == "requires_grad")]
    if len(kept) == len(args):
        return value
    if kept and args[-1] not in kept:
        kept[-1] = kept[-1].with_changes(comma=args[-1].comma)
    return value.with_changes(args=kept)


def _no_fix_reason(event: AttributeAssignment) -> Optional[str]:
    if event.value_node is None:
        return "the value is not a single expression"
    return event.parameter_would_raise() or load_path_reason(event.context, "every parameter an old checkpoint lacks")


def _fix(event: AttributeAssignment) -> Fix:
    assert event.value_node is not None
    reference, missing_import = nn_reference_or_import(event.context.model.imports, "Parameter")
    wrapped = cst.Call(func=cst.parse_expression(reference), args=[cst.Arg(_without_requires_grad(event.value_node))])
    edits: list[Edit] = [Replace(event.value_node, wrapped)]
    if missing_import is not None:
        edits.append(InsertImport(missing_import))
    return Fix(f"Wrap `{event.display_name}` in nn.Parameter", Applicability.UNSAFE, tuple(edits),
               "the tensor joins parameters() and state_dict(): optimizers train it, older checkpoints lack its key")


class TensorShouldBeParameter(Rule):
    code = "TL002"
    name = "tensor-should-be-parameter"
    summary = "tensor that requires grad assigned to a module attribute instead of an nn.Parameter"
    fixable = True

    def on_attribute_assignment(self, event: AttributeAssignment) -> FindingIterator:
        value = event.value
        if not (value.is_tensor and value.requires_grad and value.leaf):
            return
        if event.phase is not Phase.INIT or event.slot_before not in REPORTED_SLOTS:
            return
        subject = f"`self.{event.name}`" if event.name is not None else f"the attribute named by `{event.display_name}`"
        reason = _no_fix_reason(event)
        yield Finding(
            code=self.code,
            node=event.target,
            message=(
                f"{subject} is a tensor that requires grad but is not an nn.Parameter: it is missing "
                "from parameters(), so no optimizer trains it; wrap it in nn.Parameter(...)"
            ),
            fix=_fix(event) if reason is None else None,
            no_fix_reason=reason,
        )


RULE = TensorShouldBeParameter()
