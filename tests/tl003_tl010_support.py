"""Helpers for the TL003, TL004, TL009 and TL010 tests: expected lines, static findings per attribute, fixed
copies of fixtures, and which class of a fixture a line belongs to.

Fixture lines a rule must report end with ``# expect: TL003`` (several codes: ``# expect: TL001, TL003``);
``# no-fix`` on such a line says the finding must come without a fix.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Optional

import torch

from torchlint.contract.diagnostics import Diagnostic
from torchlint.engine.fix_loop import fix_text
from torchlint.engine.linter import lint_text
from torchlint.engine.registry import rule_by_code

RULE_FIXTURES = Path(__file__).parent / "rule_fixtures"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)")
NO_FIX = re.compile(r"#.*\bno-fix\b")
ATTRIBUTE = re.compile(r"`self\.(\w+)`")


def fixture_paths(prefix: str) -> list[Path]:
    return sorted(RULE_FIXTURES.glob(f"{prefix}*.py"))


def marked_lines(path: Path, code: str, pattern: Optional[re.Pattern[str]] = None) -> set[int]:
    """Lines that expect ``code`` (and, when given, also match ``pattern``)."""
    lines: set[int] = set()
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        match = EXPECT.search(line)
        if match and code in {part.strip() for part in match.group(1).split(",")}:
            if pattern is None or pattern.search(line):
                lines.add(number)
    return lines


def diagnostics(path: Path, code: str, text: Optional[str] = None) -> list[Diagnostic]:
    source = path.read_text("utf-8") if text is None else text
    return [d for d in lint_text(source, str(path), [rule_by_code()[code]]) if d.code == code]


def static_lines(path: Path, code: str) -> set[int]:
    return {d.line for d in diagnostics(path, code)}


def attribute_of(diagnostic: Diagnostic) -> str:
    match = ATTRIBUTE.search(diagnostic.message)
    assert match, diagnostic.message
    return match.group(1)


def import_path(path: Path, name: str) -> ModuleType:
    sys.modules.pop(name, None)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # inspect.getsource needs it
    spec.loader.exec_module(module)
    return module


def module_source(body: str, imports: str = "import torch\nfrom torch import nn\n") -> str:
    """A file with one module class whose ``__init__`` runs ``body`` (statements separated by newlines)."""
    lines = "".join(f"        {line}\n" for line in body.splitlines())
    return f"{imports}\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n{lines}"


def module_classes(module: ModuleType) -> dict[str, type[torch.nn.Module]]:
    return {
        name: value for name, value in vars(module).items()
        if inspect.isclass(value) and issubclass(value, torch.nn.Module) and value.__module__ == module.__name__
    }


def class_lines(cls: type) -> range:
    lines, start = inspect.getsourcelines(cls)
    return range(start, start + len(lines))


def same_file_mro(cls: type) -> list[type]:
    return [base for base in cls.__mro__ if base.__module__ == cls.__module__]


def flagged_attributes(path: Path, code: str, module: ModuleType) -> dict[str, set[str]]:
    """For each fixture class, the attributes that ``code`` reports in it or in a same-file base class."""
    found = [(d.line, attribute_of(d)) for d in diagnostics(path, code)]
    result: dict[str, set[str]] = {}
    for name, cls in module_classes(module).items():
        spans = [class_lines(base) for base in same_file_mro(cls)]
        result[name] = {attribute for line, attribute in found if any(line in span for span in spans)}
    return result


@dataclass
class FixedFixture:
    before: ModuleType
    after: ModuleType
    text: str
    fixed: list[Diagnostic]  # diagnostics whose fix was applied, at their lines in the original file
    remaining: list[Diagnostic]


def fixed_fixture(path: Path, code: str, tmp_path: Path) -> FixedFixture:
    """Apply every fix of ``code`` to a copy of the fixture in ``tmp_path`` and import both versions."""
    text = path.read_text("utf-8")
    result = fix_text(text, str(path), [rule_by_code()[code]], allowed=lambda d: True)
    copy = tmp_path / f"fixed_{path.name}"
    copy.write_text(result.text, encoding="utf-8")
    before = import_path(path, f"before_{code}_{path.stem}")
    after = import_path(copy, f"after_{code}_{path.stem}")
    return FixedFixture(before, after, result.text, result.fixed, result.remaining)


def class_at(module: ModuleType, line: int) -> str:
    """The name of the fixture class whose source holds ``line`` (the innermost, for nested bases)."""
    names = [name for name, cls in module_classes(module).items() if line in class_lines(cls)]
    assert len(names) == 1, (line, names)
    return names[0]


def manages_own_tensors(cls: type) -> bool:
    module_type = torch.nn.Module
    return any(getattr(cls, name) is not getattr(module_type, name) for name in ("_apply", "to", "cuda"))


def plain_container_values(value: object) -> Optional[list[object]]:
    """The elements of a plain list/tuple (the values of a dict), or None for anything else."""
    if type(value) in (list, tuple):
        return list(value)  # type: ignore[call-overload]
    if type(value) is dict:
        return list(value.values())
    return None


def nested_values(value: object) -> list[object]:
    """What a plain container holds, looking into plain containers inside it; [] for anything else."""
    found: list[object] = []
    for element in plain_container_values(value) or ():
        inner = plain_container_values(element)
        found.extend([element] if inner is None else nested_values(element))
    return found
