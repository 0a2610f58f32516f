"""Load fixture modules, build every nn.Module class they define, and record runtime sites."""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path
from types import ModuleType

import torch

from torchlint.runtime import Recording, record

FIXTURES = Path(__file__).parent / "fixtures"
KNOWN_MISS = re.compile(r"#\s*known-miss\b")


def fixture_paths() -> list[Path]:
    return sorted(path for path in FIXTURES.glob("*.py") if not path.name.startswith("_"))


def _module_classes(container: object, module_name: str, seen: set[type]) -> list[type]:
    found: list[type] = []
    for value in list(vars(container).values()):
        if not inspect.isclass(value) or value in seen or value.__module__ != module_name:
            continue
        seen.add(value)
        if issubclass(value, torch.nn.Module):
            found.append(value)
        found.extend(_module_classes(value, module_name, seen))
    return found


def load(path: Path, name_prefix: str = "torchlint_fixture") -> tuple[ModuleType, Recording, list[type]]:
    """Import the fixture at ``path`` and instantiate each module class with no arguments, recording."""
    name = f"{name_prefix}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    classes: list[type] = []
    with record() as recording:
        spec.loader.exec_module(module)
        classes = _module_classes(module, name, set())
        for cls in classes:
            cls()
        extra = getattr(module, "fixture_instances", None)
        if extra is not None:
            classes.extend(type(instance) for instance in extra())
    return module, recording, classes


def known_misses(path: Path) -> set[int]:
    lines = path.read_text("utf-8").splitlines()
    return {number for number, line in enumerate(lines, 1) if KNOWN_MISS.search(line)}
