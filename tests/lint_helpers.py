"""Small helpers for tests that lint source strings."""

from __future__ import annotations

import textwrap

from torchlint.engine.linter import lint_text
from torchlint.engine.registry import all_rules


def findings(source: str, path: str = "t.py") -> list[tuple[int, int, str]]:
    """(line, column, code) of every default-rule diagnostic on the dedented ``source``."""
    rules = [rule for rule in all_rules() if rule.default_enabled]
    return [(d.line, d.column, d.code) for d in lint_text(textwrap.dedent(source), path, rules)]


def codes(source: str) -> list[str]:
    return [code for _, _, code in findings(source)]
