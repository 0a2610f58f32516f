"""Find the rules shipped in ``torchlint.rules``: every module there defines one ``RULE``."""

from __future__ import annotations

import functools
import importlib
import pkgutil

from torchlint.rule import Rule


@functools.cache
def all_rules() -> tuple[Rule, ...]:
    package = importlib.import_module("torchlint.rules")
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
