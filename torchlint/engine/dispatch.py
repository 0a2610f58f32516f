"""Run every enabled rule over one parsed file in a single pass of the class analysis."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Callable

import libcst as cst

from torchlint.analysis.class_analysis import ClassAnalysis
from torchlint.analysis.events import EVENT_NAMES, AttributeAssignment
from torchlint.analysis.external_instances import instance_names
from torchlint.analysis.external_overrides import external_override_effect
from torchlint.analysis.external_tuple_returns import external_tensor_tuple_arity
from torchlint.analysis.outside_assignments import (
    ExternalNames,
    InstanceNames,
    may_set_attributes_outside,
    names_after_init,
    outside_assignments,
)
from torchlint.analysis.project import Project, locate
from torchlint.analysis.top_level import module_globals
from torchlint.analysis.values import ValueFact
from torchlint.config.settings import DEFAULT, Settings
from torchlint.contract.rule import Finding, Rule
from torchlint.outline.file_model import FileModel, build_file_model
from torchlint.outline.module_classes import resolve_bases

_ANALYSED = [0]  # module classes analysed by this process, for the run's summary


def classes_analysed() -> int:
    """How many module classes this process has analysed so far."""
    return _ANALYSED[0]


def recount(count: int) -> None:
    """Set the count back (the masked pass of a file that the whole-file pass then analyses again)."""
    _ANALYSED[0] = count


_EVENT_TYPES = {name: "".join(part.title() for part in name.split("_")) for name in EVENT_NAMES}


class _Dispatcher:
    """Hands each event to the rules that subscribe to it; keeps one finding per (code, node).

    A statement of a base class is analysed once for every class of the file that inherits it, and a fix
    edits it for all of them: a finding keeps its fix only when every analysis offers one (a subclass that
    assigns the name first, or assigns it a plain tensor later, withholds a fix that is right for the base).
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.handlers: dict[str, list[Callable[[object], object]]] = {}
        for name, type_name in _EVENT_TYPES.items():
            self.handlers[type_name] = [
                getattr(rule, f"on_{name}") for rule in rules if hasattr(rule, f"on_{name}")
            ]
        self.findings: dict[tuple[str, int], Finding] = {}

    def __call__(self, event: object) -> None:
        for handler in self.handlers.get(type(event).__name__, ()):
            for finding in handler(event):  # type: ignore[attr-defined]
                key = (finding.code, id(finding.node))
                kept = self.findings.get(key)
                if kept is None or (kept.fix is not None and finding.fix is None):
                    self.findings[key] = finding


def connect(model: FileModel, project: Project, path: str) -> None:
    """Let the file's analysis ask the project about names imported from other files."""
    roots = project.source_roots(path)
    model.path = os.path.abspath(path)
    model.external_is_module = lambda qualified: project.is_module_class(qualified, roots)
    model.external_returns_tensor = lambda qualified: project.function_returns_tensor(qualified, roots)
    model.external_tensor_tuple = lambda qualified: external_tensor_tuple_arity(project, qualified, roots)
    model.external_defines = lambda qualified, names: project.class_defines(qualified, roots, names)
    model.external_override_effect = lambda qualified: external_override_effect(project, qualified, roots)
    model.external_assigns = lambda qualified, name: project.class_assigning(qualified, roots, name)
    model.external_ancestors = lambda qualified: project.ancestors(qualified, roots)
    model.depends_on = project.depends_on


def analyse(
    module: cst.Module,
    rules: Sequence[Rule],
    settings: Settings = DEFAULT,
    project: Project | None = None,
    path: str | None = None,
    first: bool = False,
) -> list[Finding]:
    """Findings of ``rules`` on ``module``, in no particular order. With a ``project`` (and the file's
    ``path``), names imported from other project files are resolved too. With ``first``, the rules stop at
    the first finding (for a caller that only asks whether there is one: the rest, their fixes included,
    would be computed for nothing)."""
    package = locate(path).package if project is not None and path is not None else None
    model = build_file_model(module, package)
    if project is not None and path is not None:
        connect(model, project, path)
    resolve_bases(model, settings.extend_module_bases)
    module_classes: Mapping[str, object] = {info.name: info for info in model.classes if info.is_module}
    if not module_classes and not may_set_attributes_outside(model):
        return []
    events: list[object] = []
    _ANALYSED[0] += len(module_classes)
    facts = module_globals(model)
    built: dict[str, InstanceNames] = {}
    roots = project.source_roots(path) if project is not None and path is not None else ()
    external: ExternalNames = (
        (lambda qualified: instance_names(project, qualified, roots)) if project is not None else lambda q: None
    )
    for info in model.classes:
        if info.is_module:
            analysis = ClassAnalysis(model, info, facts, module_classes, events.append, settings)  # type: ignore[arg-type]
            analysis.run()
            names = names_after_init(info, analysis.after_init, external) if info.scope is model.module else None
            if names is not None:
                built[info.name] = names
    outside_assignments(model, facts, built, external, settings, events.append)
    dispatcher = _Dispatcher(rules)
    for event in _with_values_elsewhere(events):
        dispatcher(event)
        if first and dispatcher.findings:
            break
    return list(dispatcher.findings.values())


def _with_values_elsewhere(events: list[object]) -> list[object]:
    """Tell each assignment what the same statement assigns in the other classes' analyses."""
    seen: dict[int, list[ValueFact]] = {}
    for event in events:
        if isinstance(event, AttributeAssignment):
            seen.setdefault(id(event.target), []).append(event.value)
    return [
        replace(event, values_elsewhere=tuple(seen[id(event.target)]))
        if isinstance(event, AttributeAssignment) else event
        for event in events
    ]
