"""Rules that cannot take the whole document down: a rule whose handler raises reports the error and yields
nothing more for that event; the other rules' findings are still reported."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Callable

from torchlint.contract.rule import Rule

Report = Callable[[str, BaseException], None]  # (rule code, error)


class GuardedRule(Rule):
    def __init__(self, rule: Rule, report: Report) -> None:
        self.rule = rule
        self.report = report
        self.code, self.name, self.summary = rule.code, rule.name, rule.summary
        self.default_enabled, self.fixable = rule.default_enabled, rule.fixable

    def __getattr__(self, name: str) -> Any:
        handler = getattr(self.rule, name)  # AttributeError for events the rule does not subscribe to
        if not name.startswith("on_") or not callable(handler):
            return handler

        def guarded(event: object) -> Iterator[object]:
            try:
                yield from handler(event)
            except Exception as error:  # a bug in the rule: say so, keep the other rules going
                self.report(self.rule.code, error)

        return guarded


def guard(rules: Sequence[Rule], report: Report) -> list[Rule]:
    return [GuardedRule(rule, report) for rule in rules]
