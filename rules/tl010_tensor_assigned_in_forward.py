"""TL010 tensor-assigned-in-forward

## What it does
Checks for tensors assigned to a module attribute in `forward`, in a method `forward` calls, or in a hook
method that `__init__` registers on the module or a submodule (`self.register_forward_hook(self.save)`,
`self.encoder.register_forward_pre_hook(self.save)`, and the backward variants), when the name is not a
registered buffer.

This rule is off by default: caching an activation on `self` is sometimes deliberate. Enable it with
`--extend-select TL010`.

## Why is this bad?
The attribute is a plain tensor in the instance `__dict__`, not module state:

- `model.to(...)`, `.cuda()` and `.half()` never move or cast it, so what was computed before the move stays
  on the old device (or in the old dtype) until `forward` runs again;
- `nn.DataParallel` runs `forward` on replicas, so what a replica stores on itself is lost, and the original
  module keeps a stale value;
- `torch.jit.trace` and `torch.export` treat it as a constant rather than module state.

A tensor computed from the arguments of the method that stores it (RevIN's `self.mean = x.mean(...)`,
statistics of one call's input read by the next call; a scratch index built on `labels.device`) is recomputed
on every call, on the input's device: for it the `.to()` consequence is moot, and the message does not claim
it. What stays true is said instead: `nn.DataParallel` replicas lose what they store (a declared buffer does
not change that: replicas' writes never reach the original module), and tracing treats it as a constant;
return it to the caller when a later call needs it, or declare the buffer so that tracing sees module state.

## Example
```python
class Attention(nn.Module):
    def forward(self, q: Tensor, k: Tensor) -> Tensor:
        self.scores = (q @ k.transpose(-2, -1)).softmax(-1)
        return self.scores
```

## Use instead
```python
class Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("scores", None, persistent=False)

    def forward(self, q: Tensor, k: Tensor) -> Tensor:
        self.scores = (q @ k.transpose(-2, -1)).softmax(-1)
        return self.scores
```
Once `scores` is declared as a buffer, every later `self.scores = tensor` keeps it a buffer, which `.to()`
moves and `torch.export` tracks; `persistent=False` keeps it out of `state_dict()`.

Not reported: names registered as buffers in `__init__` (including `register_buffer(name, None)`), names
whose first tensor is assigned in `__init__` (TL001 reports those), and classes that override `_apply`, `to`
or `cuda`. A tensor assigned by a method that neither construction nor `forward` runs (`reset_state()`, a
setter a parent module calls) is state the module keeps between calls, not an activation: TL001 (on by
default) reports it, with this rule's fix.

## Fix safety
The fix inserts `self.register_buffer("name", None, persistent=False)` right after the
`super().__init__()` statement of the class's own `__init__`. When that `__init__` already sets
`self.name = None` at its top level, the declaration takes that statement's place instead (no second line
before it), provided nothing between `super().__init__()` and it may assign the name: no other write of the
name and no call of a method of `self` or of a function given `self` (registrations of other literal names
aside), since `register_buffer` raises `KeyError` for a name that is already a plain attribute. It is
**safe**: `state_dict()` keys do not change, and `self.name` reads `None` until `forward` first assigns it,
as a plain attribute set to `None` in `__init__` would. It is **unsafe** when another statement assigns the
name a value that is not known to be a tensor or None, because a buffer rejects anything else with `TypeError`.

No fix is offered when the declaration would raise or change behaviour: when the class has no `__init__` of
its own with a top-level `super().__init__()` after which `nn.Module.__init__()` has surely run, when the name
is assigned before or by `super().__init__()`, or is a method or class attribute, or is empty or dotted
(`register_buffer` raises `KeyError`), when it is assigned a value that is not a tensor elsewhere (also in the
same statement, through a tuple target or `setattr()`) or registered as a parameter or submodule, or when the
class tests `hasattr(self, "name")` (the declaration would make that true).

A fix in a base class runs in its subclasses too: no fix is offered when a subclass in the file has a
method or class attribute of the name or assigns it before calling `super().__init__()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import libcst as cst

from torchlint.analysis.assignment_index import AttributeWrite
from torchlint.analysis.events import AttributeAssignment, Context, Phase, Slot, SuperInit
from torchlint.analysis.function_index import function_index
from torchlint.analysis.subclasses import base_init_index, run_before_base_init, writes_name
from torchlint.analysis.value_sources import Sources, methods
from torchlint.analysis.values import Kind
from torchlint.contract.edits import Edit, InsertAfter, Replace
from torchlint.contract.rule import Applicability, Finding, FindingIterator, Fix, Rule, Severity
from torchlint.source.statements import small_statements
from torchlint.source.syntax import first_parameter

REPORTED_SLOTS = (Slot.UNSET, Slot.PLAIN)
_TENSOR_OR_NONE = (Kind.TENSOR, Kind.NONE, Kind.BUFFER)


def _own_init(context: Context) -> Optional[cst.FunctionDef]:
    """The ``__init__`` that constructing the class runs first, when the class itself defines it."""
    for cls in context.class_order:
        init = cls.methods.get("__init__")
        if init is not None:
            return init if cls is context.instance else None
    return None


def _tests_presence(context: Context, name: str) -> bool:
    """``hasattr(self, "name")`` or ``getattr(self, "name", default)`` in a method of the class order."""
    for method in methods(context):
        for call in function_index(context.model, method).calls:
            func = call.func
            if isinstance(func, cst.Name) and func.value in ("hasattr", "getattr") and len(call.args) >= 2:
                key = call.args[1].value
                if isinstance(key, cst.SimpleString) and key.evaluated_value == name:
                    if func.value == "hasattr" or len(call.args) > 2:
                        return True
    return False


def _write_kind(context: Context, write: AttributeWrite) -> Kind:
    """What another write of the name assigns, inferred within the method that holds it."""
    if write.value_node is None:
        return write.value.kind
    for method in methods(context):
        if id(write.statement) in function_index(context.model, method).statements:
            return Sources(context, method).fact(write.value_node).kind
    return write.value.kind


def _registration(writes: list[AttributeWrite]) -> str:
    return next(write.registers for write in writes if write.registers not in (None, "buffer")) or "buffer"


def _declaration(event: AttributeAssignment) -> tuple[Optional[Fix], Optional[str]]:
    """The fix that declares the buffer in ``__init__``, or why there is none."""
    name = event.name
    context = event.context
    if name is None:
        return None, "the attribute name is computed"
    init = _own_init(context)
    self_id = first_parameter(init) if init is not None else None
    if init is None or self_id is None or not isinstance(init.body, cst.IndentedBlock):
        return None, f"`{context.instance.name}` has no __init__ of its own to declare the buffer in"
    body = init.body.body
    anchor = base_init_index(init)
    if anchor is None:
        return None, "__init__ has no top-level super().__init__() call to declare the buffer after"
    if event.super_init is not SuperInit.YES:
        return None, "nn.Module.__init__() may not have run when __init__ ends, so register_buffer would raise"
    taken = event.name_conflict()
    if taken is not None:
        return None, f"{taken}, which register_buffer rejects"
    writes = event.other_writes()
    early = {id(statement) for statement in run_before_base_init(init)}
    later_classes = context.class_order[context.class_order.index(context.instance) + 1:]
    inherited = {
        statement for cls in later_classes for method in cls.methods.values()
        for statement in function_index(context.model, method).statements
    }
    if any(id(write.statement) in early or id(write.statement) in inherited for write in writes):
        return None, f"`self.{name}` is assigned before or by super().__init__(), which register_buffer rejects"
    if any(write.registers not in (None, "buffer") for write in writes):
        return None, f"`self.{name}` is also registered as a {_registration(writes)}, which a buffer name rejects"
    kinds = [_write_kind(context, write) for write in writes if write.registers is None]
    if any(kind not in (*_TENSOR_OR_NONE, Kind.UNKNOWN) for kind in kinds):
        return None, f"`self.{name}` is also assigned a value that is not a tensor, which a buffer rejects"
    if _tests_presence(context, name):
        return None, f'the class tests hasattr(self, "{name}"), which declaring the buffer would make true'
    statement = cst.parse_statement(f'{self_id}.register_buffer("{event.stored_name}", None, persistent=False)\n')
    assert isinstance(statement, cst.SimpleStatementLine)
    safe = all(kind in _TENSOR_OR_NONE for kind in kinds)
    placeholder = _none_placeholder(body[anchor + 1:], self_id, name)
    edit: Edit = (
        InsertAfter(body[anchor], statement) if placeholder is None
        else Replace(placeholder, statement.body[0].with_changes(semicolon=placeholder.semicolon))
    )
    fix = Fix(
        f"Declare `{name}` as a non-persistent buffer in __init__",
        Applicability.SAFE if safe else Applicability.UNSAFE,
        (edit,),
        None if safe else f"`self.{name}` is also assigned values not known to be tensors, which the buffer would hold",
    )
    return fix, None


def _is_none_placeholder(small: cst.BaseSmallStatement, self_id: str, name: str) -> bool:
    """``self.<name> = None``, with one target."""
    if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
        return False
    target = small.targets[0].target
    return (
        isinstance(target, cst.Attribute) and target.attr.value == name
        and isinstance(target.value, cst.Name) and target.value.value == self_id
        and isinstance(small.value, cst.Name) and small.value.value == "None"
    )


_REGISTRATIONS = frozenset({"register_buffer", "register_parameter", "add_module", "register_module"})


def _may_reach_self(statement: cst.CSTNode, self_id: str, name: str) -> bool:
    """Whether ``statement`` calls something that may assign ``self.<name>``: a method of ``self`` or of
    ``super()`` (other than a registration of another literal name), or a call given ``self`` (``f(self)``,
    ``setattr(self, ...)``)."""
    found = False

    def registers_other(node: cst.Call, method: str) -> bool:
        key = node.args[0].value if node.args else None
        return method in _REGISTRATIONS and isinstance(key, cst.SimpleString) and key.evaluated_value != name

    class Reach(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            nonlocal found
            func = node.func
            if isinstance(func, cst.Attribute) and not registers_other(node, func.attr.value):
                receiver = func.value
                if (isinstance(receiver, cst.Name) and receiver.value == self_id) or (
                    isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name)
                    and receiver.func.value == "super"
                ):
                    found = True
            if any(isinstance(arg.value, cst.Name) and arg.value.value == self_id for arg in node.args):
                found = True

    statement.visit(Reach())
    return found


def _none_placeholder(
    after_base_init: Sequence[cst.BaseStatement], self_id: str, name: str
) -> Optional[cst.Assign]:
    """The ``self.<name> = None`` at the top level of ``__init__``, after its base ``__init__`` call, that the
    declaration replaces rather than standing before it: the first statement there that assigns the name,
    when nothing before it can have assigned the name (no write of it, no call that is given ``self``), so
    that ``register_buffer`` in its place finds the name free and the name is absent up to there, as before."""
    for statement in after_base_init:
        if isinstance(statement, cst.SimpleStatementLine):
            smalls = list(statement.body)
            for index, small in enumerate(smalls):
                if _is_none_placeholder(small, self_id, name):
                    earlier = smalls[:index]
                    reached = any(writes_name(each, self_id, name) or _may_reach_self(each, self_id, name)
                                  for each in earlier)
                    return None if reached else small
        if any(writes_name(small, self_id, name) for small in small_statements(statement)):
            return None
        if _may_reach_self(statement, self_id, name):
            return None
    return None


def _from_arguments(event: AttributeAssignment) -> bool:
    """Whether the value reads a parameter of the method that assigns it (``x.mean(0)``, ``torch.arange(n,
    device=labels.device)``): it is recomputed from what each call receives."""
    params = event.function.params
    names = {
        param.name.value for param in (*params.posonly_params, *params.params, *params.kwonly_params)
    } - {first_parameter(event.function)}
    if event.value_node is None or not names:
        return False
    found = False

    class Reads(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            nonlocal found
            found = found or node.value in names

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)  # not the attribute's own name
            return False

        def visit_Arg(self, node: cst.Arg) -> bool:
            node.value.visit(self)  # not the keyword
            return False

    event.value_node.visit(Reads())
    return found


class TensorAssignedInForward(Rule):
    code = "TL010"
    name = "tensor-assigned-in-forward"
    summary = "tensor assigned to a module attribute in forward or a hook without being a registered buffer"
    default_enabled = False
    severity = Severity.WARNING
    fixable = True

    def on_attribute_assignment(self, event: AttributeAssignment) -> FindingIterator:
        if event.phase is not Phase.FORWARD or not event.value.is_tensor:
            return
        if event.slot_before not in REPORTED_SLOTS or event.context.manages_own_tensors:
            return
        if event.name is not None:
            subject = f"`self.{event.name}`"
            declare = f'self.register_buffer("{event.stored_name}", None, persistent=False)'
        else:
            subject = f"the attribute named by `{event.display_name}`"
            declare = f"self.register_buffer({event.display_name}, None, persistent=False)"
        fix, reason = _declaration(event)
        if _from_arguments(event):  # RevIN's statistics: recomputed from each call's input
            message = (
                f"{subject} is assigned a tensor computed from {event.method}()'s arguments but is not a registered "
                f"buffer: it follows the input's device, but nn.DataParallel replicas lose it (a later call reads "
                f"the original module's stale value, buffer or not) and torch.export/jit.trace treat it as a "
                f"constant; return it to the caller if a later call needs it, or declare it in __init__ with "
                f"{declare} so that tracing sees module state"
            )
        else:
            message = (
                f"{subject} is assigned a tensor in {event.method}() but is not a registered buffer: .to() does "
                f"not move it, DataParallel replicas lose it, and torch.export/jit.trace treat it as a constant; "
                f"declare it in __init__ with {declare}"
            )
        yield Finding(
            code=self.code,
            node=event.target,
            message=message,
            fix=fix,
            no_fix_reason=reason,
        )


declaration = _declaration  # TL001 declares buffers of tensors assigned after construction the same way

RULE = TensorAssignedInForward()
