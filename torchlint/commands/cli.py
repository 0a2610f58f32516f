"""The ``torchlint`` command line: exit 0 when clean, 1 when there are findings, 2 on any error."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, Optional

from torchlint import __version__
from torchlint.analysis.project import Project
from torchlint.config.config_file import Config, ConfigError, ConfigResolver, load
from torchlint.config.discovery import discover
from torchlint.config.interpreter import InterpreterError, search_path
from torchlint.config.selection import SelectionError, enabled_codes, split_codes
from torchlint.config.settings import NON_PERSISTENT, PERSISTENT, Settings, parse_torch_version
from torchlint.contract.diagnostics import Diagnostic
from torchlint.contract.rule import Applicability, Rule
from torchlint.engine.registry import all_rules
from torchlint.fix import text_edits
from torchlint.report import baseline
from torchlint.report.formats import FORMATS, NEEDS_EDITS, FixView, unsafe_reason
from torchlint.report.sources import Sources
from torchlint.run.cache import CACHE_DIRECTORY, Cache
from torchlint.run.collector_settings import linting_thresholds
from torchlint.run.parallel import RunCounts, check_files, default_jobs
from torchlint.run.runner import FixPolicy, Job, Outcome, check_stdin
from torchlint.suppression.add_noqa import add_noqa

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
STDIN = "-"


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        raise UsageError(message)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return int(text)


def _torch_version(text: str) -> tuple[int, int]:
    try:
        return parse_torch_version(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="torchlint",
        description="Find PyTorch module state that escapes nn.Module registration.",
    )
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="files or directories to check ('-' reads standard input); default: .")
    selection = parser.add_argument_group("rule selection")
    selection.add_argument("--select", type=split_codes, metavar="CODES",
                           help="codes or prefixes to enable instead of the defaults (ALL for every rule)")
    selection.add_argument("--extend-select", type=split_codes, default=[], metavar="CODES",
                           help="codes or prefixes to enable in addition")
    selection.add_argument("--ignore", type=split_codes, default=[], metavar="CODES",
                           help="codes or prefixes to disable")
    fixing = parser.add_argument_group("fixes")
    fixing.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    fixing.add_argument("--unsafe-fixes", action="store_true",
                        help="also apply (with --fix) or show fixes that change state_dict() or parameters()")
    fixing.add_argument("--diff", action="store_true",
                        help="print the diff --fix would make and write nothing (exit 1 when there is one)")
    fixing.add_argument("--show-fixes", action="store_true", help="list the fixes applied")
    fixing.add_argument("--extend-safe-fixes", type=split_codes, default=[], metavar="CODES",
                        help="treat these codes' unsafe fixes as safe")
    fixing.add_argument("--extend-unsafe-fixes", type=split_codes, default=[], metavar="CODES",
                        help="treat these codes' safe fixes as unsafe")
    fixing.add_argument("--target-torch", type=_torch_version, metavar="X.Y",
                        help="oldest torch the code must run on; 2.5 or later lets fixes write nn.Buffer")
    fixing.add_argument("--fix-buffer-persistence", choices=[NON_PERSISTENT, PERSISTENT],
                        help="how TL001's fix registers buffers (persistent is always an unsafe fix)")
    fixing.add_argument("--line-length", type=int, metavar="N",
                        help="fixed lines fit in N columns (default: line-length of torchlint, ruff or black, or 88)")
    configuration = parser.add_argument_group("configuration")
    configuration.add_argument("--config", metavar="PATH",
                               help="use this pyproject.toml or torchlint.toml instead of discovering one")
    configuration.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    configuration.add_argument("--force-exclude", action="store_true",
                               help="apply exclude patterns to files named on the command line too")
    configuration.add_argument("--python", metavar="PATH",
                               help="the project's interpreter or environment, whose installed packages resolve "
                                    "base classes (default: the active virtualenv, a .venv beside the configuration, "
                                    "or the interpreter torchlint runs on)")
    configuration.add_argument("--extend-module-bases", type=split_codes, default=[], metavar="NAMES",
                               help="qualified names of more nn.Module base classes (mylib.layers.Base)")
    performance = parser.add_argument_group("performance")
    performance.add_argument("--jobs", "-j", type=_positive, default=default_jobs(), metavar="N",
                             help="processes to use (default: the number of cores)")
    performance.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    performance.add_argument("--cache-dir", metavar="DIR",
                             help=f"where to keep the cache (default: {CACHE_DIRECTORY}/ beside the configuration)")
    output = parser.add_argument_group("output")
    output.add_argument("--output-format", choices=sorted(FORMATS), default="flake8",
                        help="how to print diagnostics (default: flake8)")
    output.add_argument("--quiet", "-q", action="store_true",
                        help="print findings only: no summary on standard error")
    output.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    output.add_argument("--statistics", action="store_true", help="print the number of findings per rule instead")
    output.add_argument("--stdin-filename", metavar="PATH",
                        help="the name to report for source read from standard input")
    adoption = parser.add_argument_group("adopting torchlint on code that has findings")
    adoption.add_argument("--baseline", metavar="FILE",
                          help="record the findings in FILE when it does not exist (and exit 0); "
                          "when it exists, report only findings it does not hold")
    adoption.add_argument("--add-noqa", action="store_true",
                          help="add '# noqa: CODE' to every reported line (merged into an existing # noqa)")
    parser.add_argument("--version", action="version", version=f"torchlint {__version__}")
    return parser


def _selected_rules(args: argparse.Namespace, config: Config) -> list[Rule]:
    rules = all_rules()
    codes = [rule.code for rule in rules]
    default = [rule.code for rule in rules if rule.default_enabled]
    _check_selectors(config, codes)
    select = args.select if args.select is not None else config.select
    extend = [*config.extend_select, *args.extend_select]
    ignore = [*config.ignore, *args.ignore]
    enabled = enabled_codes(codes, default, select, extend, ignore)
    return [rule for rule in rules if rule.code in enabled]


def _check_selectors(config: Config, codes: Sequence[str]) -> None:
    """Unknown codes in a configuration file are errors that name the file."""
    lists = [config.select or (), config.extend_select, config.ignore, config.extend_safe_fixes,
             config.extend_unsafe_fixes, *[ignored for _, ignored in config.per_file_ignores]]
    for selectors in lists:
        try:
            enabled_codes(codes, (), list(selectors))
        except SelectionError as error:
            raise ConfigError(f"{config.path}: {error}") from None


def _fix_codes(selectors: Sequence[str]) -> frozenset[str]:
    codes = [rule.code for rule in all_rules()]
    return enabled_codes(codes, (), selectors) if selectors else frozenset()


def _job(args: argparse.Namespace, config: Config) -> Job:
    """What to run on files governed by ``config``: the configuration, overridden by the command line."""
    settings = Settings(
        target_torch=args.target_torch or config.target_torch,
        buffer_persistence=args.fix_buffer_persistence or config.fix_buffer_persistence or NON_PERSISTENT,
        extend_module_bases=frozenset([*config.extend_module_bases, *args.extend_module_bases]),
        line_length=args.line_length if args.line_length and args.line_length > 0 else config.line_length,
    )
    policy = FixPolicy(
        unsafe_fixes=args.unsafe_fixes or bool(config.unsafe_fixes),
        extend_safe=_fix_codes([*config.extend_safe_fixes, *args.extend_safe_fixes]),
        extend_unsafe=_fix_codes([*config.extend_unsafe_fixes, *args.extend_unsafe_fixes]),
    )
    rules = _selected_rules(args, config)
    installed = _installed_packages(args, config)
    cache = None
    if not args.no_cache and args.output_format not in NEEDS_EDITS:  # cached results hold no fix edits
        directory = args.cache_dir or os.path.join(config.root, CACHE_DIRECTORY)
        # the installed packages searched change what a name resolves to, also when none of their files changed
        parts = [settings, config.per_file_ignores, [r.code for r in rules], installed]
        cache = Cache(directory, Cache.fingerprint(parts))
    return Job(
        rules=rules,
        settings=settings,
        policy=policy,
        fix=args.fix,
        diff=args.diff,
        per_file_ignores=config.per_file_ignores,
        root=config.root,
        project=Project(settings.extend_module_bases, installed),
        cache=cache,
    )


def _installed_packages(args: argparse.Namespace, config: Config) -> tuple[str, ...]:
    """The project's site-packages directories: --python relative to the current directory, the ``python``
    setting relative to its configuration file."""
    if args.python:
        try:
            return search_path(os.path.abspath(args.python), os.getcwd())
        except InterpreterError as error:
            raise ConfigError(f"--python: {error}") from None
    try:
        return search_path(config.python, config.root)
    except InterpreterError as error:
        raise ConfigError(f"{config.path}: python: {error}") from None


def _resolver(args: argparse.Namespace) -> ConfigResolver:
    if args.config is None:
        return ConfigResolver(isolated=args.isolated)
    if not os.path.isfile(args.config):
        raise ConfigError(f"{args.config}: no such configuration file")
    explicit = load(args.config)
    if explicit is None:
        raise ConfigError(f"{args.config}: has no [tool.torchlint] table")
    return ConfigResolver(explicit=explicit)


def _error(message: str) -> None:
    print(f"torchlint: error: {message}", file=sys.stderr)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _summary(outcomes: Sequence[Outcome], diagnostics: Sequence[Diagnostic], job: Job, args: argparse.Namespace) -> str:
    fixed = sum(len(outcome.fixed) for outcome in outcomes)
    if args.diff:
        return f"Would fix {_plural(fixed, 'error')}." if fixed else ""
    if args.fix:
        return f"Fixed {_plural(fixed, 'error')}, {len(diagnostics)} remaining." if fixed or diagnostics else ""
    if not diagnostics:
        return ""
    safe = sum(1 for d in diagnostics if job.policy.allows(d))
    hidden = sum(
        1 for d in diagnostics
        if not job.policy.allows(d) and job.policy.applicability(d) is Applicability.UNSAFE
    )
    parts = [f"Found {_plural(len(diagnostics), 'error')}."]
    if safe:
        parts.append(f"[*] {safe} fixable with --fix.")
    if hidden:
        parts.append(f"{hidden} more {'fix' if hidden == 1 else 'fixes'} available with --fix --unsafe-fixes.")
    return " ".join(parts)


def _checked(counts: RunCounts, skipped: Sequence[str]) -> str:
    """``Checked 3 files, 2 module classes analysed; 1 file skipped (not valid utf-8).``"""
    text = f"Checked {_plural(counts.files, 'file')}, {counts.classes} module class"
    text += f"{'' if counts.classes == 1 else 'es'} analysed"
    if skipped:
        reasons: dict[str, int] = {}
        for reason in skipped:
            reasons[reason] = reasons.get(reason, 0) + 1
        why = "; ".join(reason if count == 1 else f"{reason} ({count})" for reason, count in reasons.items())
        text += f"; {_plural(len(skipped), 'file')} skipped ({why}; see the errors above)"
    return text + "."


def _skip_reason(error: str, path: str) -> str:
    """The reason of an error line ``path: reason`` (``path`` as shown to users)."""
    return error[len(path) + 2:] if error.startswith(f"{path}: ") else error


def _statistics_rows(diagnostics: Sequence[Diagnostic], view: FixView) -> list[dict[str, object]]:
    """Per code, most frequent first: its count and how many of its findings --fix would fix."""
    names = {rule.code: rule.name for rule in all_rules()}
    counts: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        counts.setdefault(diagnostic.code, []).append(diagnostic)
    return [
        {"code": code, "name": names.get(code, "syntax-error"), "count": len(found),
         "fixable": any(view.enabled(d) for d in found), "fixable_count": sum(1 for d in found if view.enabled(d))}
        for code, found in sorted(counts.items(), key=lambda item: (-len(item[1]), item[0]))
    ]


def _statistics(diagnostics: Sequence[Diagnostic], view: FixView, output_format: str = "flake8") -> str:
    """One line per code: count, code, [*] when fixable with the options given, the rule's name and, when only
    some are, how many of them; a JSON list of the same (as Ruff's) with ``--output-format json``."""
    rows = _statistics_rows(diagnostics, view)
    if output_format == "json":
        return json.dumps(rows, indent=2) + "\n"
    width = max((len(str(row["count"])) for row in rows), default=1)
    lines = []
    for row in rows:
        mark = "[*]" if row["fixable"] else "   "
        some = f" ({row['fixable_count']} of {row['count']} fixable)" if row["fixable"] and \
            row["fixable_count"] != row["count"] else ""
        lines.append(f"{row['count']:>{width}}\t{row['code']}\t{mark} {row['name']}{some}\n")
    return "".join(lines)


def run(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if args.diff and args.fix:
        raise UsageError("--diff shows what --fix would change; use one of them")
    if args.config is not None and args.isolated:
        raise UsageError("--config and --isolated cannot be combined")
    if args.add_noqa and (args.fix or args.diff or STDIN in args.paths):
        raise UsageError("--add-noqa edits files in place; it cannot be combined with --fix, --diff or '-'")
    text_edits.enable(args.output_format in NEEDS_EDITS)  # render fixes' edits as text only for formats that show them
    resolver = _resolver(args)
    jobs: dict[int, Job] = {}

    def job_for(path: str) -> Job:
        config = resolver.for_file(path)
        if id(config) not in jobs:
            jobs[id(config)] = _job(args, config)
        return jobs[id(config)]

    job = job_for(os.path.join(os.getcwd(), "_"))  # for the summary's fix policy
    paths: list[str] = args.paths
    failed = False
    outcomes: list[Outcome] = []
    sources = Sources()
    counts = RunCounts()
    skipped: list[str] = []
    if STDIN in paths:
        if len(paths) > 1:
            raise UsageError("'-' (standard input) cannot be combined with other paths")
        shown_as = args.stdin_filename or STDIN
        stdin_job = job_for(shown_as if args.stdin_filename else os.path.join(os.getcwd(), "_"))
        data = sys.stdin.buffer.read()
        outcomes.append(check_stdin(data, shown_as, stdin_job))
        counts.files, counts.classes = 1, outcomes[-1].classes
        sources.add_stdin(shown_as, data, outcomes[-1].fixed_text)
    else:
        if args.stdin_filename is not None:
            raise UsageError("--stdin-filename needs '-' as the path")
        files, errors = discover(paths, resolver, args.force_exclude)
        for problem in errors:
            _error(f"{problem.path}: {problem.message}")
            skipped.append(problem.message)
            failed = True
        outcomes.extend(check_files([(path, job_for(path)) for path in files], args.jobs, counts))
    diagnostics: list[Diagnostic] = []
    for outcome in outcomes:
        if outcome.error is not None:
            _error(outcome.error)
            skipped.append(_skip_reason(outcome.error, outcome.path))
            failed = True
        diagnostics.extend(outcome.diagnostics)
    diagnostics.sort(key=lambda diagnostic: diagnostic.sort_key)
    if args.baseline is not None:
        diagnostics, note = baseline.apply(args.baseline, diagnostics, sources)
        print(f"torchlint: {note}", file=sys.stderr)
    if args.add_noqa:
        return _add_noqa(diagnostics, failed)
    view = FixView(job.policy.applicability, job.policy.allows)
    report = (_statistics(diagnostics, view, args.output_format) if args.statistics
              else FORMATS[args.output_format](diagnostics, view, sources))
    stdin_fix = paths == [STDIN] and args.fix
    if args.diff:
        sys.stdout.write("".join(outcome.diff for outcome in outcomes))
    elif stdin_fix:
        sys.stdout.write(outcomes[0].fixed_text or "")
        sys.stderr.write(report)
    else:
        sys.stdout.write(report)
    if args.show_fixes:
        for outcome in outcomes:
            for d in outcome.fixed:
                reason = unsafe_reason(d, view)
                note = f" (unsafe: {reason})" if reason else ""
                print(f"Fixed {d.path}:{d.location}: {d.code} {d.fix.description if d.fix else ''}{note}",
                      file=sys.stderr)
    summary = _summary(outcomes, diagnostics, job, args)
    if not summary and not args.diff and not diagnostics and not any(outcome.fixed for outcome in outcomes):
        summary = _checked(counts, skipped) if failed else f"All checks passed! {_checked(counts, skipped)}"
    elif skipped and not args.diff:
        summary = f"{summary} {_checked(counts, skipped)}".strip()
    if summary and args.output_format in ("flake8", "full") and not args.quiet:
        print(summary, file=sys.stderr)
    if failed:
        return EXIT_ERROR
    if args.diff:
        return EXIT_FINDINGS if any(outcome.diff for outcome in outcomes) and not args.exit_zero else EXIT_CLEAN
    return EXIT_FINDINGS if diagnostics and not args.exit_zero else EXIT_CLEAN


def _add_noqa(diagnostics: Sequence[Diagnostic], failed: bool) -> int:
    """Write ``# noqa`` for ``diagnostics``; lines that cannot take a comment are named on standard error."""
    result = add_noqa(diagnostics)
    for path, line, codes in result.skipped:
        _error(f"{path}:{line}: no '# noqa: {codes}' added: the line ends inside a multi-line string or "
               "continues with a backslash; suppress it by hand")
    for message in result.errors:
        _error(message)
    print(f"Added {_plural(result.added, 'noqa directive')}.", file=sys.stderr)
    return EXIT_ERROR if failed or result.errors else EXIT_CLEAN


SUBCOMMANDS = {
    "rule": "torchlint.commands.rule_command",  # torchlint rule TL001 | --all: a rule's documentation
    "audit": "torchlint.commands.audit_command",  # torchlint audit pkg.module:factory: runtime audit of a model
    "server": "torchlint.server.command",  # torchlint server: the language server (needs the lsp extra)
}


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        if arguments and arguments[0] in SUBCOMMANDS:
            import importlib

            command = importlib.import_module(SUBCOMMANDS[arguments[0]])
            return int(command.run(arguments[1:]))
        with linting_thresholds():
            return run(arguments)
    except (UsageError, SelectionError, ConfigError) as error:
        _error(str(error))
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # never a traceback
        _error(f"internal error: {type(error).__name__}: {error}")
    return EXIT_ERROR
