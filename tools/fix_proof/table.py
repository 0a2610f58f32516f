"""Print the fix-proof summary (one JSON line per run, from ``run.py --out``) as a Markdown table.

    python tools/fix_proof/table.py benchmarks/fix_proof/summary.jsonl
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable


def package(row: dict[str, Any]) -> str:
    under = row.get("under") or []
    if not under:
        return str(row["package"])
    return f"{row['package']} ({', '.join(under) if len(under) <= 3 else f'{len(under)} files'})"


COLUMNS: tuple[tuple[str, Callable[[dict[str, Any]], object]], ...] = (
    ("package", package),
    ("mode", lambda row: row["mode"]),
    ("files with fixes", lambda row: row["files_with_fixes"]),
    ("files ignored", lambda row: row.get("files_ignored", 0)),
    ("ignored files changed", lambda row: len(row.get("ignored_files_changed", ()))),
    ("files changed", lambda row: row["files_changed"]),
    ("hunks", lambda row: row["hunks"]),
    ("classes compared", lambda row: row["classes"]),
    ("forward compared", lambda row: row["compared_forward"]),
    ("small configs", lambda row: row.get("small_configs", 0)),
    ("round trips", lambda row: row["round_trips"]),
    ("from_pretrained", lambda row: row.get("pretrained_round_trips", 0)),
    ("broken", lambda row: row["constructions_broken"]),
    ("keys changed", lambda row: row["keys_changed"]),
    ("reload mismatches", lambda row: row["reload_mismatches"]),
    ("forward changes", lambda row: row["forward_changes"]),
    ("casts followed", lambda row: row["casts_followed"]),
    ("complex made real", lambda row: row["complex_made_real"]),
    ("build errors", lambda row: len(row.get("build_errors", {}))),
)


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(name for name, _ in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(cell(row)) for _, cell in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    print(table(rows))


if __name__ == "__main__":
    main()
