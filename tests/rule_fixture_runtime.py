"""Check rule fixtures (tests/rule_fixtures/) against what torch really does.

A fixture marks each line where a rule must report with ``# expect: TL005`` (several codes: ``TL001, TL006``).
Every ``nn.Module`` class a fixture defines is built with no arguments, then called on ``torch.ones(2, 4)``
when it (or a same-file base) defines ``forward``; an exception raised by a fixture line is a runtime error
site. The error rules (TL005-TL007) promise the exception in their message, so their findings must equal the
error sites, line by line, and each message must quote the exception exactly (``'...'`` in a message stands
for a type name that only the runtime knows, like ``'torch.FloatTensor'``).
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Optional

import torch

from torchlint.contract.diagnostics import Diagnostic
from torchlint.engine.linter import lint_text
from torchlint.engine.registry import all_rules

RULE_FIXTURES = Path(__file__).parent / "rule_fixtures"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)")
# the codes whose findings the fixtures list exhaustively
CHECKED_CODES = ("TL001", "TL002", "TL005", "TL006", "TL007", "TL008", "TL011")
ERROR_CODES = ("TL005", "TL006", "TL007")
UNKNOWN_TYPE = "'...'"


def fixture_paths(prefix: str) -> list[Path]:
    return sorted(RULE_FIXTURES.glob(f"{prefix}*.py"))


def expected(path: Path) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        match = EXPECT.search(line)
        if match:
            found |= {(number, code.strip()) for code in match.group(1).split(",")}
    return found


def diagnostics(path: Path, text: Optional[str] = None) -> list[Diagnostic]:
    rules = [rule for rule in all_rules() if rule.code in CHECKED_CODES]
    return lint_text(path.read_text("utf-8") if text is None else text, str(path), rules)


def static(path: Path) -> set[tuple[int, str]]:
    return {(d.line, d.code) for d in diagnostics(path)}


def import_fixture(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # inspect.getsource() finds classes through sys.modules
    spec.loader.exec_module(module)
    return module


def module_classes(module: ModuleType) -> list[type[torch.nn.Module]]:
    return [
        value for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, torch.nn.Module) and value.__module__ == module.__name__
    ]


def defines_forward(cls: type) -> bool:
    return any("forward" in vars(base) for base in cls.__mro__ if base.__module__ == cls.__module__)


@dataclass(frozen=True)
class ErrorSite:
    cls: str
    line: int
    text: str  # "AttributeError: cannot assign module before Module.__init__() call"


def run_class(cls: type[torch.nn.Module], path: Path) -> Optional[ErrorSite]:
    """Build ``cls`` (and call it when it has a forward); the error it raises, located in ``path``."""
    try:
        instance = cls()
        if defines_forward(cls):
            instance(torch.ones(2, 4))
    except Exception as error:  # noqa: BLE001 - every exception is a site
        frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == str(path)]
        assert frames, f"{cls.__name__} raised outside the fixture: {error!r}"
        return ErrorSite(cls.__name__, frames[-1].lineno or 0, f"{type(error).__name__}: {error}")
    return None


def error_sites(path: Path) -> list[ErrorSite]:
    module = import_fixture(path, f"rule_fixture_{path.stem}")
    return [site for cls in module_classes(module) if (site := run_class(cls, path)) is not None]


def check_error_agreement(path: Path, code: str, exception: str) -> None:
    """``code``'s findings on ``path`` are exactly the lines that raise, each quoting its exception."""
    sites = error_sites(path)
    messages: dict[int, list[str]] = {}
    for diagnostic in diagnostics(path):
        if diagnostic.code == code:
            messages.setdefault(diagnostic.line, []).append(diagnostic.message)
    raised = {site.line: site for site in sites}
    assert sorted(raised) == sorted(messages), (
        f"\nraise but not reported: {sorted(set(raised) - set(messages))}"
        f"\nreported but do not raise: {sorted(set(messages) - set(raised))}\n{sites}"
    )
    for site in sites:
        assert site.text.startswith(f"{exception}: "), site
        assert any(promises(message, site.text) for message in messages[site.line]), (
            f"{site.cls}: {site.text!r} is not what {messages[site.line]} promise"
        )


def promises(message: str, error_text: str) -> bool:
    """Whether ``message`` quotes ``error_text`` exactly, or with ``'...'`` for the type name of a TypeError."""
    general = re.sub(r"^TypeError: cannot assign '[^']+'", f"TypeError: cannot assign {UNKNOWN_TYPE}", error_text)
    return error_text in message or general in message
