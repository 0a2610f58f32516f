"""TL001 unregistered-tensor-attribute

## What it does
Checks for tensors assigned to an attribute of an `nn.Module` in `__init__` (or in a method that `__init__`
calls) without being registered as a buffer.

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
or with `nn.Buffer`; classes that override `_apply`, `to` or `cuda` and so move their own tensors (as
`torchmetrics.Metric` does); tensors that require grad (TL002 reports those).

## Fix safety
No automatic fix yet.
"""

from __future__ import annotations

from torchlint.events import AttributeAssignment, Slot
from torchlint.rule import Finding, FindingIterator, Rule

REPORTED_SLOTS = (Slot.UNSET, Slot.PLAIN)


class UnregisteredTensor(Rule):
    code = "TL001"
    name = "unregistered-tensor-attribute"
    summary = "tensor assigned to a module attribute without registering it as a buffer"

    def on_attribute_assignment(self, event: AttributeAssignment) -> FindingIterator:
        value = event.value
        if not value.is_tensor or (value.requires_grad and value.leaf):
            return
        if event.slot_before not in REPORTED_SLOTS or event.context.manages_own_tensors:
            return
        name = event.display_name if event.name is not None else "<computed name>"
        register = (
            f'self.register_buffer("{event.name}", ...)' if event.name is not None
            else f"self.register_buffer({event.display_name}, ...)"
        )
        yield Finding(
            code=self.code,
            node=event.target,
            message=(
                f"`self.{name}` holds a tensor that is not registered: it is left out of state_dict() "
                f"and not moved by .to(); register it with {register}"
            ),
        )


RULE = UnregisteredTensor()
