"""TL005 registration-before-super-init

## What it does
Checks for parameters, submodules and buffers registered on an `nn.Module` before `nn.Module.__init__` has
run: assigning an `nn.Parameter`, a module or an `nn.Buffer` to `self.<name>`, or calling
`self.register_buffer`, `self.register_parameter`, `self.add_module` or `self.register_module`, in
`__init__` (or a method it calls) before `super().__init__()` / `nn.Module.__init__(self)`.

## Why is this bad?
`nn.Module.__init__` creates the dictionaries that hold parameters, buffers and submodules. Until it has
run, registering anything fails, so the class cannot be constructed at all:

- `self.w = nn.Parameter(...)` raises
  `AttributeError: cannot assign parameters before Module.__init__() call`;
- `self.layer = nn.Linear(...)` raises `AttributeError: cannot assign module before Module.__init__() call`;
- `self.b = nn.Buffer(...)` and `self.register_buffer(...)` raise
  `AttributeError: cannot assign buffer before Module.__init__() call`;
- `self.register_parameter(...)` raises
  `AttributeError: cannot assign parameter before Module.__init__() call`;
- `self.add_module(...)` and `self.register_module(...)` raise
  `AttributeError: 'MyModule' object has no attribute '_modules'`.

Plain attributes (numbers, strings, even plain tensors) may be set before `super().__init__()`; they are
not reported here.

Reported only when `nn.Module.__init__` has certainly not run on any path to the statement: a
`super().__init__()` call in only one branch is not enough to tell.

## Example
```python
class Block(nn.Module):
    def __init__(self, dim: int) -> None:
        self.proj = nn.Linear(dim, dim)
        super().__init__()
```

## Use instead
```python
class Block(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, dim)
```

## Fix safety
There is no automatic fix: moving `super().__init__()` up may change what the base class's `__init__`
sees (arguments computed in between, attributes it reads), so the reordering is left to you.
"""

from __future__ import annotations

from typing import Optional

from torchlint.analysis.events import AttributeAssignment, Context, Phase, RegistrationCall, SuperInit
from torchlint.analysis.values import Kind
from torchlint.contract.rule import Finding, FindingIterator, Rule

_ASSIGNMENT_ERRORS = {
    Kind.PARAMETER: ("an nn.Parameter", "cannot assign parameters before Module.__init__() call"),
    Kind.MODULE: ("a module", "cannot assign module before Module.__init__() call"),
    Kind.BUFFER: ("an nn.Buffer", "cannot assign buffer before Module.__init__() call"),
}
_REGISTRATION_ERRORS = {
    "register_buffer": "cannot assign buffer before Module.__init__() call",
    "register_parameter": "cannot assign parameter before Module.__init__() call",
}
_ADD_MODULE = ("add_module", "register_module")
_ADVICE = "call super().__init__() first"


def overrides(context: Context, *methods: str) -> bool:
    """The class (or a same-file base) defines one of ``methods``: torch's behaviour no longer applies."""
    return any(name in cls.methods for cls in context.class_order for name in methods)


def _add_module_error(event: RegistrationCall) -> Optional[str]:
    """What ``add_module`` raises before ``nn.Module.__init__``: it checks the value's type, then looks the name
    up in ``self._modules``, which does not exist yet, unless the name is free and malformed (a KeyError)."""
    if event.value.kind not in (Kind.MODULE, Kind.NONE, Kind.UNKNOWN):
        return None  # add_module raises TypeError("... is not a Module subclass") first
    if event.name is None or "." in event.name or not event.name:
        return None  # a KeyError for a malformed name may come first (TL006)
    return f"'{event.context.instance.name}' object has no attribute '_modules'"


class RegistrationBeforeSuperInit(Rule):
    code = "TL005"
    name = "registration-before-super-init"
    summary = "parameter, submodule or buffer registered before super().__init__() has run"

    def on_attribute_assignment(self, event: AttributeAssignment) -> FindingIterator:
        if event.super_init is not SuperInit.NO or event.phase is not Phase.INIT:
            return
        error = _ASSIGNMENT_ERRORS.get(event.value.kind)
        if error is None or overrides(event.context, "__setattr__"):
            return
        what, message = error
        subject = f"`self.{event.name}`" if event.name is not None else f"the attribute named by `{event.display_name}`"
        yield Finding(
            code=self.code,
            node=event.target,
            message=(
                f"{subject} is assigned {what} before super().__init__() has run, which raises "
                f"AttributeError: {message}; {_ADVICE}"
            ),
        )

    def on_registration_call(self, event: RegistrationCall) -> FindingIterator:
        if event.super_init is not SuperInit.NO or event.phase is not Phase.INIT:
            return
        if overrides(event.context, event.method):
            return
        if event.method in _ADD_MODULE:
            message = _add_module_error(event)
        else:
            message = _REGISTRATION_ERRORS[event.method]
        if message is None:
            return
        call = f'self.{event.method}("{event.name}", ...)' if event.name is not None else f"self.{event.method}(...)"
        yield Finding(
            code=self.code,
            node=event.call,
            message=(
                f"`{call}` is called before super().__init__() has run, which raises "
                f"AttributeError: {message}; {_ADVICE}"
            ),
        )


RULE = RegistrationBeforeSuperInit()
