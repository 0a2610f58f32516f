"""Audit a live ``nn.Module`` tree for state that escapes registration, with the static rules' codes.

:func:`audit` walks the model and every submodule (each instance once, under the first path that reaches
it) and reads each instance ``__dict__``, where ``nn.Module`` leaves everything that it did not register:

- TL001: a plain tensor (not a Parameter): not in ``state_dict()``, not moved by ``.to()``. Not reported for
  classes that override ``_apply``, ``to`` or ``cuda`` (they move their own tensors), as in
  :mod:`torchlint.runtime.recording` and the static rule.
- TL002: a plain tensor that requires grad and is a leaf: it should be an ``nn.Parameter``.
- TL003: a plain ``list``, ``tuple`` or ``dict`` (nested ones too) holding a module that is not registered
  anywhere in the model. A container of aliases of registered modules is harmless and not reported.
- TL004: a plain container holding a plain tensor (even an alias of a registered buffer: ``.to()`` replaces
  buffers, so the alias goes stale) or a Parameter that is not registered anywhere in the model. Tensors
  alone are not reported for classes that move their own tensors (torchmetrics keeps list states so).

Modules found in such containers are walked too, under paths like ``blocks[0].attn``: what is wrong inside
them is reported as well. Paths are those of ``model.named_modules()``: ``""`` is the root, which
:attr:`RuntimeFinding.module_path` and the printed forms show as ``<root>``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Optional, Union

from torchlint.runtime.override_effects import moves_attribute
from torchlint.runtime.recording import Location, Recording, _manages_own_tensors, active_recordings

if TYPE_CHECKING:
    import torch

ROOT = "<root>"
_MAX_DEPTH = 8  # how deep nested plain containers are searched


@dataclass(frozen=True)
class RuntimeFinding:
    code: str  # TL001 .. TL004
    path: str  # qualified submodule path as in named_modules(); "" for the root
    attribute: str  # name in the instance __dict__
    cls: str  # "module.qualname" of the instance's class
    problem: str  # what is wrong and what to use instead, e.g. "is a plain tensor, not a registered buffer: ..."
    filename: Optional[str] = None  # where the attribute was assigned, when a recording saw it
    line: Optional[int] = None

    @property
    def module_path(self) -> str:
        """The submodule path, ``<root>`` for the model itself."""
        return self.path or ROOT

    @property
    def qualified_name(self) -> str:
        """``path.attribute``, as ``state_dict()`` would have named it."""
        return f"{self.path}.{self.attribute}" if self.path else self.attribute

    @property
    def message(self) -> str:
        """The whole message: "`qualified.name` (module.Class) <problem>"."""
        return f"`{self.qualified_name}` ({self.cls}) {self.problem}"

    @property
    def site(self) -> Optional[str]:
        """``file:line`` of the assignment, when known."""
        return None if self.filename is None or self.line is None else f"{self.filename}:{self.line}"

    def __str__(self) -> str:
        return f"{self.site or self.module_path}: {self.code} {self.message}"


@dataclass
class _Contents:
    """What a plain container holds that matters for TL003 and TL004."""

    modules: list[tuple[str, Any]]  # ("groups['a'][0]": attribute and indexes, module) registered nowhere
    plain_tensors: int = 0
    grad_leaves: int = 0  # plain tensors that require grad and are leaves
    loose_parameters: int = 0  # Parameters not registered in the model

    @property
    def tensors(self) -> int:
        return self.plain_tensors + self.loose_parameters


def _count(count: int, word: str) -> str:
    """``1 module that is not`` / ``2 modules that are not``."""
    return f"{count} {word} that is not" if count == 1 else f"{count} {word}s that are not"


def display_path(filename: str) -> str:
    """``filename`` relative to the current directory when it is under it (as the static command prints)."""
    absolute = os.path.abspath(filename)
    cwd = os.getcwd()
    if absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, cwd)
    return filename


def _it(count: int) -> str:
    return "it" if count == 1 else "them"


def _its(count: int) -> str:
    return "its" if count == 1 else "their"


def _class_name(instance: object) -> str:
    cls = type(instance)
    return f"{cls.__module__}.{cls.__qualname__}"


class _Auditor:
    def __init__(self, model: torch.nn.Module, recordings: Sequence[Recording]) -> None:
        import torch

        self.torch = torch
        self.recordings = recordings
        self.registered_modules = {id(module) for module in model.modules()}
        self.registered_parameters = {id(parameter) for parameter in model.parameters()}
        self.internal = frozenset(vars(torch.nn.Module()))  # _parameters, _buffers, _modules, hooks, training
        self.seen: set[int] = set()
        self.findings: list[RuntimeFinding] = []

    def location(self, instance: object, attribute: str) -> Optional[Location]:
        """Where the attribute was assigned on this instance or, for an instance that ``copy.deepcopy()`` made
        (which never calls ``__setattr__``), where every recorded instance of its class assigned it."""
        for recording in self.recordings:
            found = recording.location(instance, attribute)
            if found is not None:
                return found
        for recording in self.recordings:
            found = recording.class_location(type(instance), attribute)
            if found is not None:
                return found
        return None

    def report(self, code: str, path: str, module: Any, attribute: str, problem: str) -> None:
        location = self.location(module, attribute)
        self.findings.append(RuntimeFinding(
            code=code,
            path=path,
            attribute=attribute,
            cls=_class_name(module),
            problem=problem,
            filename=location.filename if location else None,
            line=location.line if location else None,
        ))

    def visit(self, path: str, module: Any) -> None:
        if id(module) in self.seen:
            return
        self.seen.add(id(module))
        escaped = self.check(path, module)
        for name, child in module._modules.items():
            if child is not None:
                self.visit(f"{path}.{name}" if path else name, child)
        for suffix, child in escaped:
            self.visit(f"{path}.{suffix}" if path else suffix, child)

    def check(self, path: str, module: Any) -> list[tuple[str, Any]]:
        """Report what one instance's ``__dict__`` holds; return the unregistered modules in its containers."""
        torch = self.torch
        self_managing = _manages_own_tensors(type(module), torch.nn.Module)
        escaped: list[tuple[str, Any]] = []
        for attribute, value in list(vars(module).items()):
            if attribute in self.internal:
                continue
            if isinstance(value, torch.Tensor) and not isinstance(value, torch.nn.Parameter):
                if value.requires_grad and value.is_leaf:
                    self.report("TL002", path, module, attribute, (
                        "is a tensor that requires grad but is not an nn.Parameter: it is missing "
                        "from parameters(), so no optimizer trains it; wrap it in nn.Parameter(...)"
                    ))
                elif not moves_attribute(type(module), attribute, torch.nn.Module):
                    self.report("TL001", path, module, attribute, (
                        "is a plain tensor, not a registered buffer: it is left out of state_dict() "
                        f'and not moved by .to(); register it with self.register_buffer("{attribute}", ...)'
                    ))
            elif isinstance(value, (list, tuple, dict)):
                contents = _Contents(modules=[])
                self.scan(value, attribute, contents, set(), 0)
                kind = type(value).__name__
                if contents.modules:
                    holder = "nn.ModuleDict" if isinstance(value, dict) else "nn.ModuleList"
                    self.report("TL003", path, module, attribute, (
                        f"is a plain {kind} holding {_count(len(contents.modules), 'module')} registered: "
                        f"{_its(len(contents.modules))} parameters are missing from parameters() and state_dict(), "
                        f"and .to()/.train() do not reach {_it(len(contents.modules))}; use {holder}(...)"
                    ))
                    escaped.extend(contents.modules)
                needs_grad = contents.loose_parameters or contents.grad_leaves
                if contents.tensors and (needs_grad or not self_managing):
                    holder = "nn.ParameterDict" if isinstance(value, dict) else "nn.ParameterList"
                    self.report("TL004", path, module, attribute, (
                        f"is a plain {kind} holding {_count(contents.tensors, 'tensor')} registered: "
                        "state_dict() (and parameters()) leave " + _it(contents.tensors) + " out, and .to() does "
                        f"not move {_it(contents.tensors)}; use {holder}(...) for parameters, register_buffer() "
                        "for the others"
                    ))
        return escaped

    def scan(self, value: Any, suffix: str, contents: _Contents, open_containers: set[int], depth: int) -> None:
        torch = self.torch
        if isinstance(value, torch.nn.Parameter):
            if id(value) not in self.registered_parameters:
                contents.loose_parameters += 1
        elif isinstance(value, torch.Tensor):
            contents.plain_tensors += 1
            if value.requires_grad and value.is_leaf:
                contents.grad_leaves += 1
        elif isinstance(value, torch.nn.Module):
            if id(value) not in self.registered_modules:
                contents.modules.append((suffix, value))
        elif isinstance(value, (list, tuple, dict)) and depth < _MAX_DEPTH and id(value) not in open_containers:
            open_containers.add(id(value))
            items: Iterator[tuple[Any, Any]] = iter(value.items()) if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                self.scan(item, f"{suffix}[{key!r}]", contents, open_containers, depth + 1)
            open_containers.discard(id(value))


def _is_code(entry: str) -> bool:
    return bool(re.fullmatch(r"TL[0-9]{0,3}", entry, re.IGNORECASE))


def filter_findings(findings: Iterable[RuntimeFinding], ignore: Iterable[str]) -> list[RuntimeFinding]:
    """Drop the findings that an ``ignore`` entry matches.

    An entry is a code or code prefix (``TL001``, ``TL00``, ``TL``), or an ``fnmatch`` pattern matched against
    the qualified attribute name (``encoder.layers.0.attn.mask``, ``*.inv_freq``, ``encoder.*``) and against
    the class-qualified one (``module.Class.attribute``, ``*Rotary*.inv_freq``).
    """
    entries = list(ignore)
    if isinstance(ignore, str):
        entries = [ignore]
    codes = tuple(entry.upper() for entry in entries if _is_code(entry))
    patterns = [entry for entry in entries if not _is_code(entry)]

    def ignored(finding: RuntimeFinding) -> bool:
        if codes and finding.code.startswith(codes):
            return True
        names = (finding.qualified_name, f"{finding.cls}.{finding.attribute}")
        return any(fnmatchcase(name, pattern) for pattern in patterns for name in names)

    return [finding for finding in findings if not ignored(finding)]


def audit(
    model: torch.nn.Module,
    *,
    recording: Union[Recording, Sequence[Recording], None] = None,
) -> list[RuntimeFinding]:
    """Findings for ``model`` and all its submodules, in the order ``named_modules()`` visits them.

    ``recording``: the recording(s) made while the model was built, for the source line of each finding. By
    default the recordings of every ``record()`` block open now are used, so that inside the block that
    built the model ``audit(model)`` finds the lines by itself; findings whose assignment no recording saw
    have ``filename`` and ``line`` ``None``.
    """
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"audit() needs a torch.nn.Module, got {type(model).__name__}")
    if recording is None:
        recordings: Sequence[Recording] = active_recordings()
    elif isinstance(recording, Recording):
        recordings = [recording]
    else:
        recordings = list(recording)
    auditor = _Auditor(model, recordings)
    auditor.visit("", model)
    return auditor.findings
