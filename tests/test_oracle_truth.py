"""The runtime oracle's truth on a fixture package whose every class shows one case (no package to install)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "oracle_fixture"
SOURCE = FIXTURE / "oracle_demo" / "__init__.py"


def expected(kind: str) -> set[tuple[str, int]]:
    found = set()
    for number, text in enumerate(SOURCE.read_text("utf-8").splitlines(), 1):
        match = re.search(r"# (positive|neutral)( TL00\d)?", text)
        if match and match.group(1) == kind:
            found.add(((match.group(2) or "").strip(), number))
    return found


def test_truth_on_fixture_package(tmp_path: Path) -> None:
    out = tmp_path / "oracle.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(FIXTURE), os.environ.get("PYTHONPATH", "")])}
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "measure_agreement.py"), "oracle_demo", "--jobs", "1", "--json", str(out)],
        check=True, env=env, cwd=ROOT, capture_output=True, timeout=300,
    )
    package = json.loads(out.read_text("utf-8"))["packages"][0]
    summary = package["summary"]
    assert summary["builds_succeeded"] == 7 and summary["classes_needing_arguments"] == 2
    positive = {(site["code"], site["line"]) for site in package["sites"] if site["verdict"] == "positive"}
    neutral_lines = {site["line"] for site in package["sites"] if site["verdict"] != "positive"}
    assert positive == expected("positive")
    assert {line for _, line in expected("neutral")} <= neutral_lines
    assert not neutral_lines & {line for _, line in positive}
    registered = next(n for n, text in enumerate(SOURCE.read_text("utf-8").splitlines(), 1) if "nn.Buffer" in text)
    assert registered not in neutral_lines, "an nn.Buffer assignment registers: it is no site at all"
    fake_to = next(site for site in package["sites"] if site["attributes"] == ["table"])
    assert fake_to["reasons"] == ["base overrides to (oracle_demo.FakeTo) without moving it"]
    later = next(row for row in package["rows"] if row["kind"] in ("TP", "FN") and "self.cache" in row["source"])
    if later["kind"] == "FN":
        assert later["cause"].startswith("assigned in a method other than __init__")
