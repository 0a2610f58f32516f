"""TL004 tensor-in-plain-container

## What it does
Checks for `nn.Parameter`s or tensors that `__init__` stores in a plain `list`, `tuple` or `dict` attribute
(a display, a comprehension, `list(...)`/`tuple(...)` of one, or an empty list or dict filled later in
`__init__` or by a method construction runs, `self.tables = {}` then `self.update_layer(name)` filling
`self.tables[name] = ...`; also when a method of the class or a function of the file builds it and returns
it: `self.freqs = self._precompute(n)`), and for tuples of tensors returned by torch (`torch.meshgrid`,
`torch.chunk`, ...) kept as an attribute.

## Why is this bad?
`nn.Module.__setattr__` registers a Parameter only when the attribute value *is* one; nothing is registered
for a container. Parameters in a plain list are missing from `parameters()`, so an optimizer built from
`model.parameters()` never trains them, and from `state_dict()`, so checkpoints lack them. Neither they
nor plain tensors in a container are moved or cast by `model.to(device)`, `.cuda()` or `.half()`, and
DistributedDataParallel does not broadcast them.

## Example
```python
class Mixture(nn.Module):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.weights = [nn.Parameter(torch.randn(8)) for _ in range(n)]
        self.grid = torch.meshgrid(torch.arange(4), torch.arange(4), indexing="ij")
```

## Use instead
```python
class Mixture(nn.Module):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.weights = nn.ParameterList([nn.Parameter(torch.randn(8)) for _ in range(n)])
        self.register_buffer("grid", torch.stack(torch.meshgrid(torch.arange(4), torch.arange(4), indexing="ij")))
```
Use `nn.ParameterDict` for a dict of Parameters with string keys. There is no registered container for plain
tensors: stack them into one tensor and register that as a buffer, or register each one with
`self.register_buffer(name, tensor)`.

Not reported: containers whose elements are registered some other way too (a tensor also passed to
`register_buffer`), containers of references to registered state (`[self.weight, self.bias]`), and classes
that override `_apply`, `to` or `cuda` (which move their own tensors) for plain tensors.

## Fix safety
For containers of Parameters only, the fix wraps the value in `nn.ParameterList(...)` or, for dicts whose
keys are strings, `nn.ParameterDict(...)`. It is always **unsafe**: the Parameters join `parameters()` and
`state_dict()`, so optimizers start training them and checkpoints saved before the fix lack their keys. No
fix is offered for plain tensors (`nn.ParameterList` would turn them into trainable Parameters), nor when the
result could fail: before `super().__init__()` has run, when an element may not be a Parameter, when a dict
key is not a plain string or is one `nn.ParameterDict` rejects, when the code calls a method the registered
container lacks (`insert`, `index`, `sort`, ...), or when the attribute is assigned other plain values
elsewhere.
"""

from __future__ import annotations

from torchlint.analysis.events import AttributeAssignment, Phase, Slot
from torchlint.analysis.registered_containers import no_fix_reason, wrap
from torchlint.analysis.value_sources import Sources, owned_kinds
from torchlint.analysis.values import Kind
from torchlint.contract.rule import Applicability, Finding, FindingIterator, Fix, Rule

REPORTED_SLOTS = (Slot.UNSET, Slot.PLAIN)
_KIND_NAMES = {Kind.LIST: "list", Kind.TUPLE: "tuple", Kind.DICT: "dict", Kind.TENSOR_SEQUENCE: "tuple"}
_NO_TENSOR_CONTAINER = "there is no registered container for plain tensors (no BufferList)"


class TensorInPlainContainer(Rule):
    code = "TL004"
    name = "tensor-in-plain-container"
    summary = "nn.Parameters or tensors kept in a plain list, tuple or dict attribute, where they are not registered"
    fixable = True

    def on_attribute_assignment(self, event: AttributeAssignment) -> FindingIterator:
        if event.phase is not Phase.INIT or event.slot_before not in REPORTED_SLOTS:
            return
        value = event.value
        subject = f"`self.{event.name}`" if event.name is not None else f"the attribute named by `{event.display_name}`"
        sources = Sources(event.context, event.function)
        if value.kind is Kind.TENSOR_SEQUENCE:
            if event.value_node is None or event.context.manages_own_tensors:
                return
            chain = sources.chain(event.value_node)
            if not sources.owned(chain[-1], chain) or sources.shared(event, chain):
                return
            yield self._tensors(event, subject, "tuple")
            return
        if not value.is_container:
            return
        source = sources.container(event) or sources.helper_container(event)
        if source is None:
            return
        owned = owned_kinds(source.elements)
        moves_own = event.context.manages_own_tensors
        if Kind.PARAMETER not in owned and (Kind.TENSOR not in owned or moves_own):
            return
        if sources.shared(event, source.chain):
            return
        kind = _KIND_NAMES[value.kind]
        if Kind.PARAMETER in owned:
            container = "ParameterDict" if value.kind is Kind.DICT else "ParameterList"
            reason = no_fix_reason(event, container, source.elements)
            fix = None
            if reason is None:
                fix = Fix(
                    f"Wrap `{event.display_name}` in nn.{container}", Applicability.UNSAFE, wrap(event, container),
                    "the Parameters join parameters() and state_dict(): older checkpoints lack their keys",
                )
            yield Finding(
                code=self.code,
                node=event.target,
                message=(
                    f"{subject} keeps nn.Parameters in a plain {kind}, so they are not registered: they are "
                    f"missing from parameters() and state_dict(), and .to() does not move them; "
                    f"use nn.{container}(...)"
                ),
                fix=fix,
                no_fix_reason=reason,
            )
        else:
            yield self._tensors(event, subject, kind)

    def _tensors(self, event: AttributeAssignment, subject: str, kind: str) -> Finding:
        return Finding(
            code=self.code,
            node=event.target,
            message=(
                f"{subject} keeps tensors in a plain {kind}, so they are not registered: they are left out of "
                f"state_dict() and not moved by .to(); stack them into one tensor registered with "
                f"self.register_buffer(...), or register each one"
            ),
            no_fix_reason=_NO_TENSOR_CONTAINER,
        )


RULE = TensorInPlainContainer()
