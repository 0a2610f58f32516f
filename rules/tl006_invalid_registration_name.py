"""TL006 invalid-registration-name

## What it does
Checks for `self.register_buffer`, `self.register_parameter`, `self.add_module` and `self.register_module`
calls whose literal name contains a `.`, is empty, or is already taken by another attribute of the module:
a plain attribute set earlier (`self.scale = ...`), a buffer/parameter/submodule of another kind, a method or
class attribute of the class, or an attribute of `nn.Module` itself (`training`, `forward`, `to`, ...).
Assigning an `nn.Parameter` or an `nn.Buffer` to a taken name is reported too, since that calls
`register_parameter` / `register_buffer` behind the scenes.

## Why is this bad?
The registration raises, so the module cannot be constructed:

- a dotted name: `KeyError: 'buffer name can\\'t contain "."'` (`parameter name ...`; `add_module` says
  `KeyError: 'module name can\\'t contain ".", got: a.b'`);
- an empty name: `KeyError: 'buffer name can\\'t be empty string ""'` (parameter and module alike);
- a taken name: `KeyError: "attribute 'scale' already exists"`.

A common way to get the last one is to assign the tensor to `self.scale` first and then try to "register"
that attribute with `self.register_buffer("scale", self.scale)`.

## Example
```python
class Norm(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.scale = torch.ones(dim)
        self.register_buffer("scale", self.scale)
```

## Use instead
```python
class Norm(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        scale = torch.ones(dim)
        self.register_buffer("scale", scale)
```

## Fix safety
When the name is taken by a plain attribute assigned earlier in the same method, the fix turns that
assignment into one to a local variable (named after the attribute, or a variant that no other name in the
method uses) and uses the local wherever the method read `self.<name>` up to the registration. The fix is
**safe**: the code raises today, and after the fix it registers exactly the value it meant to.

No fix is offered when the plain attribute was set in another method; when the registration may not run
whenever the assignment does (it sits in another block, a loop, or after a `return` that may skip it); when
a method call, a nested function or a use of `self` in between might observe the attribute; for dotted or
empty names (pick a new name yourself); or when a method, class attribute or `nn.Module` attribute holds
the name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import libcst as cst

from torchlint.analysis.events import AttributeAssignment, Context, RegistrationCall, Slot, SuperInit
from torchlint.analysis.method_graph import construction_methods, methods_named
from torchlint.analysis.values import Kind
from torchlint.contract.edits import Edit, Replace
from torchlint.contract.rule import Applicability, Finding, FindingIterator, Fix, Rule
from torchlint.outline.file_model import ClassInfo
from torchlint.source.statements import store_targets
from torchlint.source.syntax import first_parameter
from torchlint.torch_facts.module_attributes import module_has

_KINDS = {"register_buffer": "buffer", "register_parameter": "parameter", "add_module": "module",
          "register_module": "module"}
_SLOTS = {"register_buffer": Slot.BUFFER, "register_parameter": Slot.PARAMETER, "add_module": Slot.MODULE,
          "register_module": Slot.MODULE}
_REGISTRATION_METHODS = frozenset(_KINDS)
_SLOT_WORDS = {Slot.BUFFER: "a buffer", Slot.PARAMETER: "a parameter", Slot.MODULE: "a submodule"}
_PLAIN = (Slot.PLAIN, Slot.PLAIN_TENSOR)


def _key_error(text: str) -> str:
    """How the exception reads in a traceback: ``KeyError`` shows the repr of its argument."""
    return f"KeyError: {text!r}"


def _is_property(function: cst.FunctionDef) -> bool:
    for decorator in function.decorators:
        node = decorator.decorator
        if isinstance(node, cst.Name) and node.value in ("property", "cached_property"):
            return True
        if isinstance(node, cst.Attribute) and node.attr.value in ("setter", "getter", "cached_property"):
            return True
    return False


def overrides(context: Context, *methods: str) -> bool:
    return any(name in cls.methods for cls in context.class_order for name in methods)


def _holder(context: Context, name: str, slot: Slot, own: Optional[Slot], module_initialised: bool) -> Optional[str]:
    """Why ``hasattr(self, name)`` is true while ``name`` is not registered as ``own``: words for the
    message, or None when the name is free (or that cannot be known)."""
    if name.startswith("__") and not name.endswith("__"):
        return None  # self.__x is name-mangled; the string "__x" is another name
    if slot is own or slot is Slot.UNKNOWN:
        return None
    if slot in _PLAIN:
        if overrides(context, "__setattr__"):
            return None  # a custom __setattr__ may keep plain values out of the instance __dict__
        return f"`self.{name}` is already a plain attribute here"
    if slot in _SLOT_WORDS:
        return f"`self.{name}` is already {_SLOT_WORDS[slot]}"
    found = context.class_attribute(name)
    if isinstance(found, cst.FunctionDef):
        return None if _is_property(found) else f"the class has a method named `{name}`"
    if found is not None:
        return f"the class body assigns `{name}`"
    if module_has(name, module_initialised):
        return f"`{name}` is an attribute of every nn.Module"
    return None


# --- the fix: keep the earlier value in a local ---------------------------------------------------------


def _is_self_attribute(node: cst.CSTNode, self_name: str, name: str) -> bool:
    return (
        isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == self_name
        and node.attr.value == name
    )


def _origin_target(origin: cst.BaseSmallStatement, self_name: str, name: str) -> Optional[cst.Attribute]:
    """The ``self.<name>`` target of ``self.<name> = value`` / ``self.<name>: T = value``, else None."""
    if isinstance(origin, cst.Assign) and len(origin.targets) == 1:
        target = origin.targets[0].target
    elif isinstance(origin, cst.AnnAssign) and origin.value is not None:
        target = origin.target
    else:
        return None
    return target if isinstance(target, cst.Attribute) and _is_self_attribute(target, self_name, name) else None


def _sets_attribute_dynamically(call: cst.Call, self_name: str, name: str) -> bool:
    """``setattr(self, <name or unknown>, ...)`` / ``delattr(...)``."""
    if not (isinstance(call.func, cst.Name) and call.func.value in ("setattr", "delattr") and call.args):
        return False
    first = call.args[0].value
    if not (isinstance(first, cst.Name) and first.value == self_name):
        return False
    if len(call.args) < 2 or not isinstance(call.args[1].value, cst.SimpleString):
        return True
    return call.args[1].value.evaluated_value == name


class _Span(cst.CSTVisitor):
    """Walks one method in source order and checks what happens to ``self.<name>`` between the assignment
    that made it a plain attribute (``origin``) and the statement that registers it (``registration``)."""

    BEFORE, ORIGIN, BETWEEN, AFTER = range(4)

    def __init__(
        self, self_name: str, name: str, origin: cst.CSTNode, registration: cst.CSTNode, allowed_init: bool
    ) -> None:
        self.self_name = self_name
        self.name = name
        self.origin = origin
        self.registration = registration
        self.allowed_init = allowed_init  # super().__init__() between them runs no code of this file
        self.where = self.BEFORE
        self.loops = 0
        self.blocks: list[cst.CSTNode] = []  # the statement blocks around the node being visited
        self.origin_block: Optional[cst.CSTNode] = None
        self.reads: list[cst.Attribute] = []
        self.problem: Optional[str] = None
        self.stores: set[int] = set()

    def _fail(self, problem: str) -> None:
        if self.problem is None:
            self.problem = problem

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node is self.origin:
            if self.loops:
                self._fail("the earlier assignment is inside a loop")
            self.where = self.ORIGIN
            self.origin_block = self.blocks[-1] if self.blocks else None
        elif node is self.registration:
            if self.where is not self.BETWEEN:
                self._fail("the registration does not follow the earlier assignment in the same method")
            elif self.loops:
                self._fail("the registration is inside a loop")
            elif not self.blocks or self.blocks[-1] is not self.origin_block:
                self._fail("the registration is in another block than the earlier assignment, so it may not run")
        if isinstance(node, (cst.For, cst.While)):
            self.loops += 1
        if isinstance(node, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            self.blocks.append(node)
        for target in store_targets(node):
            if _is_self_attribute(target, self.self_name, self.name):
                self.stores.add(id(target))
                if node is not self.origin and node is not self.registration and self.where is not self.AFTER:
                    self._fail(f"`self.{self.name}` is assigned more than once before it is registered")
        if self.where in (self.BEFORE, self.AFTER):
            if isinstance(node, cst.Call) and _sets_attribute_dynamically(node, self.self_name, self.name):
                if self.where is self.BEFORE:
                    self._fail(f"`self.{self.name}` may be set with setattr() before it is registered")
            return True
        return self._visit_inside(node)

    def _visit_inside(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.Lambda, cst.FunctionDef, cst.ClassDef)):
            self._fail("a nested function between the assignment and the registration may read the attribute")
            return False
        if isinstance(node, (cst.Return, cst.Raise, cst.Break, cst.Continue)):
            self._fail("a return, raise, break or continue may skip the registration")
        if isinstance(node, cst.Call):
            self._check_call(node)
        if isinstance(node, cst.Attribute):
            if isinstance(node.value, cst.Name) and node.value.value == self.self_name:
                if node.attr.value == self.name and id(node) not in self.stores and self.where is self.BETWEEN:
                    self.reads.append(node)
                elif node.attr.value == self.name and self.where is self.ORIGIN and id(node) not in self.stores:
                    self._fail(f"the earlier assignment reads `self.{self.name}` itself")
                return False
            node.value.visit(self)
            return False
        if isinstance(node, cst.Name) and node.value == self.self_name:
            self._fail(f"`{self.self_name}` itself is used between the assignment and the registration")
        return True

    def _check_call(self, call: cst.Call) -> None:
        func = call.func
        if _sets_attribute_dynamically(call, self.self_name, self.name):
            self._fail(f"`self.{self.name}` may be set with setattr() before it is registered")
            return
        if not isinstance(func, cst.Attribute):
            return
        receiver = func.value
        method = func.attr.value
        if isinstance(receiver, cst.Name) and receiver.value == self.self_name:
            if method not in _REGISTRATION_METHODS:
                self._fail(f"`self.{method}()` runs between the assignment and the registration")
        elif isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) and receiver.func.value == "super":
            if method != "__init__" or not self.allowed_init:
                self._fail(f"`super().{method}()` runs between the assignment and the registration")

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, (cst.For, cst.While)):
            self.loops -= 1
        if isinstance(original_node, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            self.blocks.pop()
        if original_node is self.origin:
            self.where = self.BETWEEN
        elif original_node is self.registration and self.where is self.BETWEEN:
            self.where = self.AFTER


class _Names(cst.CSTVisitor):
    """Every identifier a function uses as a variable (not attribute names or keyword argument names)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False


def _free_local(function: cst.FunctionDef, name: str) -> str:
    finder = _Names()
    function.visit(finder)
    base = name.lstrip("_") or name
    if not base.isidentifier():
        base = name
    for candidate in (base, f"{base}_value", *(f"{base}_{index}" for index in range(1, 100))):
        if candidate not in finder.names:
            return candidate
    return f"{base}_local"


def _owner(classes: Sequence[ClassInfo], function: cst.FunctionDef) -> Optional[ClassInfo]:
    for cls in classes:
        if any(method is function for method in cls.methods.values()):
            return cls
    return None


def _init_runs_only_torch(context: Context, function: cst.FunctionDef) -> bool:
    """``super().__init__()`` in ``function`` reaches no ``__init__`` of this file."""
    owner = _owner(context.class_order, function)
    if owner is None:
        return False
    later = context.class_order[context.class_order.index(owner) + 1:]
    return all("__init__" not in cls.methods for cls in later)


class _Stores(cst.CSTVisitor):
    """Whether a method assigns or deletes ``self.<name>`` (or may, through setattr/delattr)."""

    def __init__(self, self_name: str, name: str) -> None:
        self.self_name = self_name
        self.name = name
        self.found = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if any(_is_self_attribute(target, self.self_name, self.name) for target in store_targets(node)):
            self.found = True
        if isinstance(node, cst.Call) and _sets_attribute_dynamically(node, self.self_name, self.name):
            self.found = True
        return not self.found


def _other_stores(context: Context, function: cst.FunctionDef, name: str) -> bool:
    """Another construction-time method assigns or deletes ``self.<name>`` (or may, through setattr)."""
    for method in methods_named(context.class_order, construction_methods(context.class_order)):
        self_name = first_parameter(method)
        if method is function or self_name is None:
            continue
        stores = _Stores(self_name, name)
        method.body.visit(stores)
        if stores.found:
            return True
    return False


def local_value_fix(
    context: Context,
    function: cst.FunctionDef,
    origin: Optional[cst.BaseSmallStatement],
    registration: cst.BaseSmallStatement,
    name: str,
) -> tuple[Optional[Fix], Optional[str]]:
    """Turn ``self.<name> = value`` (``origin``) into a local and read the local up to ``registration``."""
    self_name = first_parameter(function)
    if origin is None or self_name is None:
        return None, f"it is not known which statement made `self.{name}` a plain attribute"
    target = _origin_target(origin, self_name, name)
    if target is None:
        return None, f"the earlier assignment is not a single `self.{name} = ...`"
    span = _Span(self_name, name, origin, registration, _init_runs_only_torch(context, function))
    function.body.visit(span)
    if span.where is span.BEFORE:
        return None, f"`self.{name}` was set in another method"
    if span.problem is not None:
        return None, span.problem
    if span.where is not span.AFTER:
        return None, "the registration does not follow the earlier assignment in the same method"
    if _other_stores(context, function, name):
        return None, f"another method run by __init__ sets `self.{name}` too"
    local = _free_local(function, name)
    edits: list[Edit] = [Replace(target, cst.Name(local))]
    edits.extend(Replace(read, cst.Name(local)) for read in span.reads)
    return Fix(f"Keep `{name}` in a local variable until it is registered", Applicability.SAFE, tuple(edits)), None


# --- the rule ----------------------------------------------------------------------------------------------


def _registration_text(method: str, name: str) -> str:
    return f'`self.{method}("{name}", ...)`'


class InvalidRegistrationName(Rule):
    code = "TL006"
    name = "invalid-registration-name"
    summary = "buffer, parameter or submodule name that contains a dot, is empty or is already taken"
    fixable = True

    def on_registration_call(self, event: RegistrationCall) -> FindingIterator:
        name = event.name
        if name is None or overrides(event.context, event.method):
            return
        kind = _KINDS[event.method]
        if kind == "module":
            if event.value.kind not in (Kind.MODULE, Kind.NONE, Kind.UNKNOWN):
                return  # add_module raises TypeError("... is not a Module subclass") first
        elif event.super_init is not SuperInit.YES:
            return  # AttributeError (TL005) comes first, or we cannot tell which error comes first
        holder = _holder(
            event.context, name, event.slot_before, _SLOTS[event.method], event.super_init is SuperInit.YES
        )
        if event.super_init is not SuperInit.YES:
            holder = None  # add_module's hasattr() check reads self._modules: AttributeError (TL005)
        dot = f'{kind} name can\'t contain "."' + (f", got: {name}" if kind == "module" else "")
        taken = (holder is not None, _key_error(f"attribute '{name}' already exists"), holder or "")
        checks = [
            ("." in name, _key_error(dot),
             f'a {kind} name cannot contain "." (it separates submodules in state_dict() keys); '
             f'use "{name.replace(".", "_")}"'),
            (name == "", _key_error(f'{kind} name can\'t be empty string ""'), f"give the {kind} a name"),
        ]
        # register_buffer/register_parameter check the name's form first; add_module checks hasattr() first
        checks = [taken, *checks] if kind == "module" else [*checks, taken]
        found = next((check for check in checks if check[0]), None)
        if found is None:
            return
        _, error, explanation = found
        fix: Optional[Fix] = None
        reason: Optional[str] = None
        if found is taken:
            if event.slot_before in _PLAIN:
                explanation += "; compute the value in a local variable and register that"
                fix, reason = local_value_fix(event.context, event.function, event.origin, event.statement, name)
            else:
                explanation += "; choose another name"
                reason = "the name is taken by a method, a class attribute or a registered attribute"
        node = event.name_node if event.name_node is not None else event.call
        yield Finding(
            code=self.code,
            node=node,
            message=f"{_registration_text(event.method, name)} raises {error}: {explanation}",
            fix=fix,
            no_fix_reason=reason,
        )

    def on_attribute_assignment(self, event: AttributeAssignment) -> FindingIterator:
        name = event.name
        if name is None or event.super_init is not SuperInit.YES or overrides(event.context, "__setattr__"):
            return
        if event.value.kind is Kind.PARAMETER:
            # __setattr__ first drops a plain attribute, buffer or submodule of that name; only names that
            # live on the class are still found by hasattr() in register_parameter.
            if event.slot_before in (Slot.PARAMETER, Slot.UNKNOWN):
                return
            holder = _holder(event.context, name, Slot.UNSET, Slot.PARAMETER, module_initialised=False)
            what, method = "an nn.Parameter", "register_parameter"
        elif event.value.kind is Kind.BUFFER:
            if event.slot_before in (Slot.PARAMETER, Slot.MODULE):
                return  # a TypeError instead (TL007)
            holder = _holder(event.context, name, event.slot_before, Slot.BUFFER, module_initialised=True)
            what, method = "an nn.Buffer", "register_buffer"
        else:
            return
        if holder is None:
            return
        fix, reason = None, "the name is taken by a method, a class attribute or a registered attribute"
        plain = event.slot_before in _PLAIN and event.value.kind is Kind.BUFFER
        if plain:
            fix, reason = local_value_fix(event.context, event.function, event.origin, event.statement, name)
        advice = "compute the value in a local variable first" if plain else "choose another name"
        taken = _key_error(f"attribute '{name}' already exists")
        yield Finding(
            code=self.code,
            node=event.target,
            message=(
                f"assigning {what} to `self.{name}` calls {method}(), which raises "
                f"{taken}: {holder}; {advice}"
            ),
            fix=fix,
            no_fix_reason=reason,
        )


RULE = InvalidRegistrationName()
