"""Lint one document's text as the command line lints a file, keeping what code actions need: the parsed
tree the diagnostics' fixes point into (their edits are rendered as text only when a code action asks)."""

from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from torchlint.contract.diagnostics import Diagnostic
from torchlint.engine.fix_loop import FixError, fix_text
from torchlint.engine.linter import lint_module, syntax_error, without_analysis
from torchlint.engine.masked_pass import finds_nothing
from torchlint.run.runner import Job
from torchlint.server.guarded_rules import guard
from torchlint.server.open_buffers import BufferProject
from torchlint.server.region_positions import RegionPositions
from torchlint.source.chunked_parsing import RegionTrees, parse_in_regions
from torchlint.source.deep_stack import call_with_deep_stack
from torchlint.source.parsing import keep_tree
from torchlint.source.python_regions import PythonRegionTrees


@dataclass
class LintResult:
    version: Optional[int]
    text: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    module: Optional[cst.Module] = None  # the tree the fixes point into (None: nothing to fix)
    errors: list[str] = field(default_factory=list)  # one line each, for the client's log
    sources: frozenset[str] = frozenset()  # the other files (absolute paths) the diagnostics were drawn from


# the trees of the regions of the texts linted in this process: an edit re-parses only the regions it changed
_REGIONS = RegionTrees()
_POSITIONS = RegionPositions(_REGIONS)
_PYTHON_REGIONS = PythonRegionTrees()


def _parse(text: str) -> cst.Module:
    return parse_in_regions(text, _REGIONS)


def _lint(text: str, path: str, job: Job, result: LintResult, masked: bool) -> None:
    keep_tree(text, _PYTHON_REGIONS.tree(text))  # what the outline and the masked pass read, region by region
    rules = guard(job.rules_for(path), lambda code, error: result.errors.append(
        f"{path}: rule {code} failed ({type(error).__name__}: {error}); the other rules' findings are shown"
    ))
    quick = without_analysis(text, path, rules, job.settings, job.project)
    if quick is not None:
        result.diagnostics = quick
        return
    if masked and finds_nothing(text, path, rules, job.settings, job.project, _parse):
        return  # the command line's masked first pass: a file without findings is done without a full parse
    try:
        module = _parse(text)
    except cst.ParserSyntaxError as error:
        result.diagnostics = [syntax_error(path, error, text)]
        return
    result.diagnostics = lint_module(module, text, path, rules, job.settings, job.project, locate=_POSITIONS)
    result.module = module


def lint_document(
    text: str, path: str, job: Job, version: Optional[int] = None, masked: bool = True
) -> LintResult:
    """The diagnostics of ``text`` (the buffer of ``path``); an error is reported, never raised. With
    ``masked=False`` the masked first pass is skipped (it only costs time on a file that has findings, e.g.
    one whose previous version had some); the diagnostics are the same either way."""
    result = LintResult(version, text)
    if isinstance(job.project, BufferProject):
        job.project.before_lint(path)
    try:
        with job.project.tracking() if job.project is not None else nullcontext(set()) as used:
            call_with_deep_stack(lambda: _lint(text, path, job, result, masked))
        result.sources = frozenset(used) - {os.path.abspath(path)}
    except RecursionError:
        result.errors.append(f"{path}: too deeply nested to analyse")
    except Exception as error:  # a bug in torchlint: name the file, keep the server alive
        result.errors.append(f"{path}: internal error: {type(error).__name__}: {error}")
    return result


def fix_all(text: str, path: str, job: Job) -> tuple[Optional[str], list[str]]:
    """What ``--fix`` would make of ``text`` (None: nothing to change), and the errors to log."""
    errors: list[str] = []
    rules = guard(job.rules_for(path), lambda code, error: errors.append(f"{path}: rule {code} failed: {error}"))
    if isinstance(job.project, BufferProject):
        job.project.before_lint(path)
    try:
        result = call_with_deep_stack(
            lambda: fix_text(text, path, rules, job.policy.allows, job.settings, job.project)
        )
    except FixError as error:
        return None, [*errors, f"{path}: {error}"]
    except Exception as error:
        return None, [*errors, f"{path}: internal error while fixing: {type(error).__name__}: {error}"]
    return (result.text if result.changed(text) else None), errors
