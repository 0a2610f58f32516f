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
No automatic fix yet. Turning the tensor into a Parameter changes `parameters()` and `state_dict()`, so
such a fix will always be unsafe.
"""

from __future__ import annotations

from torchlint.events import AttributeAssignment, Slot
from torchlint.rule import Finding, FindingIterator, Rule

REPORTED_SLOTS = (Slot.UNSET, Slot.PLAIN)


class TensorShouldBeParameter(Rule):
    code = "TL002"
    name = "tensor-should-be-parameter"
    summary = "tensor that requires grad assigned to a module attribute instead of an nn.Parameter"

    def on_attribute_assignment(self, event: AttributeAssignment) -> FindingIterator:
        value = event.value
        if not (value.is_tensor and value.requires_grad and value.leaf):
            return
        if event.slot_before not in REPORTED_SLOTS:
            return
        name = event.display_name if event.name is not None else "<computed name>"
        yield Finding(
            code=self.code,
            node=event.target,
            message=(
                f"`self.{name}` is a tensor that requires grad but is not an nn.Parameter: it is missing "
                "from parameters(), so no optimizer trains it; wrap it in nn.Parameter(...)"
            ),
        )


RULE = TensorShouldBeParameter()
