"""Lint one file's text: parse once, analyse once, position and filter the findings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from torchlint.analysis import analyse
from torchlint.diagnostics import SYNTAX_ERROR_CODE, Diagnostic
from torchlint.noqa import file_is_skipped, line_suppression
from torchlint.parsing import cpython_rejection, parse
from torchlint.project import Project
from torchlint.rule import Finding, Rule
from torchlint.settings import DEFAULT, Settings


def may_have_findings(text: str) -> bool:
    """Every rule needs an nn.Module class, and a module class needs torch named in its file."""
    return "torch" in text


def syntax_error(path: str, error: cst.ParserSyntaxError, text: str) -> Diagnostic:
    """The diagnostic for a file that cannot be parsed; it says when CPython accepts what LibCST rejects."""
    message = str(error.message).splitlines()[0] if error.message else "invalid syntax"
    line, column = error.raw_line, error.raw_column + 1
    if cpython_rejection(text, path) is not None:
        text = f"SyntaxError: {message}"
    else:
        text = f"cannot be parsed by LibCST, although Python accepts it (unsupported syntax?): {message}"
    return Diagnostic(path, line, column, SYNTAX_ERROR_CODE, text, line, column)


def position_findings(module: cst.Module, path: str, findings: Sequence[Finding]) -> list[Diagnostic]:
    """Line/column for each finding. Positions are computed only for files that have findings, because
    LibCST's PositionProvider costs about twice the parse itself."""
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
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
    if file_is_skipped(lines):
        return []
    kept = []
    for diagnostic in diagnostics:
        line = lines[diagnostic.line - 1] if diagnostic.line <= len(lines) else ""
        suppression = line_suppression(line)
        if suppression is None or not suppression.suppresses(diagnostic.code):
            kept.append(diagnostic)
    return kept


def lint_module(
    module: cst.Module,
    text: str,
    path: str,
    rules: Sequence[Rule],
    settings: Settings = DEFAULT,
    project: Optional[Project] = None,
) -> list[Diagnostic]:
    findings = analyse(module, rules, settings, project, path)
    if not findings:
        return []
    diagnostics = suppress(position_findings(module, path, findings), text.splitlines())
    return sorted(diagnostics, key=lambda diagnostic: diagnostic.sort_key)


def lint_text(
    text: str, path: str, rules: Sequence[Rule], settings: Settings = DEFAULT, project: Optional[Project] = None
) -> list[Diagnostic]:
    """All diagnostics of ``rules`` for the source ``text`` shown as ``path`` (with a ``project``, bases and
    helpers imported from other project files are resolved too)."""
    if not may_have_findings(text):
        return []
    try:
        module = parse(text)
    except cst.ParserSyntaxError as error:
        return [syntax_error(path, error, text)]
    return lint_module(module, text, path, rules, settings, project)
