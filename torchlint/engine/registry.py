"""Find the rules shipped in ``torchlint.rules``: every module there defines one ``RULE``."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
import sys
from pathlib import Path
from types import ModuleType

from torchlint.contract.rule import Rule


def rules_package() -> ModuleType:
    """``torchlint.rules``: installed from the top-level ``rules/`` directory, or, when torchlint runs from
    a source checkout without being installed, loaded from ``rules/`` beside the ``torchlint/`` directory."""
    try:
        return importlib.import_module("torchlint.rules")
    except ModuleNotFoundError as error:
        if error.name != "torchlint.rules":
            raise
        checkout = Path(__file__).resolve().parents[2] / "rules" / "__init__.py"
        spec = importlib.util.spec_from_file_location(
            "torchlint.rules", checkout, submodule_search_locations=[str(checkout.parent)]
        )
        if spec is None or spec.loader is None or not checkout.is_file():
            raise
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
