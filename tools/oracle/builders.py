"""What to build for a package: its no-argument module classes, its own factories (hooks), transformers' configs.

A *task* is what one worker call handles: ``discover`` (list the package's modules, candidate classes and hook
names), ``module`` (build every no-argument ``nn.Module`` subclass defined in one module), ``hook`` (one of
:mod:`oracle.hooks`' factories) or ``transformers`` (one model type, :mod:`oracle.hf`). Each build is a *spec*:
a name and the attempts tried in order until one succeeds (meta device first, then CPU).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable

from oracle import hooks
from oracle.sandbox import short_error

SKIPPED_PARTS = frozenset({"tests", "test", "testing", "conftest", "__main__", "setup", "benchmarks", "examples"})


@dataclass(frozen=True)
class Task:
    package: str
    kind: str  # "discover", "module", "hook", "transformers"
    target: str  # module name, hook name or model type ("" for discover)


@dataclass
class Attempt:
    label: str
    device: str  # "meta" or "cpu"
    factory: Callable[[], Any]


@dataclass
class Spec:
    name: str
    attempts: list[Attempt] = field(default_factory=list)
    error: str = ""  # set when nothing can be attempted (e.g. the class does not import)


def meta_then_cpu(factory: Callable[[], Any]) -> list[Attempt]:
    return [Attempt("meta", "meta", factory), Attempt("cpu", "cpu", factory)]


def package_modules(package: str) -> tuple[list[str], dict[str, str]]:
    """Importable module names of ``package`` (tests and scripts left out) and the import errors of the rest."""
    root = importlib.import_module(package)
    names = [package]
    if hasattr(root, "__path__"):
        for info in pkgutil.walk_packages(root.__path__, package + ".", onerror=lambda name: None):
            parts = info.name.split(".")
            if any(part in SKIPPED_PARTS or part.startswith("test_") for part in parts):
                continue
            names.append(info.name)
    imported, errors = [], {}
    for name in names:
        try:
            importlib.import_module(name)
        except BaseException as error:  # noqa: BLE001 - SystemExit from scripts too
            errors[name] = short_error(error)
            continue
        imported.append(name)
    return imported, errors


def no_argument_classes(module_name: str) -> tuple[list[str], list[str]]:
    """``nn.Module`` subclasses defined in the module: those constructible with no arguments, and the others."""
    import torch

    module = importlib.import_module(module_name)
    ready, needy = [], []
    for name, value in sorted(vars(module).items()):
        if not (isinstance(value, type) and issubclass(value, torch.nn.Module)) or value.__module__ != module_name:
            continue
        if inspect.isabstract(value) or name.startswith("_"):
            continue
        (ready if _constructible(value) else needy).append(name)
    return ready, needy


def _constructible(cls: type) -> bool:
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        return True
    try:
        signature.bind()
    except TypeError:
        return False
    return True


def discover(package: str) -> dict[str, Any]:
    try:
        modules, errors = package_modules(package)
    except BaseException as error:  # noqa: BLE001 - the package itself does not import
        return {"error": f"import {package}: {short_error(error)}"}
    candidates: dict[str, list[str]] = {}
    needs_arguments = 0
    for name in modules:
        try:
            ready, needy = no_argument_classes(name)
        except BaseException as error:  # noqa: BLE001
            errors[name] = short_error(error)
            continue
        needs_arguments += len(needy)
        if ready:
            candidates[name] = ready
    return {
        "modules": len(modules), "import_errors": errors, "candidates": candidates,
        "needs_arguments": needs_arguments, "hooks": hooks.names(package),
    }


def specs(task: Task, heads: int) -> list[Spec]:
    if task.kind == "module":
        module = importlib.import_module(task.target)
        ready, _ = no_argument_classes(task.target)
        return [Spec(f"{task.target}.{name}", meta_then_cpu(getattr(module, name))) for name in ready]
    if task.kind == "hook":
        return [Spec(f"hook:{task.target}", meta_then_cpu(hooks.factory(task.package, task.target)))]
    if task.kind == "transformers":
        from oracle import hf

        return hf.specs(task.target, heads)
    raise ValueError(f"unknown task kind {task.kind!r}")
