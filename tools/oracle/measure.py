"""Measure one package: tasks in workers, lint its files, compare, classify, summarise."""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from oracle import causes, scoring, static
from oracle.builders import Task
from oracle.pool import run_tasks
from oracle.report import ratio, rows_as_dicts
from oracle.sandbox import OFFLINE_ENV
from oracle.truth import POSITIVE
from oracle.worker import Settings


class DiscoveryFailed(Exception):
    """The package (or its module list) does not import in a worker."""


def package_root(package: str) -> str:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None and not spec.submodule_search_locations:
        raise SystemExit(f"package {package!r} is not installed")
    if spec.submodule_search_locations:
        return str(Path(list(spec.submodule_search_locations)[0])) + os.sep
    return str(Path(spec.origin).parent) + os.sep  # a single-module package: its directory (rarely used)


def package_version(package: str) -> str:
    for name in importlib.metadata.packages_distributions().get(package, []):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "?"


def _tasks(package: str, args: argparse.Namespace, settings: Settings) -> tuple[list[Task], dict[str, Any]]:
    if package == "transformers":
        from oracle import hf

        types = hf.model_types()
        if args.types:
            wanted = set(hf.SAMPLE_TYPES if args.types == ["sample"] else args.types)
            types = [t for t in types if t in wanted]
        return [Task(package, "transformers", t) for t in types], {}
    discovery = run_tasks([Task(package, "discover", "")], settings, 1, args.memory_gb, not args.no_stubs)[0]
    if "error" in discovery:
        raise DiscoveryFailed(discovery["error"])
    tasks = [Task(package, "module", name) for name in sorted(discovery["candidates"])]
    tasks += [Task(package, "hook", name) for name in discovery["hooks"]]
    return tasks, discovery


def classify(rows: list[scoring.Row], base: str) -> None:
    """Source line, scope and cause of every row (again after ``--merge``: causes are heuristics that improve).

    Static codes at a line are those of the findings there (every row but FN); runtime-positive codes are those
    of TP and FN rows."""
    index = causes.SourceIndex(base)
    static_codes: dict[tuple[str, int], set[str]] = defaultdict(set)
    runtime_codes: dict[tuple[str, int], set[str]] = defaultdict(set)
    for row in rows:
        if row.kind != "FN":
            static_codes[(row.path, row.line)].add(row.code)
        if row.kind in ("TP", "FN"):
            runtime_codes[(row.path, row.line)].add(row.code)
    for row in rows:
        row.source = index.line(row.path, row.line)
        row.scope = index.scope(row.path, row.line)
        if row.kind == "FN":
            row.cause, row.detail = causes.classify_miss(row, index, static_codes[(row.path, row.line)])
        elif row.kind == "FP":
            row.cause, row.detail = causes.classify_false_positive(row, index, runtime_codes[(row.path, row.line)])


def reclassify(result: dict[str, Any]) -> None:
    """Recompute the causes of a stored result's rows against the installed package's sources."""
    package = result["summary"]["package"]
    try:
        base = os.path.dirname(package_root(package).rstrip(os.sep))
    except SystemExit:
        return  # not installed here: keep the stored causes
    rows = [scoring.Row(**row) for row in result["rows"]]
    classify(rows, base)
    result["rows"] = rows_as_dicts(rows)


def failed(package: str, error: str) -> dict[str, Any]:
    """The result of a package that could not be measured at all (it does not import)."""
    summary = {"package": package, "version": package_version(package), "error": error, "builds_tried": 0,
               "builds_succeeded": 0, "classes_built": 0, "runtime_positive_sites": 0, "TP": 0, "FP": 0, "FN": 0,
               "precision": None, "recall": None, "neutral": 0, "unverified": 0, "classes_needing_arguments": 0,
               "modules_not_imported": 0}
    return {"summary": summary, "rows": [], "sites": [], "build_failures": [[error, 1]], "builds": []}


def measure(package: str, args: argparse.Namespace) -> dict[str, Any]:
    os.environ.update(OFFLINE_ENV)
    started = time.perf_counter()
    root = package_root(package)
    settings = Settings(root=root, timeout=args.timeout, heads=args.heads)
    try:
        tasks, discovery = _tasks(package, args, settings)
    except DiscoveryFailed as error:
        return failed(package, str(error))
    if args.limit is not None:
        tasks = tasks[: args.limit]

    def progress(result: dict[str, Any]) -> None:
        if args.verbose:
            builds = result.get("builds", [])
            ok = sum("error" not in build for build in builds)
            print(f"  {result['task'].target}: {result.get('error') or f'{ok}/{len(builds)} built'}",
                  file=sys.stderr)

    results = run_tasks(tasks, settings, args.jobs, args.memory_gb, not args.no_stubs, progress)
    build_seconds = time.perf_counter() - started

    lines: dict[str, set[int]] = defaultdict(set)
    facts: list[dict[str, Any]] = []
    classes: set[str] = set()
    stored: dict[tuple[str, int], set[str]] = defaultdict(set)
    for result in results:
        for filename, numbers in result["lines"].items():
            lines[filename] |= set(numbers)
        facts.extend(result["facts"])
        classes |= set(result["classes"])
        for filename, line, _attribute, type_name in result.get("stored", []):
            stored[(filename, line)].add(type_name)
    sites, unlocated = scoring.merge_sites(facts)

    files = sorted(str(path) for path in Path(root).rglob("*.py"))
    if args.lint_executed_only:
        files = [path for path in files if path in lines]
    findings, lint_errors = static.lint(files, args.jobs)
    lint_seconds = time.perf_counter() - started - build_seconds

    rows = scoring.compare(root, lines, sites, findings)
    base = os.path.dirname(root.rstrip(os.sep))
    for row in rows:
        if row.kind == "FP":
            row.stored = sorted(stored.get((os.path.join(base, row.path), row.line), set()))
    classify(rows, base)

    count = Counter(row.kind for row in rows)
    builds = [build for result in results for build in result.get("builds", [])]
    package_classes = sorted(name for name in classes if name.split(".")[0] == package)
    in_package = {key: site for key, site in sites.items() if site.path.startswith(root)}
    positive = [site for site in in_package.values() if site.verdict == POSITIVE]
    outside = sorted({(site.code, site.path, site.line) for site in sites.values()
                      if site.verdict == POSITIVE and not site.path.startswith(root)})
    summary: dict[str, Any] = {
        "package": package,
        "version": package_version(package),
        "tasks": len(tasks),
        "modules_imported": discovery.get("modules", 0),
        "modules_not_imported": len(discovery.get("import_errors", {})),
        "no_argument_classes": sum(len(names) for names in discovery.get("candidates", {}).values()),
        "classes_needing_arguments": discovery.get("needs_arguments", 0),
        "hooks": len(discovery.get("hooks", [])),
        "builds_tried": len(builds),
        "builds_succeeded": sum("error" not in build for build in builds),
        "builds_on_meta": sum(build.get("attempt") == "meta" for build in builds),
        "classes_built": len(package_classes),
        "files_executed": len([path for path in lines if path.endswith(".py")]),
        "runtime_positive_sites": len(positive),
        **{f"sites {code}": sum(site.code == code for site in positive) for code in static.CODES},
        "runtime_neutral_sites": len(in_package) - len(positive),
        "unlocated_positive_facts": len(unlocated),
        "positive_sites_outside_package": len(outside),
        "TP": count["TP"],
        "FP": count["FP"],
        "FN": count["FN"],
        "precision": ratio(count["TP"], count["TP"] + count["FP"]),
        "recall": ratio(count["TP"], count["TP"] + count["FN"]),
        "neutral": count["neutral"],
        "unverified": count["unverified"],
        **{f"{kind} {code}": sum(r.kind == kind and r.code == code for r in rows)
           for kind in ("TP", "FP", "FN") for code in static.CODES},
        "files_linted": len(files),
        "lint_errors": len(lint_errors),
        "build_seconds": round(build_seconds, 1),
        "lint_seconds": round(lint_seconds, 1),
    }
    failures = Counter((build.get("error") or "")[:90] for build in builds if "error" in build)
    failures.update(result["error"][:90] for result in results if "error" in result)
    return {
        "summary": summary,
        "rows": rows_as_dicts(rows),
        "sites": [
            {"code": site.code, "path": os.path.relpath(site.path, base), "line": site.line, "verdict": site.verdict,
             "classes": sorted(site.classes), "attributes": sorted(site.attributes), "reasons": sorted(site.reasons)}
            for site in sorted(in_package.values(), key=lambda site: (site.path, site.line, site.code))
        ],
        "build_failures": failures.most_common(12),
        "import_errors": discovery.get("import_errors", {}),
        "unlocated_positive_facts": unlocated,
        "positive_sites_outside_package": [list(site) for site in outside],
        "lint_errors": lint_errors,
        "builds": [{"task": result["task"].target, **build} for result in results for build in result["builds"]],
    }
