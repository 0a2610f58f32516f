"""TL003 module-in-plain-container

## What it does
Checks for `nn.Module` instances that `__init__` stores in a plain `list`, `tuple` or `dict` attribute: a
list or dict display, a comprehension, `list(...)`/`tuple(...)` of one, or an empty list or dict that
`append`, `extend`, `insert` or `d[key] = ...` fill later in `__init__`; also when the modules sit in a plain
container inside the plain container (`{"a": [nn.Linear(4, 4)]}`).

## Why is this bad?
`nn.Module.__setattr__` registers a submodule only when the attribute value *is* a module. Layers kept in
a plain container are invisible to the parent module:

- their parameters are missing from `parameters()` and `state_dict()`, so an optimizer built from
  `model.parameters()` never trains them (when they are the only layers, building it fails with
  "ValueError: optimizer got an empty parameter list") and checkpoints silently lack their weights;
- `model.to(device)`, `.cuda()` and `.half()` do not move or cast them, and `model.train()`/`model.eval()`
  do not switch their dropout and batch-norm mode.

## Example
```python
class MLP(nn.Module):
    def __init__(self, width: int, depth: int) -> None:
        super().__init__()
        self.layers = [nn.Linear(width, width) for _ in range(depth)]
```

## Use instead
```python
class MLP(nn.Module):
    def __init__(self, width: int, depth: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(width, width) for _ in range(depth)])
```
Use `nn.ModuleDict` for a dict with string keys.

Not reported: containers whose modules are registered some other way too (`layers = [...]` handed to
`nn.Sequential(*layers)`, a plain list later wrapped in `nn.ModuleList(self.layers)`), containers of
references to registered submodules (`[self.encoder, self.decoder]`), and containers of anything that is not
known to be a module (shapes, dtypes, names).

## Fix safety
The fix wraps the value in `nn.ModuleList(...)` (lists and tuples) or `nn.ModuleDict(...)` (dicts whose keys
are strings), spelled with the file's own alias for `torch.nn`. It is always **unsafe**: the layers join
`parameters()` and `state_dict()`, so optimizers start training them, checkpoints saved before the fix lack
their keys, and `.to()`/`.half()` now reach them.

No fix is offered when the result could fail: before `super().__init__()` has run, when an element may not be
a module (`nn.ModuleList` raises `TypeError`), when a dict key is not a plain string or is one that
`nn.ModuleDict` rejects (dotted, empty, or an attribute name such as `"train"`), when the code calls a method
the registered container lacks (`sort`, `index`, `get`, ...), when the attribute is assigned other plain
values elsewhere, or when a method or class attribute of the same name would hide the submodule.
"""

from __future__ import annotations

from torchlint.analysis.events import AttributeAssignment, Phase, Slot
from torchlint.analysis.registered_containers import no_fix_reason, wrap
from torchlint.analysis.value_sources import Sources, owned_kinds
from torchlint.analysis.values import Kind
from torchlint.contract.rule import Applicability, Finding, FindingIterator, Fix, Rule

REPORTED_SLOTS = (Slot.UNSET, Slot.PLAIN)
_KIND_NAMES = {Kind.LIST: "list", Kind.TUPLE: "tuple", Kind.DICT: "dict"}


class ModuleInPlainContainer(Rule):
    code = "TL003"
    name = "module-in-plain-container"
    summary = "nn.Module instances kept in a plain list, tuple or dict attribute, where they are not registered"
    fixable = True

    def on_attribute_assignment(self, event: AttributeAssignment) -> FindingIterator:
        if event.phase is not Phase.INIT or event.slot_before not in REPORTED_SLOTS:
            return
        if not event.value.is_container:
            return
        sources = Sources(event.context, event.function)
        source = sources.container(event)
        if source is None:
            return
        if Kind.MODULE not in owned_kinds(source.elements):
            return
        if sources.shared(event, source.chain):
            return
        kind = _KIND_NAMES[event.value.kind]
        container = "ModuleDict" if event.value.kind is Kind.DICT else "ModuleList"
        subject = f"`self.{event.name}`" if event.name is not None else f"the attribute named by `{event.display_name}`"
        reason = no_fix_reason(event, container, source.elements)
        fix = None
        if reason is None:
            fix = Fix(f"Wrap `{event.display_name}` in nn.{container}", Applicability.UNSAFE, wrap(event, container),
                      "the layers join parameters() and state_dict(), older checkpoints lack their keys, and "
                      ".to()/.half() now reach them")
        yield Finding(
            code=self.code,
            node=event.target,
            message=(
                f"{subject} keeps nn.Modules in a plain {kind}, so they are not registered: their parameters "
                f"are missing from parameters() and state_dict(), and .to() and .train()/.eval() do not reach "
                f"them; use nn.{container}(...)"
            ),
            fix=fix,
            no_fix_reason=reason,
        )


RULE = ModuleInPlainContainer()
