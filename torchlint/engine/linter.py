"""Lint one file's text: parse once, analyse once, position and filter the findings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Callable, Optional

import libcst as cst
from libcst.metadata import CodeRange

from torchlint.analysis.project import Project
from torchlint.config.settings import DEFAULT, Settings
from torchlint.contract.diagnostics import SYNTAX_ERROR_CODE, Diagnostic
from torchlint.contract.rule import Finding, Rule
from torchlint.engine.dispatch import analyse
from torchlint.engine.masked_pass import finds_nothing
from torchlint.engine.registry import all_rules
from torchlint.fix import text_edits
from torchlint.outline.outline import builds_modules_outside, parse_outline, resolve
from torchlint.source.lines import physical_lines
from torchlint.source.parsing import cpython_rejection, parse, python_tree
from torchlint.source.positions import node_positions
from torchlint.suppression.noqa import Directive, Suppressions, comments_with_lines, may_have_directives


def may_have_findings(text: str) -> bool:
    """Every rule needs an nn.Module class, and a module class needs torch named in its file."""
    return "torch" in text


def _listens_for_suppressions(rules: Sequence[Rule]) -> list[Rule]:
    return [rule for rule in rules if hasattr(rule, "on_unused_suppression")]


def without_analysis(
    text: str, path: str, rules: Sequence[Rule], settings: Settings = DEFAULT, project: Optional[Project] = None
) -> Optional[list[Diagnostic]]:
    """The diagnostics of a file that needs no analysis (none, or its syntax error), or None when it needs
    one. Decided from the file's outline (Python's own parser, several times faster than LibCST): every rule
    needs a module class in the file, except the report of unused suppressions."""
    if not may_have_findings(text):
        return [] if python_tree(text) is not None else _unparsable(text, path)
    return None if _needs_analysis(text, path, rules, settings, project) else []


def _unparsable(text: str, path: str) -> list[Diagnostic]:
    """A file Python rejects is reported as unparsable unless LibCST parses it (newer syntax than the Python
    torchlint runs on)."""
    try:
        parse(text)
    except cst.ParserSyntaxError as error:
        return [syntax_error(path, error, text)]
    return []


def _never(qualified: str) -> bool:
    return False


def _needs_analysis(
    text: str, path: str, rules: Sequence[Rule], settings: Settings, project: Optional[Project]
) -> bool:
    """A file Python cannot parse is analysed, so that LibCST reports its syntax error."""
    if _listens_for_suppressions(rules) and _may_have_suppressions(text):
        return True
    external: Callable[[str], bool] = _never
    if project is not None:
        found = project.outline(path, text)
        external = project.module_predicate(path)
    else:
        found = parse_outline(text)
        if found is not None:
            resolve(found, settings.extend_module_bases, external)
    if found is None or found.has_module_class:
        return True
    return builds_modules_outside(found, settings.extend_module_bases, external)


def syntax_error(path: str, error: cst.ParserSyntaxError, text: str) -> Diagnostic:
    """The diagnostic for a file that cannot be parsed; it says when CPython accepts what LibCST rejects."""
    message = str(error.message).splitlines()[0] if error.message else "invalid syntax"
    line, column = error.raw_line, error.raw_column + 1
    rejection = cpython_rejection(text, path)
    if isinstance(rejection, SyntaxError) and rejection.msg and rejection.lineno:
        # Python's own words and position ("Missing parentheses in call to 'print'..."), not LibCST's tokens
        line, column = rejection.lineno, max(1, rejection.offset or 1)
        text = f"SyntaxError: {rejection.msg}"
    elif rejection is not None:
        text = f"SyntaxError: {message}"
    else:
        text = f"cannot be parsed by LibCST, although Python accepts it (unsupported syntax?): {message}"
    return Diagnostic(path, line, column, SYNTAX_ERROR_CODE, text, line, column)


PositionFinder = Callable[[cst.Module, Sequence[cst.CSTNode], bool], Mapping[cst.CSTNode, CodeRange]]


def position_findings(
    module: cst.Module,
    path: str,
    findings: Sequence[Finding],
    positions: Optional[Mapping[cst.CSTNode, CodeRange]] = None,
) -> list[Diagnostic]:
    """Line/column for each finding. Positions are computed only for files that have findings, because
    a LibCST position pass costs about as much as the parse itself."""
    if positions is None:
        positions = node_positions(module, [finding.node for finding in findings])
    diagnostics = []
    for finding in findings:
        where = positions[finding.node]
        diagnostics.append(
            Diagnostic(
                path=path,
                line=where.start.line,
                column=where.start.column + 1,
                code=finding.code,
                message=finding.message if finding.no_fix_reason is None
                else f"{finding.message} (no automatic fix: {finding.no_fix_reason})",
                end_line=where.end.line,
                end_column=where.end.column + 1,
                fix=finding.fix,
            )
        )
    return diagnostics


def suppress(diagnostics: list[Diagnostic], lines: Sequence[str]) -> list[Diagnostic]:
    """Drop diagnostics silenced by ``# noqa`` on their line or a file-level ``# flake8: noqa``."""
    return Suppressions.scan(lines).filter(diagnostics)


def _may_have_suppressions(text: str) -> bool:
    return may_have_directives(text) or "noqa" in text.lower()


def _unused_suppressions(
    listeners: Sequence[Rule], suppressions: Suppressions, rules: Sequence[Rule]
) -> list[tuple[Finding, Directive]]:
    """Findings of the rules that subscribe to ``on_unused_suppression``, for directives that suppressed
    nothing, with the directive each one is about."""
    known = [rule.code for rule in all_rules()] + [SYNTAX_ERROR_CODE]
    findings: list[tuple[Finding, Directive]] = []
    for event, directive in suppressions.unused([rule.code for rule in rules], known):
        for rule in listeners:
            reports = rule.on_unused_suppression(event)  # type: ignore[attr-defined]
            findings.extend((finding, directive) for finding in reports)
    return findings


def lint_module(
    module: cst.Module,
    text: str,
    path: str,
    rules: Sequence[Rule],
    settings: Settings = DEFAULT,
    project: Optional[Project] = None,
    noqa: bool = True,
    locate: PositionFinder = node_positions,
) -> list[Diagnostic]:
    """With ``noqa=False``, flake8's ``# noqa`` comments are not applied (flake8 applies them itself).
    ``locate`` finds the findings' positions (the language server's keeps what it found in unchanged regions)."""
    findings = analyse(module, rules, settings, project, path)
    listeners = _listens_for_suppressions(rules)
    if not findings and not (listeners and _may_have_suppressions(text)):
        return []
    need_comments = bool(listeners) or may_have_directives(text)
    positions = locate(module, [finding.node for finding in findings], need_comments)
    comments = comments_with_lines(positions) if need_comments else ()
    positioned = position_findings(module, path, findings, positions)
    # every # noqa matters only to rules that report unused ones; otherwise those on reported lines do
    wanted = None if listeners else {diagnostic.line for diagnostic in positioned}
    suppressions = Suppressions.scan(physical_lines(text), comments, noqa, wanted)
    diagnostics = suppressions.filter(positioned)
    if listeners:
        unused = _unused_suppressions(listeners, suppressions, rules)
        positioned = position_findings(module, path, [finding for finding, _ in unused], positions)
        for (_, directive), diagnostic in zip(unused, positioned):
            # a bare directive never hides the report about itself (one that names the code may)
            itself = directive if directive.codes is None else None
            if not suppressions.suppressed(diagnostic, besides=itself):
                diagnostics.append(diagnostic)
    if text_edits.enabled():
        diagnostics = [
            replace(d, edits=text_edits.render(module, text, d.fix)) if d.fix is not None else d for d in diagnostics
        ]
    return sorted(diagnostics, key=lambda diagnostic: diagnostic.sort_key)


def lint_text(
    text: str,
    path: str,
    rules: Sequence[Rule],
    settings: Settings = DEFAULT,
    project: Optional[Project] = None,
    noqa: bool = True,
) -> list[Diagnostic]:
    """All diagnostics of ``rules`` for the source ``text`` shown as ``path`` (with a ``project``, bases and
    helpers imported from other project files are resolved too)."""
    quick = without_analysis(text, path, rules, settings, project)
    if quick is not None:
        return quick
    if finds_nothing(text, path, rules, settings, project):
        return []
    try:
        module = parse(text)
    except cst.ParserSyntaxError as error:
        return [syntax_error(path, error, text)]
    return lint_module(module, text, path, rules, settings, project, noqa)
