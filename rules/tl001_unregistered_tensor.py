"""TL001 unregistered-tensor-attribute

## What it does
Checks for tensors assigned to an attribute of an `nn.Module` without being registered as a buffer:

- in `__init__`, or in a method that `__init__` calls;
- in any other method that neither construction nor `forward` runs (`reset_state()`,
  `set_rng_device_and_dtype(device, dtype)`, a property setter: what other code, often a parent module's
  `__init__`, calls later), when the class registers the name nowhere. Once the method has run, the instance
  holds a plain tensor exactly as if `__init__` had assigned it. Tensors assigned in `forward`, in what it
  calls and in hooks are TL010's (off by default: an activation cached per call is often deliberate);
- on an instance, outside its class: `model = Net(); model.extra = torch.randn(10, 10)` or
  `setattr(model, "extra", t)`, at module level or in a function, where `model` certainly holds a module
  instance (built by calling a module class of the file, a `torch.nn` container, or a module class whose
  source the project or an installed package provides, also through `.to(...)`/`.eval()`; or a parameter
  annotated with such a class). Names the class registers or assigns anywhere are left alone, and nothing is
  reported for a class whose source cannot be read.

## Why is this bad?
`nn.Module.__setattr__` registers Parameters, submodules and buffers; any other tensor becomes a plain
instance attribute. A plain tensor attribute:

- is left out of `state_dict()`, so checkpoints silently lack it;
- is not moved by `model.to(device)`, `.cuda()` or `.to("meta")`, so the model later fails far away with
  "Expected all tensors to be on the same device";
- is not broadcast by DistributedDataParallel and is baked in as a constant by `torch.jit.trace` and
  `torch.export`.

## Example
```python
class Attention(nn.Module):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.mask = torch.tril(torch.ones(n, n, dtype=torch.bool))
```

## Use instead
```python
class Attention(nn.Module):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.register_buffer("mask", torch.tril(torch.ones(n, n, dtype=torch.bool)), persistent=False)
```
A non-persistent buffer follows the module across devices and keeps `state_dict()` keys unchanged, so
checkpoints saved before the change still load with `strict=True`. Use `persistent=True` (the default)
when the tensor is state that must be saved.

Not reported: names registered earlier as buffers (including a `register_buffer(name, None)` placeholder)
or with `nn.Buffer`; tensors that require grad (TL002 reports those); and tensors that an override of
`_apply`, `to` or `cuda` moves after all. That is decided per attribute from what the override does, where
its source is readable (the file, another project file, an installed package): one that walks its states
under computed names (`torchmetrics.Metric._apply`) or that cannot be followed moves every plain tensor;
`self.moved = fn(self.moved)` moves that name; one that only validates its arguments, clears a cache or moves
specs and calls `super()` (transformers' `PreTrainedModel.to`, torchrl's `Transform.to`) moves none, and the
class's plain tensors are reported. A name that another class of the file moves on the objects it holds (a
detection model's `_apply` running `m.stride = fn(m.stride)` on its head) is not reported either: `.to()`
does move it there. So is a name that an override in another file of the package moves on the objects it
holds, when that override names the class or one of its bases (ultralytics' `BaseModel._apply` in
`nn/tasks.py` runs `if isinstance(m, Detect): m.stride = fn(m.stride)` for the `Detect` head of
`nn/modules/head.py`): saying "not moved by .to()" there would be false. Bases known without their source
(`torchmetrics.Metric`) move everything. The runtime recording and `torchlint audit` read the same overrides
and decide the same way.

## Fix safety
The fix registers the tensor with `self.register_buffer("name", value, persistent=False)` (or, when the
project sets `target-torch` to 2.5 or later, `self.name = nn.Buffer(value, persistent=False)`). An annotated
assignment keeps its annotation as a class-level declaration (`name: Tensor`) for type checkers.

The fix is **safe** when the tensor is provably not floating point (a `bool` or integer dtype,
`torch.arange` of integers, `torch.randint`, `torch.randperm`, a comparison, `.bool()`, `.long()`, ...):
such a buffer now follows `.to(device)`, and `state_dict()` keys do not change. It is **unsafe** otherwise,
because `model.half()`, `.bfloat16()` and `.to(dtype)` cast floating buffers but never touched the plain
attribute: a rotary `inv_freq` cached in bf16 loses precision (huggingface/transformers#25681). Registering
a *persistent* buffer (setting `fix-buffer-persistence = "persistent"`) adds a `state_dict()` key, so
checkpoints saved before the fix no longer load with `strict=True`: that variant is always unsafe.

No fix is offered when it would be wrong or ambiguous: before `super().__init__()` has run (registering
would raise), for tuple targets, chained assignments and computed `setattr` names, when the name is already
a plain attribute or a method/class attribute, or is empty or dotted (`setattr(self, "a.b", ...)`): names
`register_buffer` rejects with `KeyError`; when another statement assigns the name something that is not a
tensor or registers it as a parameter or submodule (a buffer would raise), or when the assignment is in a
branch and the name is assigned elsewhere too.

A fix in a base class runs in its subclasses too: no fix is offered when a subclass in the file has a
method or class attribute of the name or assigns it before calling `super().__init__()`. A fix never relies
on another finding being fixed in the same run (pre-commit passes only the changed files; a base may be
excluded, under `per-file-ignores` or under `# noqa`): no fix is offered when a base class in another file
of the project, or in an installed package that can be read, assigns `self.<name>` in any of its methods.

For a tensor assigned by a later method, the fix is TL010's: it declares the buffer in `__init__`,
`self.register_buffer("name", None, persistent=False)` right after `super().__init__()`, so that the later
assignment keeps it a buffer; it is offered where TL010 offers it, and is **safe** only when the tensors the
name is assigned are provably not floating point (a floating buffer is cast by `.half()`, as above).

For a tensor set on an instance from outside, the fix is `model.register_buffer("extra", value,
persistent=False)` with the same safety; none is offered for a chained assignment, when the name is already
a plain attribute there, or when another statement of the scope assigns it something a buffer rejects.

Three kinds of value are reported but never fixed, because the buffer would load or cast wrongly:

- a value that may be complex (`torch.polar`, `torch.view_as_complex`, a complex dtype, an imaginary
  literal, or a concatenation or same-file helper that returns one): `.to(torch.float64)` casts complex
  buffers to a real dtype and drops the imaginary part. Register `torch.view_as_real(...)` as a buffer and
  rebuild it with `torch.view_as_complex(...)` where it is used, or keep it plain and move it in `forward`;
- any tensor in a file whose models are built by transformers' `from_pretrained` (a `PreTrainedModel`
  subclass in the file or its MRO, or a file of transformers itself): it builds the model on the meta device
  and re-creates every non-persistent buffer, and every key an old checkpoint lacks, with
  `torch.empty_like`, so a buffer only `__init__` fills reloads as uninitialised memory. Register it and
  refill it in the model's `_init_weights`. (diffusers' `ModelMixin.from_pretrained` keeps buffers as
  `__init__` made them; its models keep their fixes: the fix-proof harness took the fixed diffusers models,
  in small configurations, through `save_pretrained` -> `from_pretrained` with every buffer unchanged.)

Fixed lines keep the project's line length (`line-length` in `[tool.torchlint]`, else Ruff's, else
Black's, else 88): a call that does not fit is broken as those formatters break it.

What the fix-proof harness (`tools/fix_proof/run.py`) measures on real packages, for every class it can
build from a changed file: construction, `state_dict()` keys, a `strict=True` load of the original's state
dict, the forward output after that load, and a save -> load round trip through the package's own load
path. A safe fix is meant to change none of them; an unsafe fix only what `.half()` / `.to(dtype)` do to
the registered floating tensor (and, with `fix-buffer-persistence = "persistent"`, the `state_dict()` keys).
Measured on ultralytics, pytorch_metric_learning, diffusers, torchrl and transformers (85 classes built
from the changed files, fixed as a tree and file by file, 57 under `per-file-ignores`): none of them changed
except those casts. Classes it cannot build are not covered; `benchmarks/fix_proof/` lists them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import libcst as cst

from torchlint.analysis.complex_values import may_be_complex
from torchlint.analysis.events import AttributeAssignment, Phase, Slot, SuperInit, TargetForm
from torchlint.analysis.load_paths import load_path_reason
from torchlint.analysis.outside_assignments import OutsideAssignment
from torchlint.analysis.values import Kind
from torchlint.config.settings import PERSISTENT
from torchlint.contract.edits import Edit, InsertClassStatement, InsertImport, Replace
from torchlint.contract.rule import Applicability, Finding, FindingIterator, Fix, Rule
from torchlint.fix.line_breaks import fit_statement_call
from torchlint.outline.torch_names import nn_reference_or_import
from torchlint.source.syntax import first_parameter

from .tl010_tensor_assigned_in_forward import declaration

REPORTED_SLOTS = (Slot.UNSET, Slot.PLAIN)
_NO_SPACE = cst.SimpleWhitespace("")
_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _persistent_argument(persistent: bool) -> list[cst.Arg]:
    if persistent:
        return []
    return [
        cst.Arg(
            keyword=cst.Name("persistent"),
            value=cst.Name("False"),
            equal=cst.AssignEqual(whitespace_before=_NO_SPACE, whitespace_after=_NO_SPACE),
        )
    ]


def _with_trailing_arguments(value: cst.BaseExpression, extra: list[cst.Arg]) -> list[cst.Arg]:
    return [cst.Arg(value, comma=_COMMA if extra else cst.MaybeSentinel.DEFAULT), *extra]


_COMPLEX_REASON = "the value may be complex: .to(dtype) would cast a complex buffer and drop its imaginary part"


def _no_fix_reason(event: AttributeAssignment) -> Optional[str]:
    name = event.name
    if name is None:
        return "the attribute name is computed"
    if event.form is TargetForm.TUPLE:
        return "tuple assignment"
    if event.form is TargetForm.AUGMENTED:
        return "augmented assignment"
    if event.chained:
        return "chained assignment"
    if event.super_init is not SuperInit.YES:
        return "assigned before super().__init__() has run"
    if any(not value.is_tensor for value in event.values_elsewhere):
        return "for another class of this file the same line assigns something that may not be a tensor"
    if event.slot_before is not Slot.UNSET:
        return f"`{name}` is already a plain attribute here, so register_buffer would raise KeyError"
    taken = event.name_conflict()
    if taken is not None:
        return f"{taken}, so register_buffer would raise KeyError"
    outside = event.assigned_outside()
    if outside is not None:
        return f"{outside}; when that runs first register_buffer raises KeyError, unless the base is fixed too"
    others = event.other_writes()
    if any(write.rejected_by("buffer", (Kind.TENSOR, Kind.NONE, Kind.UNKNOWN, Kind.BUFFER)) for write in others):
        return f"`self.{name}` is also assigned or registered as something a buffer name rejects"
    if event.conditional and others:
        return f"assigned in a branch while `self.{name}` is assigned elsewhere too"
    return load_path_reason(event.context, "every non-persistent buffer and every buffer an old checkpoint lacks")


def _unsafe_reason(event: AttributeAssignment, persistent: bool, others_unknown: bool) -> Optional[str]:
    if persistent:
        return "a persistent buffer adds a state_dict() key, which checkpoints saved before the fix lack"
    if event.value.floating is not False:
        maybe = "" if event.value.floating else "the tensor may be floating point, and "
        return f"{maybe}a floating buffer is cast by .half()/.to(dtype), which left the plain tensor alone"
    if others_unknown:
        return f"`self.{event.name}` is also assigned values of unknown type, which the buffer would then hold"
    return None


def _fix(event: AttributeAssignment) -> Fix:
    assert event.name is not None and event.stored_name is not None and event.value_node is not None
    name = event.stored_name
    settings = event.context.settings
    persistent = settings.buffer_persistence == PERSISTENT
    others_unknown = any(write.value.kind is Kind.UNKNOWN for write in event.other_writes())
    safe = event.value.floating is False and not persistent and not others_unknown
    applicability = Applicability.SAFE if safe else Applicability.UNSAFE
    reason = _unsafe_reason(event, persistent, others_unknown)
    kind = "persistent" if persistent else "non-persistent"
    edits: list[Edit] = []
    if settings.torch_at_least(2, 5):
        reference, missing_import = nn_reference_or_import(event.context.model.imports, "Buffer")
        buffer = cst.Call(
            func=cst.parse_expression(reference),
            args=_with_trailing_arguments(event.value_node, _persistent_argument(persistent)),
        )
        statement = event.statement
        if isinstance(statement, (cst.Assign, cst.AnnAssign)) and statement.value is event.value_node:
            module = event.context.model.module
            buffer = fit_statement_call(
                module, statement, statement.with_changes(value=buffer), buffer, settings.line_length
            )
        edits.append(Replace(event.value_node, buffer))
        if missing_import is not None:
            edits.append(InsertImport(missing_import))
        return Fix(f"Assign `{name}` an nn.Buffer ({kind})", applicability, tuple(edits), reason)
    self_name = first_parameter(event.function)
    assert self_name is not None  # the event comes from a method that reached ``self``
    register = cst.Call(
        func=cst.Attribute(value=cst.Name(self_name), attr=cst.Name("register_buffer")),
        args=[
            cst.Arg(cst.SimpleString(f'"{name}"'), comma=_COMMA),
            *_with_trailing_arguments(event.value_node, _persistent_argument(persistent)),
        ],
    )
    statement = event.statement
    register = fit_statement_call(
        event.context.model.module, statement, cst.Expr(value=register), register, settings.line_length
    )
    if event.form is TargetForm.SETATTR:
        edits.append(Replace(event.target, register))
    else:
        semicolon = getattr(statement, "semicolon", cst.MaybeSentinel.DEFAULT)
        edits.append(Replace(statement, cst.Expr(value=register, semicolon=semicolon)))
    if isinstance(statement, cst.AnnAssign):
        declaration = cst.SimpleStatementLine(
            body=[cst.AnnAssign(target=cst.Name(event.display_name), annotation=statement.annotation)]
        )
        edits.append(InsertClassStatement(event.owner.node, declaration))
    return Fix(f"Register `{name}` as a {kind} buffer", applicability, tuple(edits), reason)


class UnregisteredTensor(Rule):
    code = "TL001"
    name = "unregistered-tensor-attribute"
    summary = "tensor assigned to a module attribute without registering it as a buffer"
    fixable = True

    def on_attribute_assignment(self, event: AttributeAssignment) -> FindingIterator:
        value = event.value
        if not value.is_tensor or (value.requires_grad and value.leaf):
            return
        if event.slot_before not in REPORTED_SLOTS or event.context.moves(event.name):
            return
        if event.phase is Phase.LATER:
            yield from _later_findings(self.code, event)
            return
        if event.phase is not Phase.INIT:
            return
        if event.name is not None:
            subject = f"`self.{event.name}`"
            register = f'self.register_buffer("{event.stored_name}", ...)'
        else:
            subject = f"the attribute named by `{event.display_name}`"
            register = f"self.register_buffer({event.display_name}, ...)"
        reason = _no_fix_reason(event) if event.value_node is not None else "the value is not a single expression"
        message = (
            f"{subject} holds a tensor that is not registered: it is left out of state_dict() "
            f"and not moved by .to(); register it with {register}"
        )
        if event.value_node is not None and may_be_complex(
            event.value_node, event.function, event.context.model, event.context.class_order
        ):
            message = (
                f"{subject} holds a tensor that may be complex and is not registered: it is not moved by "
                f".to(device); as a buffer, .to(torch.float64) would cast it to a real dtype and drop its "
                f"imaginary part, so register torch.view_as_real(...) as a buffer and rebuild it with "
                f"torch.view_as_complex(...) where it is used, or keep it plain and move it in forward"
            )
            reason = _COMPLEX_REASON
        yield Finding(
            code=self.code,
            node=event.target,
            message=message,
            fix=_fix(event) if reason is None else None,
            no_fix_reason=reason,
        )

    def on_outside_assignment(self, event: OutsideAssignment) -> FindingIterator:
        subject = f"`{event.variable}.{event.name}`"
        reason = _outside_no_fix_reason(event)
        yield Finding(
            code=self.code,
            node=event.target,
            message=(
                f"{subject} sets a tensor on a `{event.instance.class_name}` instance that is not registered: it "
                f"is left out of state_dict() and not moved by .to(); register it with "
                f'{event.variable}.register_buffer("{event.name}", ...)'
            ),
            fix=_outside_fix(event) if reason is None else None,
            no_fix_reason=reason,
        )


def _later_findings(code: str, event: AttributeAssignment) -> FindingIterator:
    """A tensor assigned in a method that runs after construction (neither what ``__init__`` runs nor
    ``forward``) to a name the class registers nowhere: the instance holds a plain tensor once the method
    has run. Silent for computed names and for names some write registers or gives registered state."""
    name = event.name
    if name is None:
        return
    others = event.other_writes()
    if any(write.registers is not None for write in others):
        return
    if any(write.value.kind in (Kind.MODULE, Kind.PARAMETER, Kind.BUFFER) for write in others):
        return
    fix, reason = declaration(event)
    if event.value_node is not None and may_be_complex(
        event.value_node, event.function, event.context.model, event.context.class_order
    ):
        fix, reason = None, _COMPLEX_REASON
    if fix is not None and event.value.floating is not False and fix.applicability is Applicability.SAFE:
        fix = replace(fix, applicability=Applicability.UNSAFE)  # .half() now casts the floating tensor
    yield Finding(
        code=code,
        node=event.target,
        message=(
            f"`self.{name}` is assigned a tensor in {event.method}() but is never registered: once "
            f"{event.method}() has run it is left out of state_dict() and not moved by .to(); declare it in "
            f'__init__ with self.register_buffer("{event.stored_name}", None, persistent=False)'
        ),
        fix=fix,
        no_fix_reason=reason,
    )


def _outside_no_fix_reason(event: OutsideAssignment) -> Optional[str]:
    """Why ``obj.name = tensor`` outside the class cannot become ``obj.register_buffer(...)``, or None."""
    subject = f"`{event.variable}.{event.name}`"
    if may_be_complex(event.value_node, None, event.model, ()):
        return _COMPLEX_REASON
    if event.chained:
        return "chained assignment"
    if event.already_plain:
        return f"{subject} is already a plain attribute here, so register_buffer would raise KeyError"
    accepted = (Kind.TENSOR, Kind.NONE, Kind.UNKNOWN, Kind.BUFFER)
    if any(value.kind not in accepted for value in event.other_values):
        return f"{subject} is also assigned something that is not a tensor, which a buffer rejects"
    if event.conditional and event.other_values:
        return f"assigned in a branch while {subject} is assigned elsewhere too"
    return None


def _outside_fix(event: OutsideAssignment) -> Fix:
    """``obj.register_buffer("name", value, persistent=False)`` (or ``obj.name = nn.Buffer(...)``), with
    TL001's safety: safe only for a value that is provably not floating point."""
    settings = event.context_settings
    persistent = settings.buffer_persistence == PERSISTENT
    others_unknown = any(value.kind is Kind.UNKNOWN for value in event.other_values)
    safe = event.value.floating is False and not persistent and not others_unknown
    applicability = Applicability.SAFE if safe else Applicability.UNSAFE
    kind = "persistent" if persistent else "non-persistent"
    if settings.torch_at_least(2, 5) and not event.setattr_form:
        reference, missing_import = nn_reference_or_import(event.model.imports, "Buffer")
        buffer = cst.Call(
            func=cst.parse_expression(reference),
            args=_with_trailing_arguments(event.value_node, _persistent_argument(persistent)),
        )
        edits: list[Edit] = [Replace(event.value_node, buffer)]
        if missing_import is not None:
            edits.append(InsertImport(missing_import))
        return Fix(f"Assign `{event.name}` an nn.Buffer ({kind})", applicability, tuple(edits))
    register = cst.Call(
        func=cst.Attribute(value=cst.Name(event.variable), attr=cst.Name("register_buffer")),
        args=[
            cst.Arg(cst.SimpleString(f'"{event.name}"'), comma=_COMMA),
            *_with_trailing_arguments(event.value_node, _persistent_argument(persistent)),
        ],
    )
    if event.setattr_form:
        return Fix(f"Register `{event.name}` as a {kind} buffer", applicability, (Replace(event.target, register),))
    semicolon = getattr(event.statement, "semicolon", cst.MaybeSentinel.DEFAULT)
    edit = Replace(event.statement, cst.Expr(value=register, semicolon=semicolon))
    return Fix(f"Register `{event.name}` as a {kind} buffer", applicability, (edit,))


RULE = UnregisteredTensor()
