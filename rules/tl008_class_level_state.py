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

A class-level module that a method assigns to an instance attribute (ultralytics' `default_act = nn.SiLU()`
with `self.act = self.default_act if act is True else ...`) *is* registered, under the instance attribute:
only "shared by every instance of the class" is true of it. That is reported only when the module has
parameters or buffers of its own (a torch layer known to hold them, such as `nn.Linear`): every instance then
trains and saves the same weights. An empty tensor placeholder (`anchors = torch.empty(0)`, overwritten
later with values whose shape depends on the input) is told to register a non-persistent buffer, so that
`state_dict()` gets no key whose shape depends on the input. A placeholder whose values an override of
`_apply`, `to` or `cuda` moves (the class's own, or a model's in the same file or package that names the
class: ultralytics' `BaseModel._apply` runs `m.anchors = fn(m.anchors)` on its `Detect` head) is not reported:
"not moved by .to()" would be false there.

Not reported: a class attribute that `__init__` always replaces with an instance attribute of the same
name; a torch layer known to hold no parameters or buffers and to compute the same in training and
evaluation (activations, `nn.Identity`, pooling, padding: sharing it or leaving it unregistered loses
nothing); a class-level module of a class whose state is unknown once an instance registers it.

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
from torchlint.analysis.subclasses import subclasses
from torchlint.analysis.values import Kind
from torchlint.contract.rule import Finding, FindingIterator, Rule
from torchlint.torch_facts.module_state import ModuleState, module_state

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
_MODE_ONLY = (
    "it is never registered as a submodule, so train()/eval() do not reach it (it keeps the mode it was created "
    "in), and it is shared by every instance"
)
_SHARED = (
    "class attribute `{name}` holds a module with parameters or buffers that is shared by every instance of the "
    "class: `self.{target} = ...` registers that one object on each instance, so every instance trains, saves "
    "and moves the same parameters and buffers; create it in __init__ with self.{target} = ..."
)


class _Reads(cst.CSTVisitor):
    """Finds a read of ``<receiver>.<name>`` where the receiver is ``self``, ``cls``, ``type(self)`` or a class."""

    def __init__(self, name: str, receivers: frozenset[str]) -> None:
        self.name = name
        self.receivers = receivers
        self.found = False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        receiver = node.value
        if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) and receiver.func.value == "type":
            receiver = cst.Name("cls")
        if node.attr.value == self.name and isinstance(receiver, cst.Name) and receiver.value in self.receivers:
            self.found = True


class _InstanceCopies(cst.CSTVisitor):
    """``self.<target> = <value>`` statements whose value reads the class attribute: they register the
    class-level object on the instance under ``target``."""

    def __init__(self, name: str, classes: frozenset[str]) -> None:
        self.name = name
        self.receivers = classes | {"self", "cls"}
        self.targets: list[str] = []

    def visit_Assign(self, node: cst.Assign) -> None:
        reads = _Reads(self.name, self.receivers)
        node.value.visit(reads)
        if not reads.found:
            return
        for target in node.targets:
            where = target.target
            if isinstance(where, cst.Attribute) and isinstance(where.value, cst.Name) and where.value.value == "self":
                self.targets.append(where.attr.value)


def _registered_as(event: ClassAttribute) -> Optional[str]:
    """The instance attribute that a method of the class (or of a same-file subclass) assigns the class-level
    value to, registering it there, or None."""
    owner = event.context.instance
    family = [owner, *subclasses(event.context.model, owner)]
    visitor = _InstanceCopies(event.name, frozenset(cls.name for cls in family))
    for cls in family:
        for method in cls.methods.values():
            method.visit(visitor)
    targets = [target for target in visitor.targets if target != event.name]
    return targets[0] if targets else None


_EMPTY_FACTORIES = frozenset({"torch.empty", "torch.zeros", "torch.ones", "torch.tensor", "torch.Tensor"})
_EMPTY_WHY = (
    "it is an empty placeholder, shared by every instance until one assigns its own value, which is then a plain "
    "tensor: left out of state_dict() and not moved by .to()"
)
_EMPTY_ADVICE = (
    'register it in __init__ with self.register_buffer("{name}", {source}, persistent=False): .to() then moves '
    "what is stored there later, and state_dict() gets no key for a value filled in after construction"
)


def _empty_placeholder(node: Optional[cst.BaseExpression], event: ClassAttribute) -> bool:
    """``torch.empty(0)``, ``torch.zeros(0)``, ``torch.tensor([])``: a tensor with no elements."""
    if not isinstance(node, cst.Call) or len(node.args) != 1 or node.args[0].keyword is not None:
        return False
    if event.context.model.imports.qualify(node.func) not in _EMPTY_FACTORIES:
        return False
    value = node.args[0].value
    if isinstance(value, cst.Integer):
        return value.value == "0"
    return isinstance(value, (cst.List, cst.Tuple)) and not value.elements


def _state_of(node: Optional[cst.BaseExpression], event: ClassAttribute) -> Optional[ModuleState]:
    """What the module built by the call ``node`` holds, when torch's own layer tables say so for certain."""
    if not isinstance(node, cst.Call) or any(arg.star for arg in node.args):
        return None
    positional = sum(1 for arg in node.args if arg.keyword is None)
    keywords = frozenset(arg.keyword.value for arg in node.args if arg.keyword is not None)
    return module_state(event.context.model.imports.qualify(node.func), positional, keywords)


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
        if event.value.kind is Kind.MODULE:
            state = _state_of(event.value_node, event)
            target = _registered_as(event)
            if target is not None:  # registered on every instance: only sharing it is true
                if state is ModuleState.STATE:
                    yield Finding(self.code, event.target, _SHARED.format(name=event.name, target=target))
                return
            if state is ModuleState.NONE:  # nothing to register: no parameters, no buffers, no mode
                return
            if state is ModuleState.MODE:
                why = _MODE_ONLY
        if event.value.kind is Kind.TENSOR and _empty_placeholder(event.value_node, event):
            if event.context.moves(event.name):  # an override (here or in a model holding it) moves the value
                return
            source = cst.Module([]).code_for_node(event.value_node)
            why, advice = _EMPTY_WHY, _EMPTY_ADVICE.replace("{source}", source)
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
