"""TL008 class-level-state

## What it does
Checks the body of `nn.Module` classes for:

- a tensor, `nn.Parameter`, `nn.Buffer` or module assigned as a class attribute;
- a class attribute `name = None` (or `name: T = None`) when `self.name` is later assigned a module: the
  class attribute hides the registered submodule (pytorch/pytorch#38208).

## Why is this bad?
`nn.Module` registers state only when it is assigned to an instance (`self.x = ...` or `register_*`). A
value in the class body is one object shared by every instance of the class, and it is never registered:

- a tensor or `nn.Buffer` is left out of `state_dict()` and not moved or cast by `.to()`, `.cuda()` or
  `.half()`, so a model on the GPU still computes with a CPU tensor;
- an `nn.Parameter` is missing from `parameters()` (no optimizer trains it) and from `state_dict()`;
- a module is missing from `children()`, `parameters()` and `state_dict()`, and `train()` / `eval()` do not
  reach it: a class-level `nn.Dropout` keeps dropping out in evaluation.

A class attribute `encoder = None` (often written for TorchScript or type checkers) hides a submodule
registered later with `self.encoder = nn.Linear(...)`: `nn.Module` keeps submodules in `_modules`, and its
`__getattr__` runs only when normal attribute lookup fails, which it never does because the class
attribute is found first. So `self.encoder` reads `None` although the module is registered: its parameters
are in `parameters()` and `state_dict()`, but `forward` fails with
`TypeError: 'NoneType' object is not callable`. (A class attribute named like a Parameter or buffer that is
registered later makes construction raise `KeyError: "attribute 'x' already exists"` instead: TL006
reports that.)

Not reported: a class attribute that `__init__` always replaces with an instance attribute of the same
name.

## Example
```python
class Encoder(nn.Module):
    proj: Optional[nn.Module] = None
    pad = torch.zeros(1, 8)

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, dim)
```

## Use instead
```python
class Encoder(nn.Module):
    proj: Optional[nn.Module]

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.register_buffer("pad", torch.zeros(1, 8), persistent=False)
```

## Fix safety
There is no automatic fix: moving the value into `__init__` changes `state_dict()` keys and `parameters()`,
and an annotation-only declaration changes what code reading the class attribute sees.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from torchlint.analysis.events import AttributeAssignment, ClassAttribute, Slot, SuperInit
from torchlint.analysis.values import Kind
from torchlint.contract.rule import Finding, FindingIterator, Rule

_PROBLEMS = {
    Kind.TENSOR: (
        "a tensor",
        "it is shared by every instance, left out of state_dict() and not moved by .to()",
        'register it in __init__ with self.register_buffer("{name}", ...)',
    ),
    Kind.BUFFER: (
        "an nn.Buffer",
        "a buffer registers only when assigned to an instance, so it is shared by every instance, left out of "
        "state_dict() and not moved by .to()",
        "assign it in __init__ with self.{name} = nn.Buffer(...)",
    ),
    Kind.PARAMETER: (
        "an nn.Parameter",
        "it is never registered, so it is missing from parameters() and state_dict() (no optimizer trains it), "
        "and it is shared by every instance",
        "assign it in __init__ with self.{name} = nn.Parameter(...)",
    ),
    Kind.MODULE: (
        "a module",
        "it is never registered as a submodule, so it is missing from children(), parameters() and "
        "state_dict(), train()/eval() and .to() do not reach it, and it is shared by every instance",
        "create it in __init__ with self.{name} = ...",
    ),
}
_REPLACED = (Slot.PLAIN, Slot.PLAIN_TENSOR)


def _assigns_none(statement: cst.CSTNode) -> bool:
    value = statement.value if isinstance(statement, (cst.Assign, cst.AnnAssign)) else None
    return isinstance(value, cst.Name) and value.value == "None"


def _class_target(statement: cst.CSTNode, name: str) -> Optional[cst.CSTNode]:
    if isinstance(statement, cst.AnnAssign):
        return statement.target
    if isinstance(statement, cst.Assign):
        for target in statement.targets:
            if isinstance(target.target, cst.Name) and target.target.value == name:
                return target.target
    return None


class ClassLevelState(Rule):
    code = "TL008"
    name = "class-level-state"
    summary = "tensor, Parameter or module in a module's class body, or a None class attribute hiding a submodule"

    def on_class_attribute(self, event: ClassAttribute) -> FindingIterator:
        problem = _PROBLEMS.get(event.value.kind)
        if problem is None or event.slot_after_init in _REPLACED:
            return
        what, why, advice = problem
        yield Finding(
            code=self.code,
            node=event.target,
            message=f"class attribute `{event.name}` holds {what}: {why}; {advice.format(name=event.name)}",
        )

    def on_attribute_assignment(self, event: AttributeAssignment) -> FindingIterator:
        name = event.name
        if name is None or event.value.kind is not Kind.MODULE or event.super_init is not SuperInit.YES:
            return
        if any(
            method in cls.methods for cls in event.context.class_order for method in ("__setattr__", "__getattribute__")
        ):
            return
        statement = event.context.class_attribute(name)
        if statement is None or isinstance(statement, cst.FunctionDef) or not _assigns_none(statement):
            return
        target = _class_target(statement, name)
        if target is None:
            return
        yield Finding(
            code=self.code,
            node=target,
            message=(
                f"class attribute `{name} = None` hides the submodule that `self.{name} = ...` registers: attribute "
                f"lookup finds the class attribute before nn.Module.__getattr__ looks in _modules, so `self.{name}` "
                f"reads None although the module's parameters are registered; declare it without a value "
                f"(`{name}: Optional[nn.Module]`)"
            ),
        )


RULE = ClassLevelState()
