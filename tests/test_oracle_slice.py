"""CI slice of the runtime oracle (issue 15): two real packages that install cheaply, measured end to end.

The packages come from benchmarks/oracle/ci-requirements.txt (installed by .ci/run with --no-deps); when one is
missing its test is skipped with the pip command that installs it. The bounds are the values measured in
benchmarks/oracle/SUMMARY.md, so that a regression in the harness (nothing built, nothing runtime-positive)
or in the linter (a new false positive) fails here instead of passing vacuously.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALL = "pip install --no-deps -r benchmarks/oracle/ci-requirements.txt"


PACKAGES = ("pytorch_metric_learning", "rotary_embedding_torch")


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Both packages in one run of the harness (one pool of workers), by package name."""
    present = [package for package in PACKAGES if importlib.util.find_spec(package) is not None]
    if not present:
        return {}
    out = tmp_path_factory.mktemp("oracle") / "slice.json"
    completed = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "measure_agreement.py"), "--packages", ",".join(present),
         "--json", str(out), "--jobs", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return {result["summary"]["package"]: result for result in json.loads(out.read_text("utf-8"))["packages"]}


def measure(package: str, measured: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if package not in measured:
        pytest.skip(f"{package} is not installed (CI installs it: {INSTALL})")
    return measured[package]


def test_pytorch_metric_learning(measured: dict[str, dict[str, Any]]) -> None:
    result = measure("pytorch_metric_learning", measured)
    summary = result["summary"]
    assert summary["classes_built"] >= 60, summary  # measured: 70
    assert summary["builds_succeeded"] >= 60, summary  # measured: 69 of 72
    assert summary["runtime_positive_sites"] >= 10, result["sites"]  # measured: 10, all TL001
    assert summary["TP"] >= 10, summary
    assert summary["precision"] is not None and summary["precision"] >= 1.0, [
        row for row in result["rows"] if row["kind"] == "FP"
    ]
    assert summary["lint_errors"] == 0, result["lint_errors"]


def test_rotary_embedding_torch(measured: dict[str, dict[str, Any]]) -> None:
    result = measure("rotary_embedding_torch", measured)
    summary = result["summary"]
    assert summary["hooks"] >= 6 and summary["builds_succeeded"] >= 6, summary  # one class, six configurations
    assert summary["files_executed"] >= 1, summary
    assert summary["FP"] == 0, [row for row in result["rows"] if row["kind"] == "FP"]
    assert summary["lint_errors"] == 0, result["lint_errors"]
