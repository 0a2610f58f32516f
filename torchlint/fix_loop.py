"""Fix a file's text until it is stable: analyse, apply the allowed non-overlapping fixes, re-parse, repeat."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Callable, Optional

import libcst as cst

from torchlint.diagnostics import Diagnostic
from torchlint.fixer import apply_fixes, non_overlapping
from torchlint.linter import lint_module, may_have_findings, parse, syntax_error
from torchlint.project import Project
from torchlint.rule import Rule
from torchlint.settings import DEFAULT, Settings

MAX_ROUNDS = 10


class FixError(Exception):
    """A fix produced code that does not parse: a bug in the named rules. The file must be left alone."""


@dataclass
class FixResult:
    text: str
    fixed: list[Diagnostic] = field(default_factory=list)  # the diagnostics whose fixes were applied
    remaining: list[Diagnostic] = field(default_factory=list)

    def changed(self, original: str) -> bool:
        return self.text != original


def _check_parses(text: str, path: str, codes: Sequence[str]) -> None:
    try:
        ast.parse(text, filename=path)
        cst.parse_module(text)
    except (SyntaxError, ValueError, cst.ParserSyntaxError) as error:
        raise FixError(
            f"fixing {', '.join(sorted(set(codes)))} would produce code that does not parse ({error}); "
            "file left unchanged, please report this"
        ) from None


def fix_text(
    text: str,
    path: str,
    rules: Sequence[Rule],
    allowed: Callable[[Diagnostic], bool],
    settings: Settings = DEFAULT,
    project: Optional[Project] = None,
) -> FixResult:
    """Apply every allowed fix to ``text``; the result lists what was fixed and what remains."""
    result = FixResult(text)
    if not may_have_findings(text):
        return result
    for _ in range(MAX_ROUNDS):
        try:
            module = parse(result.text)
        except cst.ParserSyntaxError as error:
            result.remaining = [syntax_error(path, error, result.text)]
            return result
        diagnostics = lint_module(module, result.text, path, rules, settings, project)
        fixable = [d for d in diagnostics if d.fix is not None and allowed(d)]
        chosen_fixes = non_overlapping([d.fix for d in fixable if d.fix is not None])
        if not chosen_fixes:
            result.remaining = diagnostics
            return result
        if module.code != result.text:  # LibCST itself would drop bytes (a known LibCST round-trip bug)
            raise FixError(
                "LibCST cannot reproduce this file byte for byte (it would drop a comment or blank line "
                "near the end), so it is not fixed; the findings still stand"
            )
        chosen = [d for d in fixable if any(d.fix is fix for fix in chosen_fixes)]
        new_text = apply_fixes(module, chosen_fixes).code
        if new_text == result.text:
            result.remaining = diagnostics
            return result
        _check_parses(new_text, path, [d.code for d in chosen])
        result.text = new_text
        result.fixed.extend(chosen)
    module = parse(result.text)
    result.remaining = lint_module(module, result.text, path, rules, settings, project)
    return result
