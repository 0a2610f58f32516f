"""Find the rules shipped in ``torchlint.rules``: every module there defines one ``RULE``."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Optional

from torchlint.contract.rule import Rule


def _checkout_rules() -> Optional[Path]:
    """``rules/__init__.py`` beside the ``torchlint/`` directory this module runs from, when that is a source
    checkout (its root holds ``pyproject.toml``); None for an installed torchlint."""
    root = Path(__file__).resolve().parents[2]
    init = root / "rules" / "__init__.py"
    return init if (root / "pyproject.toml").is_file() and init.is_file() else None


def rules_package() -> ModuleType:
    """``torchlint.rules``: from a source checkout, the ``rules/`` directory beside the ``torchlint/`` directory
    that runs, installed or not (an editable install of another checkout, or of an older state of this one,
    would otherwise pair this engine with that checkout's rules); else the installed package."""
    loaded = sys.modules.get("torchlint.rules")
    checkout = _checkout_rules()
    if loaded is not None or checkout is None:
        return loaded if loaded is not None else importlib.import_module("torchlint.rules")
    spec = importlib.util.spec_from_file_location(
        "torchlint.rules", checkout, submodule_search_locations=[str(checkout.parent)]
    )
    if spec is None or spec.loader is None:
        return importlib.import_module("torchlint.rules")
    package = importlib.util.module_from_spec(spec)
    sys.modules["torchlint.rules"] = package
    spec.loader.exec_module(package)
    import torchlint

    torchlint.rules = package  # type: ignore[attr-defined]  # as the import system does for subpackages
    return package


@functools.cache
def all_rules() -> tuple[Rule, ...]:
    package = rules_package()
    rules: list[Rule] = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if not isinstance(rule, Rule):
            raise RuntimeError(f"torchlint.rules.{info.name} does not define RULE")
        rules.append(rule)
    rules.sort(key=lambda rule: rule.code)
    codes = [rule.code for rule in rules]
    if len(set(codes)) != len(codes):
        raise RuntimeError(f"duplicate rule codes in torchlint.rules: {codes}")
    return tuple(rules)


def rule_by_code() -> dict[str, Rule]:
    return {rule.code: rule for rule in all_rules()}
