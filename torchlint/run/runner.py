"""Check (and optionally fix) one file: the unit of work the command line runs for every path."""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Optional

from torchlint.analysis.project import Project
from torchlint.config.line_length import formatter_line_length
from torchlint.config.settings import DEFAULT, Settings
from torchlint.contract.diagnostics import Diagnostic
from torchlint.contract.rule import Applicability, Fix, Rule
from torchlint.engine.dispatch import classes_analysed
from torchlint.engine.fix_loop import FixError, fix_text
from torchlint.engine.linter import lint_text
from torchlint.run.cache import Cache
from torchlint.run.collector_settings import file_checked
from torchlint.run.notebook_cells import cell_diff, in_cells
from torchlint.source.decoding import SourceError, SourceText, decode, read_bytes
from torchlint.source.deep_stack import call_with_deep_stack
from torchlint.source.notebook import is_notebook, read_notebook
from torchlint.source.notebook_code import NotebookCode, notebook_code
from torchlint.source.writer import WriteError, write_atomically


@dataclass(frozen=True)
class FixPolicy:
    """Which fixes may be applied: safe ones, plus unsafe ones when asked; per-code promotions."""

    unsafe_fixes: bool = False
    extend_safe: frozenset[str] = frozenset()
    extend_unsafe: frozenset[str] = frozenset()

    def applicability(self, diagnostic: Diagnostic) -> Optional[Applicability]:
        if diagnostic.fix is None:
            return None
        if any(diagnostic.code.startswith(code) for code in self.extend_unsafe):
            return Applicability.UNSAFE
        if any(diagnostic.code.startswith(code) for code in self.extend_safe):
            return Applicability.SAFE
        return diagnostic.fix.applicability

    def allows(self, diagnostic: Diagnostic) -> bool:
        applicability = self.applicability(diagnostic)
        return applicability is Applicability.SAFE or (applicability is Applicability.UNSAFE and self.unsafe_fixes)


@dataclass(frozen=True)
class Job:
    rules: Sequence[Rule]
    settings: Settings = DEFAULT
    policy: FixPolicy = FixPolicy()
    fix: bool = False  # write fixed files (or, for stdin, print the fixed source)
    diff: bool = False  # compute the diff a fix would make, write nothing
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob, codes), globs relative to root
    root: str = "."
    project: Optional[Project] = None  # resolves names imported from other files of the project
    cache: Optional[Cache] = None  # lint results of unchanged files (never used for --fix / --diff)

    def ignored_codes(self, path: str) -> tuple[str, ...]:
        """Codes that ``per-file-ignores`` switches off for ``path``."""
        if not self.per_file_ignores:
            return ()
        absolute = os.path.abspath(path)
        relative = os.path.relpath(absolute, self.root).replace(os.sep, "/")
        name = os.path.basename(absolute)
        codes: list[str] = []
        for pattern, ignored in self.per_file_ignores:
            target = relative if "/" in pattern.strip("/") else name
            if fnmatchcase(target, pattern.strip("/")) or fnmatchcase(relative, pattern.strip("/")):
                codes.extend(code.upper() for code in ignored)
        return tuple(codes)

    def rules_for(self, path: str) -> Sequence[Rule]:
        ignored = self.ignored_codes(path)
        if not ignored:
            return self.rules
        if "ALL" in ignored:  # the same selector ``--select``/``--ignore`` accept (Ruff's meaning)
            return []
        return [rule for rule in self.rules if not rule.code.startswith(ignored)]


@dataclass
class Outcome:
    path: str  # as shown to users
    diagnostics: list[Diagnostic] = field(default_factory=list)  # what remains to report
    fixed: list[Diagnostic] = field(default_factory=list)
    diff: str = ""
    fixed_text: Optional[str] = None  # the new source, when it changed
    error: Optional[str] = None  # one line, when the file could not be checked or written
    classes: int = 0  # module classes analysed in the file

    @property
    def reports_anything(self) -> bool:
        return bool(self.diagnostics or self.fixed or self.diff or self.fixed_text is not None or self.error)

    def without_trees(self) -> Outcome:
        """The outcome with each fix's edits dropped: they hold nodes of the file's syntax tree, which would
        keep the whole tree alive as long as the outcome (every outcome lives until the run reports), and
        they are needed only while the fix is applied."""

        def strip(fix: Optional[Fix]) -> Optional[Fix]:
            if fix is None or not fix.edits:
                return None
            return Fix(fix.description, fix.applicability, (), fix.unsafe_reason)

        self.diagnostics = [replace(d, fix=strip(d.fix)) if d.fix is not None else d for d in self.diagnostics]
        self.fixed = [replace(d, fix=strip(d.fix)) if d.fix is not None else d for d in self.fixed]
        return self


def _unified_diff(before: str, after: str, path: str) -> str:
    """A diff with git's ``a/`` and ``b/`` headers, so ``git apply`` (and ``patch -p1``) take it as it is.
    An absolute path is shown relative to the working directory when it lies inside it, else without its root
    (``a/`` + ``/work/x.py`` would be ``a//work/x.py``, which ``patch -p1`` reads as an absolute path)."""
    if os.path.isabs(path):
        relative = os.path.relpath(path)
        path = relative if not relative.startswith(os.pardir) else os.path.splitdrive(path)[1].lstrip("/\\")
    shown = path.replace(os.sep, "/")
    while shown.startswith("./"):
        shown = shown[2:]
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=f"a/{shown}", tofile=f"b/{shown}"
    )
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines)


def _unsafe_notes(fixed: Sequence[Diagnostic], policy: FixPolicy) -> str:
    """``# TL001 8:9: unsafe fix: <why>`` lines above a file's diff (``git apply`` and ``patch`` skip text before
    the headers), one per unsafe fix in it."""
    notes = []
    for d in fixed:
        if d.fix is None or policy.applicability(d) is not Applicability.UNSAFE:
            continue
        promoted = d.fix.applicability is Applicability.SAFE
        why = "made unsafe by --extend-unsafe-fixes" if promoted else d.fix.unsafe_reason
        notes.append(f"# {d.code} {d.line}:{d.column}: unsafe fix{f': {why}' if why else ''}\n")
    return "".join(notes)


def check_source(source: SourceText, shown_as: str, job: Job) -> Outcome:
    """Lint (and fix, when asked) already-read source, a Python file or a notebook; writes nothing."""
    if not is_notebook(shown_as):
        return _check_text(source, shown_as, job)
    try:
        code = notebook_code(read_notebook(source))
    except SourceError as error:
        return Outcome(shown_as, error=f"{shown_as}: {error}")
    return _in_notebook(_check_text(replace(source, text=code.text), shown_as, job), code, job)


def _in_notebook(outcome: Outcome, code: NotebookCode, job: Job) -> Outcome:
    """The outcome of a notebook's module in its cells; a fixed module becomes the notebook's new text."""
    outcome.fixed = in_cells(outcome.fixed, code)
    if outcome.fixed_text is None:
        outcome.diagnostics = in_cells(outcome.diagnostics, code)
        return outcome
    try:
        sources = code.fixed_sources(outcome.fixed_text)
        if not sources:
            outcome.diagnostics, outcome.fixed_text, outcome.diff = in_cells(outcome.diagnostics, code), None, ""
            return outcome
        fixed = code.notebook.with_sources(sources)
        fixed_code = notebook_code(read_notebook(replace(code.notebook.source, text=fixed)))
    except SourceError as error:
        outcome.error = f"{outcome.path}: {error}"
        outcome.diagnostics, outcome.fixed = in_cells(outcome.diagnostics, code) + outcome.fixed, []
        outcome.fixed_text, outcome.diff = None, ""
        return outcome
    outcome.diagnostics = in_cells(outcome.diagnostics, fixed_code)
    outcome.fixed_text = fixed
    outcome.diff = cell_diff(code, sources, outcome.path) if job.diff else ""
    return outcome


def _check_text(source: SourceText, shown_as: str, job: Job) -> Outcome:
    outcome = Outcome(shown_as)
    before = classes_analysed()
    try:
        return _check_source(source, shown_as, job, outcome)
    finally:
        outcome.classes = classes_analysed() - before


def _check_source(source: SourceText, shown_as: str, job: Job, outcome: Outcome) -> Outcome:
    rules = job.rules_for(shown_as)
    settings = job.settings
    if settings.line_length is None:  # not configured for torchlint: the formatter's, found from the file
        settings = replace(settings, line_length=formatter_line_length(os.path.dirname(os.path.abspath(shown_as))))
    try:
        if not (job.fix or job.diff):
            outcome.diagnostics = call_with_deep_stack(
                lambda: lint_text(source.text, shown_as, rules, settings, job.project)
            )
            return outcome
        result = call_with_deep_stack(
            lambda: fix_text(source.text, shown_as, rules, job.policy.allows, settings, job.project)
        )
    except FixError as error:
        outcome.error = f"{shown_as}: {error}"
        return outcome
    except RecursionError:
        outcome.error = f"{shown_as}: too deeply nested to analyse"
        return outcome
    except Exception as error:  # a bug in torchlint: name the file, keep going
        outcome.error = f"{shown_as}: internal error: {type(error).__name__}: {error}"
        return outcome
    outcome.diagnostics = result.remaining
    outcome.fixed = result.fixed
    if result.changed(source.text):
        outcome.fixed_text = result.text
        if job.diff:
            outcome.diff = _unsafe_notes(result.fixed, job.policy) + _unified_diff(source.text, result.text, shown_as)
    return outcome


def _cache_key(raw: bytes, path: str, job: Job) -> str:
    return Cache.key(raw, [rule.code for rule in job.rules_for(path)])


def cached_outcome(path: str, job: Job) -> Optional[Outcome]:
    """The cached result of a file unchanged since it was stored (read, not decoded), or None."""
    if job.cache is None or job.fix or job.diff:
        return None
    try:
        raw = read_bytes(path)
    except SourceError:
        return None
    cached = job.cache.get(path, _cache_key(raw, path, job), path)
    return None if cached is None else Outcome(path, diagnostics=cached[0], classes=cached[1])


def _check_cached(raw: bytes, path: str, job: Job, cache: Cache) -> Outcome:
    """The cached result when the file is unchanged (without decoding it), else a fresh one, stored."""
    key = _cache_key(raw, path, job)
    cached = cache.get(path, key, path)
    if cached is not None:
        return Outcome(path, diagnostics=cached[0], classes=cached[1])
    try:
        source = decode(raw)
    except SourceError as error:
        return Outcome(path, error=f"{path}: {error}")
    if job.project is None:
        outcome = check_source(source, path, job)
        depends_on: set[str] = set()
    else:
        with job.project.tracking() as depends_on:
            outcome = check_source(source, path, job)
    if outcome.error is None:
        cache.put(path, key, outcome.diagnostics, depends_on, outcome.classes)
    return outcome


def check_file(path: str, job: Job) -> Outcome:
    """Read, check and, with ``job.fix``, rewrite one file in place; the outcome holds no syntax tree."""
    outcome = _check_file(path, job).without_trees()
    file_checked()
    return outcome


def _check_file(path: str, job: Job) -> Outcome:
    try:
        raw = read_bytes(path)
        if job.cache is not None and not (job.fix or job.diff):
            return _check_cached(raw, path, job, job.cache)
        source = decode(raw)
    except SourceError as error:
        return Outcome(path, error=f"{path}: {error}")
    outcome = check_source(source, path, job)
    if job.fix and not job.diff and outcome.fixed_text is not None and outcome.error is None:
        try:
            write_atomically(path, outcome.fixed_text, source)
        except WriteError as error:
            outcome.error = f"{path}: {error}"
            outcome.diagnostics = outcome.diagnostics + outcome.fixed
            outcome.fixed = []
    return outcome


def check_stdin(data: bytes, shown_as: str, job: Job) -> Outcome:
    try:
        source = decode(data)
    except SourceError as error:
        return Outcome(shown_as, error=f"{shown_as}: {error}")
    outcome = check_source(source, shown_as, job)
    if job.fix and outcome.fixed_text is None and outcome.error is None:
        outcome.fixed_text = source.text  # stdin --fix always echoes the (unchanged) source
    return outcome
