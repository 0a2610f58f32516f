"""Per-package summaries, the printed report, the markdown table and the JSON document."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, Optional

from oracle.scoring import Row

TABLE_COLUMNS = (
    ("package", "package"), ("version", "version"), ("classes built", "classes_built"),
    ("sites", "runtime_positive_sites"), ("TP", "TP"), ("FP", "FP"), ("FN", "FN"),
    ("P", "precision"), ("R", "recall"), ("neutral", "neutral"), ("unverified", "unverified"),
)


def ratio(numerator: int, denominator: int) -> Optional[float]:
    return round(numerator / denominator, 4) if denominator else None


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def markdown(packages: Sequence[dict[str, Any]], command: str) -> str:
    out = ["# torchlint vs the runtime oracle", "", f"Reproduce: `{command}`", ""]
    out.append("| " + " | ".join(title for title, _ in TABLE_COLUMNS) + " |")
    out.append("|" + "---|" * len(TABLE_COLUMNS))
    totals: Counter[str] = Counter()
    for package in packages:
        summary = package["summary"]
        out.append("| " + " | ".join(_cell(summary.get(key)) for _, key in TABLE_COLUMNS) + " |")
        totals.update({key: summary.get(key) or 0 for key in ("classes_built", "runtime_positive_sites", "TP",
                                                              "FP", "FN", "neutral", "unverified")})
    total_row = {"package": "**all**", "version": "", **totals,
                 "precision": ratio(totals["TP"], totals["TP"] + totals["FP"]),
                 "recall": ratio(totals["TP"], totals["TP"] + totals["FN"])}
    out.append("| " + " | ".join(_cell(total_row.get(key)) for _, key in TABLE_COLUMNS) + " |")
    out += ["", "*classes built*: distinct classes of the package instantiated in successful builds; *sites*: "
            "runtime-positive assignment sites located in the package's files; P = TP/(TP+FP) over findings at "
            "executed lines, R = TP/(TP+FN); *neutral*: findings on sites whose value was replaced later, only "
            "aliases registered state, or belongs to a class whose `_apply` moves it.", ""]
    rows = [(package["summary"]["package"], row) for package in packages for row in package["rows"]]
    misses = [(name, row) for name, row in rows if row["kind"] == "FN"]
    out += ["## Misses by cause", ""]
    by_cause: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for name, row in misses:
        by_cause[row["cause"]].append((name, row))
    out.append("| cause | misses |")
    out.append("|---|---|")
    for cause, items in sorted(by_cause.items(), key=lambda item: -len(item[1])):
        out.append(f"| {cause} | {len(items)} |")
    for cause, items in sorted(by_cause.items(), key=lambda item: -len(item[1])):
        out += ["", f"### {cause} ({len(items)})", ""]
        for _name, row in items:
            detail = f" — {row['detail']}" if row["detail"] else ""
            out.append(f"- {row['code']} `{row['path']}:{row['line']}` `{row['source']}`{detail}")
    false_positives = [(name, row) for name, row in rows if row["kind"] == "FP"]
    out += ["", f"## False positives ({len(false_positives)})", ""]
    for _name, row in false_positives:
        out.append(f"- {row['code']} `{row['path']}:{row['line']}` `{row['source']}` — {row['cause']}"
                   + (f": {row['detail']}" if row["detail"] else ""))
    out += ["", "## Builds", ""]
    for package in packages:
        summary = package["summary"]
        failures = package.get("build_failures", [])
        if "error" in summary:
            out.append(f"- **{summary['package']}**: not measured: `{summary['error']}`")
            continue
        out.append(f"- **{summary['package']}**: {summary['builds_succeeded']} of {summary['builds_tried']} builds "
                   f"succeeded; {summary['classes_needing_arguments']} classes need constructor arguments (not "
                   f"built unless a hook does); {summary['modules_not_imported']} modules did not import."
                   + (" Most common failures: " + "; ".join(f"{n}x `{m}`" for m, n in failures[:4]) if failures
                      else ""))
    origins = {package.get("measured_by", command) for package in packages}
    if origins != {command}:
        out += ["", "## Where each result comes from", ""]
        for package in packages:
            out.append(f"- {package['summary']['package']}: `{package.get('measured_by', command)}`")
    return "\n".join(out) + "\n"


def rows_as_dicts(rows: Sequence[Row]) -> list[dict[str, Any]]:
    return [asdict(row) for row in rows]


def print_package(summary: dict[str, Any], rows: Sequence[dict[str, Any]], show: int) -> None:
    width = max(len(name) for name in summary)
    print(f"\ntorchlint vs runtime on {summary['package']} {summary['version']}")
    print("-" * (width + 14))
    for name, value in summary.items():
        print(f"{name:<{width}}  {_cell(value):>10}")
    for kind, limit in (("FP", None), ("FN", show)):
        selected = [row for row in rows if row["kind"] == kind]
        if not selected:
            continue
        shown = selected if limit is None else selected[:limit]
        print(f"\n{kind} ({len(selected)}{'' if len(shown) == len(selected) else f', first {len(shown)} shown'})")
        for row in shown:
            print(f"  {row['code']} {row['path']}:{row['line']}  [{row['scope']}]  {row['source']}")
            print(f"        {row['cause']}" + (f": {row['detail']}" if row["detail"] else ""))
