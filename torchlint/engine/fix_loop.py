"""Fix a file's text until it is stable: analyse, apply the allowed non-overlapping fixes, re-parse, repeat.

Every round is checked before it is kept: the fixed text must parse, and it must not have more findings of
any code than the text before it had. A fix that would bring a finding (a buffer registered under a name
``nn.Module`` already has raises ``KeyError`` where the plain attribute worked) is withdrawn: its finding
stays, with the reason, and the round is applied without it. Rules are meant never to offer such a fix;
the guard keeps a rule's mistake from reaching a user's file.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

import libcst as cst

from torchlint.analysis.project import Project
from torchlint.config.settings import DEFAULT, Settings
from torchlint.contract.diagnostics import Diagnostic
from torchlint.contract.rule import Fix, Rule
from torchlint.engine.linter import lint_module, parse, syntax_error, without_analysis
from torchlint.engine.masked_pass import finds_nothing
from torchlint.fix.fixer import apply_fixes, non_overlapping

MAX_ROUNDS = 10
Key = tuple[str, int, int]  # a diagnostic's code, line and column: which finding, within one text
UNUSED_SUPPRESSION_CODE = "TL100"  # a fix may leave a suppression comment with nothing left to suppress


class FixError(Exception):
    """A fix produced code that does not parse: a bug in the named rules. The file must be left alone."""

    def __init__(self, message: str, rounds: Sequence[FixRound] = ()) -> None:
        super().__init__(message)
        self.rounds = list(rounds)  # the rounds applied before the failing one


@dataclass
class FixRound:
    """One applied round: the text and tree it analysed with their diagnostics, the diagnostics whose fixes
    it applied, and the text that applying them produced."""

    before: str
    module: cst.Module
    diagnostics: list[Diagnostic]
    chosen: list[Diagnostic]
    after: str


@dataclass
class FixResult:
    text: str
    fixed: list[Diagnostic] = field(default_factory=list)  # the diagnostics whose fixes were applied
    remaining: list[Diagnostic] = field(default_factory=list)
    rounds: list[FixRound] = field(default_factory=list)
    withdrawn: list[Diagnostic] = field(default_factory=list)  # offered fixes that would bring findings, and why

    def changed(self, original: str) -> bool:
        return self.text != original


def _check_parses(text: str, path: str, codes: Sequence[str], rounds: Sequence[FixRound]) -> None:
    try:
        ast.parse(text, filename=path)
        parse(text)
    except (SyntaxError, ValueError, cst.ParserSyntaxError) as error:
        raise FixError(
            f"fixing {', '.join(sorted(set(codes)))} would produce code that does not parse ({error}); "
            "file left unchanged, please report this",
            rounds,
        ) from None


def _introduced(before: Sequence[Diagnostic], after: Sequence[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics of ``after`` whose code it has more of than ``before`` has."""
    counts = Counter(d.code for d in before)
    more = {
        code for code, count in Counter(d.code for d in after).items()
        if count > counts[code] and code != UNUSED_SUPPRESSION_CODE
    }
    return [d for d in after if d.code in more]


def _key(diagnostic: Diagnostic) -> Key:
    return diagnostic.code, diagnostic.line, diagnostic.column


class _FileLint:
    """Lints the successive texts of one file the same way, so each round compares like with like."""

    def __init__(self, path: str, rules: Sequence[Rule], settings: Settings, project: Optional[Project]) -> None:
        self.path, self.rules, self.settings, self.project = path, rules, settings, project

    def lint(self, module: cst.Module, text: str) -> list[Diagnostic]:
        return lint_module(module, text, self.path, self.rules, self.settings, self.project)

    def lint_text(self, text: str) -> list[Diagnostic]:
        return self.lint(parse(text), text)

    def harmful(self, module: cst.Module, before: Sequence[Diagnostic], chosen: Sequence[Diagnostic]) -> dict[Key, str]:
        """The chosen diagnostics whose fix, applied alone, brings a finding, with the reason; when none does
        alone, every chosen one (they bring it together)."""
        reasons: dict[Key, str] = {}
        for diagnostic in chosen:
            assert diagnostic.fix is not None
            alone = apply_fixes(module, [diagnostic.fix]).code
            try:
                new = _introduced(before, self.lint_text(alone))
            except cst.ParserSyntaxError:
                reasons[_key(diagnostic)] = "the fixed code would not parse"
                continue
            if new:
                message = new[0].message.split(" (no automatic fix:")[0]
                reasons[_key(diagnostic)] = f"the fixed code would bring {new[0].code}: {message}"
        if not reasons:
            reasons = {_key(d): "together with other fixes it would bring a new finding" for d in chosen}
        return reasons


def _without_fix(diagnostic: Diagnostic, reason: str) -> Diagnostic:
    return replace(diagnostic, fix=None, message=f"{diagnostic.message} (no automatic fix: {reason})")


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
    quick = without_analysis(text, path, rules, settings, project)
    if quick is not None:
        result.remaining = quick
        return result
    if finds_nothing(text, path, rules, settings, project):
        return result
    linter = _FileLint(path, rules, settings, project)
    try:
        module = parse(text)
    except cst.ParserSyntaxError as error:
        result.remaining = [syntax_error(path, error, text)]
        return result
    diagnostics = linter.lint(module, text)
    withdrawn: dict[Key, str] = {}  # for the current text
    for _ in range(MAX_ROUNDS):
        fixable = [d for d in diagnostics if d.fix is not None and allowed(d) and _key(d) not in withdrawn]
        chosen_fixes: list[Fix] = non_overlapping([d.fix for d in fixable if d.fix is not None])
        if not chosen_fixes:
            break
        if module.code != result.text:  # LibCST itself would drop bytes (a known LibCST round-trip bug)
            raise FixError(
                "LibCST cannot reproduce this file byte for byte (it would drop a comment or blank line "
                "near the end), so it is not fixed; the findings still stand",
                result.rounds,
            )
        chosen = [d for d in fixable if any(d.fix is fix for fix in chosen_fixes)]
        new_text = apply_fixes(module, chosen_fixes).code
        if new_text == result.text:
            break
        _check_parses(new_text, path, [d.code for d in chosen], result.rounds)
        new_module = parse(new_text)
        new_diagnostics = linter.lint(new_module, new_text)
        if _introduced(diagnostics, new_diagnostics):
            harmful = linter.harmful(module, diagnostics, chosen)
            withdrawn.update(harmful)
            for diagnostic in (d for d in chosen if _key(d) in harmful):
                taken_back = _without_fix(diagnostic, harmful[_key(diagnostic)])
                if all((d.code, d.message) != (taken_back.code, taken_back.message) for d in result.withdrawn):
                    result.withdrawn.append(taken_back)  # once, though judged again after each applied round
            continue  # the same round again, without them
        result.rounds.append(FixRound(result.text, module, diagnostics, chosen, new_text))
        result.fixed.extend(chosen)
        result.text, module, diagnostics = new_text, new_module, new_diagnostics
        withdrawn.clear()  # positions have moved; a fix withdrawn before is judged again on the new text
    result.remaining = [
        _without_fix(d, withdrawn[_key(d)]) if _key(d) in withdrawn else d for d in diagnostics
    ]
    return result
