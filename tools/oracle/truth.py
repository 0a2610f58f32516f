"""Runtime truth of one build: what each module attribute holds when construction ends.

A *positive* site is an assignment whose value, when the build ends, is still in the instance ``__dict__`` and is
a plain tensor (TL001; TL002 when it is a leaf that requires grad), or a plain list/tuple/dict holding modules
(TL003) or tensors/Parameters (TL004) registered nowhere in the model. A *neutral* site counts for neither side:
its value was replaced later, it only aliases registered state, or its class's own ``_apply`` really moves its
tensors (torchmetrics ``Metric`` style; checked by calling it), or the ``_apply`` of a module that holds it
does (ultralytics' ``BaseModel._apply`` moves its detection head's ``stride``; checked by calling the root's).
Sites are located where ``torchlint.runtime.Recording.location`` says (the first assignment of the present
kind, the line the static rules report), falling back to the :class:`oracle.history.History` log.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from oracle.history import CONTAINER, TENSOR, Assignment, History

POSITIVE, NEUTRAL = "positive", "neutral"
_MAX_DEPTH = 8
_MISSING = object()
_OVERRIDABLE = ("_apply", "to", "cuda")


@dataclass(frozen=True)
class Fact:
    code: str
    filename: str  # "" when no recording or log saw the assignment
    line: int
    cls: str  # module.qualname of the instance's class
    attribute: str
    verdict: str  # POSITIVE or NEUTRAL
    reason: str = ""  # why neutral, or a note on a positive
    flags: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["flags"] = list(self.flags)
        return data


@dataclass
class _Contents:
    modules: list[tuple[str, Any]] = field(default_factory=list)  # registered nowhere
    module_aliases: int = 0
    tensors: int = 0  # plain tensors that alias nothing registered, and loose Parameters
    tensor_aliases: int = 0


def class_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class Collector:
    """Walk a built model (and every other instance the build created) and turn its state into facts."""

    def __init__(self, package: str, recording: Any, history: History) -> None:
        import torch

        self.torch = torch
        self.package = package
        self.recording = recording
        self.history = history
        self.internal = frozenset(vars(torch.nn.Module()))
        self.facts: list[Fact] = []
        self.seen: set[int] = set()
        self.deferred: dict[int, tuple[Any, list[tuple[str, Any, Fact, list[Any]]]]] = {}
        self.roots: list[Any] = []
        self.plain: list[tuple[Any, str, Any, Fact]] = []  # positive sites not decided by their own class's override
        self.log: dict[tuple[int, str], list[Assignment]] = {}
        for entry in history.assignments:
            self.log.setdefault((id(entry.instance), entry.attribute), []).append(entry)

    # -- entry point --------------------------------------------------------------------------------------
    def collect(self, model: Any) -> list[Fact]:
        self.walk_root(model)
        instances = list(self.history.instances.values())
        children = {id(child) for instance in instances for child in instance.modules() if child is not instance}
        for instance in instances:
            if id(instance) not in self.seen and id(instance) not in children:
                self.walk_root(instance)
        self.replaced_sites()  # before the moving checks, which replace the values they move
        self.check_self_moving()
        self.check_moved_by_holders()
        return self.facts

    def walk_root(self, root: Any) -> None:
        self.roots.append(root)
        self.registered_modules = {id(module) for module in root.modules()}
        self.registered_tensors = {id(t) for t in root.parameters()} | {id(t) for t in root.buffers()}
        self.visit(root)

    def visit(self, module: Any) -> None:
        if id(module) in self.seen:
            return
        self.seen.add(id(module))
        escaped = self.check(module)
        for child in module._modules.values():
            if child is not None:
                self.visit(child)
        for child in escaped:
            self.visit(child)

    # -- one instance ---------------------------------------------------------------------------------------
    def check(self, module: Any) -> list[Any]:
        torch = self.torch
        escaped: list[Any] = []
        overrides = self.overrides(type(module))
        for attribute, value in list(vars(module).items()):
            if attribute in self.internal:
                continue
            if isinstance(value, torch.Tensor) and not isinstance(value, torch.nn.Parameter):
                code = "TL002" if value.requires_grad and value.is_leaf else "TL001"
                if id(value) in self.registered_tensors:
                    self.add(code, module, attribute, value, NEUTRAL, "alias of registered state")
                elif code == "TL001" and overrides:
                    fact = self.add(code, module, attribute, value, POSITIVE, "", (f"overrides:{','.join(overrides)}",))
                    self.deferred.setdefault(id(module), (module, []))[1].append(
                        (attribute, value, fact, _held_tensors(value, torch)))
                else:
                    self.plain.append((module, attribute, value, self.add(code, module, attribute, value, POSITIVE)))
            elif isinstance(value, (list, tuple, dict)):
                contents = _Contents()
                self.scan(value, "", contents, set(), 0)
                if contents.modules:
                    self.add("TL003", module, attribute, value, POSITIVE)
                    escaped.extend(child for _, child in contents.modules)
                elif contents.module_aliases:
                    self.add("TL003", module, attribute, value, NEUTRAL, "alias of registered modules")
                if contents.tensors:
                    if overrides:  # decided by running the override, as for a plain tensor (check_self_moving)
                        fact = self.add("TL004", module, attribute, value, POSITIVE, "",
                                        (f"overrides:{','.join(overrides)}",))
                        self.deferred.setdefault(id(module), (module, []))[1].append(
                            (attribute, value, fact, _held_tensors(value, torch)))
                    else:
                        self.plain.append(
                            (module, attribute, value, self.add("TL004", module, attribute, value, POSITIVE)))
                elif contents.tensor_aliases:
                    self.add("TL004", module, attribute, value, NEUTRAL, "alias of registered tensors")
        return escaped

    def scan(self, value: Any, suffix: str, contents: _Contents, open_ids: set[int], depth: int) -> None:
        torch = self.torch
        if isinstance(value, torch.Tensor):
            if id(value) in self.registered_tensors:
                contents.tensor_aliases += 1
            else:
                contents.tensors += 1
        elif isinstance(value, torch.nn.Module):
            if id(value) in self.registered_modules:
                contents.module_aliases += 1
            else:
                contents.modules.append((suffix, value))
        elif isinstance(value, (list, tuple, dict)) and depth < _MAX_DEPTH and id(value) not in open_ids:
            open_ids.add(id(value))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                self.scan(item, f"{suffix}[{key!r}]", contents, open_ids, depth + 1)
            open_ids.discard(id(value))

    # -- facts ----------------------------------------------------------------------------------------------
    def overrides(self, cls: type) -> tuple[str, ...]:
        module_type = self.torch.nn.Module
        return tuple(name for name in _OVERRIDABLE if getattr(cls, name, None) is not getattr(module_type, name))

    def locate(self, module: Any, attribute: str, value: Any) -> tuple[str, int, Optional[Assignment]]:
        entries = self.log.get((id(module), attribute), [])
        location = self.recording.location(module, attribute)
        if location is not None:
            match = next((e for e in entries if (e.filename, e.line) == (location.filename, location.line)), None)
            return location.filename, location.line, match
        for entry in entries:
            if entry.value is value:
                return entry.filename, entry.line, entry
        return "", 0, None

    def add(self, code: str, module: Any, attribute: str, value: Any, verdict: str, reason: str = "",
            flags: tuple[str, ...] = ()) -> Fact:
        filename, line, entry = self.locate(module, attribute, value)
        notes = list(flags) + self.class_flags(type(module))
        if entry is not None:
            notes.append(f"function:{entry.function}")
            if not entry.on_self:
                notes.append("outside-instance")
            if entry.before_init:
                notes.append("before-init")
        elif not filename:
            notes.append("unlocated")
        fact = Fact(code, filename, line, class_name(type(module)), attribute, verdict, reason, tuple(notes))
        self.facts.append(fact)
        return fact

    def class_flags(self, cls: type) -> list[str]:
        """``foreign-base:X`` for each base between the class and nn.Module that another package defines."""
        flags = []
        for base in cls.__mro__[1:]:
            top = base.__module__.split(".")[0]
            if base is self.torch.nn.Module:
                break
            if top not in (self.package, "torch", "builtins", "typing", "abc"):
                flags.append(f"foreign-base:{class_name(base)}")
        return flags

    def check_self_moving(self) -> None:
        """For classes overriding _apply/to/cuda: does their own code really move the plain tensors?"""
        torch = self.torch
        for module, entries in self.deferred.values():
            overrides = self.overrides(type(module))
            how = "/".join(overrides)
            exercised = False
            try:
                if "_apply" in overrides:
                    module._apply(lambda t: t.clone())
                    exercised = True
                elif "to" in overrides:
                    module.to(torch.float16)
                    exercised = True
            except Exception:  # noqa: BLE001 - an override that cannot be exercised is left undecided
                exercised = False
            for attribute, old, fact, tensors in entries:  # the tensors held before the override ran
                floating = any(t.is_floating_point() for t in tensors)
                testable = exercised and ("_apply" in overrides or floating)
                now = module.__dict__.get(attribute, _MISSING)
                if not testable:
                    self.replace(fact, NEUTRAL, f"overrides {how}; whether it moves this tensor is not testable")
                elif now is not old or any(a is not b for a, b in zip(_held_tensors(now, torch), tensors)):
                    self.replace(fact, NEUTRAL, f"class moves its own tensors ({how})")
                else:
                    self.replace(fact, POSITIVE, f"base overrides {how} ({self.definer(type(module), overrides)}) "
                                                 "without moving it")

    def check_moved_by_holders(self) -> None:
        """Plain state of a module whose own class does not move it, but a module holding it overrides
        ``_apply`` and moves it there (``m.stride = fn(m.stride)``): neutral, found by calling the root's."""
        for root in self.roots:
            holders = sorted({
                self.definer(type(module), ("_apply",)) for module in root.modules()
                if "_apply" in self.overrides(type(module))
            } - {""})
            inside = {id(module) for module in root.modules()}
            entries = [entry for entry in self.plain if id(entry[0]) in inside and entry[3].verdict == POSITIVE]
            if not holders or not entries:
                continue
            try:
                root._apply(lambda t: t.clone())
            except Exception:  # noqa: BLE001 - an override that cannot be exercised leaves the sites as they are
                continue
            for module, attribute, old, fact in entries:
                now = module.__dict__.get(attribute, _MISSING)
                tensors = _held_tensors(old, self.torch)
                if now is not old or any(a is not b for a, b in zip(_held_tensors(now, self.torch), tensors)):
                    self.replace(fact, NEUTRAL, f"moved by the _apply of a module holding it ({', '.join(holders)})")

    @staticmethod
    def definer(cls: type, names: tuple[str, ...]) -> str:
        """The classes in the MRO that define the overridden methods."""
        owners = [class_name(base) for base in cls.__mro__ if any(name in vars(base) for name in names)]
        return ", ".join(owner for owner in owners if not owner.startswith("torch.nn.modules.module."))

    def replace(self, fact: Fact, verdict: str, reason: str) -> None:
        index = next(i for i, f in enumerate(self.facts) if f is fact)
        self.facts[index] = Fact(fact.code, fact.filename, fact.line, fact.cls, fact.attribute, verdict, reason,
                                 fact.flags)

    def replaced_sites(self) -> None:
        """Assignments whose value is gone (or that re-assigned the present kind): neutral at their lines."""
        located = {(f.filename, f.line, f.attribute) for f in self.facts}
        done: set[tuple[str, int, str]] = set()
        for entry in self.history.assignments:
            final = entry.instance.__dict__.get(entry.attribute, _MISSING)
            if final is entry.value and (entry.filename, entry.line, entry.attribute) in located:
                continue
            if entry.kind == TENSOR:
                codes = ("TL001", "TL002")
            else:
                assert entry.kind == CONTAINER
                contents = _Contents()
                self.registered_modules, self.registered_tensors = set(), set()
                self.scan(entry.value, "", contents, set(), 0)
                codes = (("TL003",) if contents.modules else ()) + (("TL004",) if contents.tensors else ())
            reason = "value replaced later" if final is not entry.value else "re-assigned (not the first of its kind)"
            for code in codes:
                key = (entry.filename, entry.line, code)
                if key in done:
                    continue
                done.add(key)
                self.facts.append(Fact(code, entry.filename, entry.line, class_name(type(entry.instance)),
                                       entry.attribute, NEUTRAL, reason))


def _held_tensors(value: Any, torch: Any) -> list[Any]:
    """The tensor itself, or the tensors a plain list/tuple/dict holds at its top level, before and after an
    override ran (a container moved in place keeps its identity but holds new tensors)."""
    if isinstance(value, torch.Tensor):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else []
    return [item for item in items if isinstance(item, torch.Tensor)]
