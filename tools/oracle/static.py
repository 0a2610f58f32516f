"""The static side, through torchlint's command line only (its internal layout may move)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

CODES = ("TL001", "TL002", "TL003", "TL004")
BATCH = 150


@dataclass(frozen=True)
class Finding:
    code: str
    path: str
    line: int
    end_line: int
    message: str


def _command(paths: Sequence[str], jobs: int) -> list[str]:
    return [
        sys.executable, "-m", "torchlint", "--isolated", "--no-cache", "--exit-zero", "--select", ",".join(CODES),
        "--output-format", "json", "--jobs", str(jobs), *paths,
    ]


def _run(paths: Sequence[str], jobs: int) -> list[Finding]:
    completed = subprocess.run(_command(paths, jobs), capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"torchlint exited {completed.returncode}: {completed.stderr.strip()[-300:]}")
    return [
        Finding(item["code"], item["filename"], item["location"]["row"],
                (item.get("end_location") or item["location"])["row"], item.get("message", ""))
        for item in json.loads(completed.stdout or "[]")
        if item["code"] in CODES
    ]


def lint(paths: Sequence[str], jobs: int) -> tuple[list[Finding], dict[str, str]]:
    """Findings of TL001-TL004 in ``paths``, and the files that made torchlint fail (linted one by one)."""
    findings: list[Finding] = []
    errors: dict[str, str] = {}
    for start in range(0, len(paths), BATCH):
        batch = list(paths[start:start + BATCH])
        try:
            findings.extend(_run(batch, jobs))
        except (RuntimeError, ValueError):
            for path in batch:
                try:
                    findings.extend(_run([path], 1))
                except (RuntimeError, ValueError) as error:
                    errors[path] = str(error)[:300]
    return findings, errors
