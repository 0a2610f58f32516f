"""The static findings on every fixture equal what runtime introspection shows, both ways."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_runtime import fixture_paths, known_misses, load, notebook_paths, run_notebook

from torchlint.engine.linter import lint_text
from torchlint.engine.registry import all_rules
from torchlint.run.runner import Job, check_source
from torchlint.source.decoding import read

DEFAULT_RULES = [rule for rule in all_rules() if rule.default_enabled and rule.code in ("TL001", "TL002")]


def static_sites(path: Path) -> set[tuple[int, str]]:
    diagnostics = lint_text(path.read_text("utf-8"), str(path), DEFAULT_RULES)
    return {(d.line, d.code) for d in diagnostics}


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda path: path.name)
def test_static_findings_equal_runtime_sites(path: Path) -> None:
    _, recording, _ = load(path)
    runtime = recording.lines(str(path))
    static = static_sites(path)
    misses = known_misses(path)
    documented = {site for site in runtime if site[0] in misses}
    unmarked = sorted(misses - {line for line, _ in runtime})
    assert not unmarked, f"known-miss markers on lines with no runtime site: {unmarked}"
    assert not (static & documented), f"a known-miss line is found statically now: {sorted(static & documented)}"
    runtime -= documented
    false_positives = sorted(static - runtime)
    misses_found = sorted(runtime - static)
    assert not false_positives and not misses_found, (
        f"\nreported but not a plain tensor at runtime: {false_positives}"
        f"\nplain tensor at runtime but not reported: {misses_found}"
    )


def test_fixtures_cover_many_module_classes() -> None:
    total = sum(len(load(path, "torchlint_count")[2]) for path in fixture_paths())
    assert total >= 60, f"only {total} fixture module classes"


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda path: path.name)
def test_notebook_findings_equal_runtime_sites(path: Path) -> None:
    """A notebook's code cells, run in order with torch, put plain tensors exactly where torchlint reports
    them, counted in the notebook's cells."""
    runtime, classes = run_notebook(path)
    outcome = check_source(read(str(path)), str(path), Job(rules=DEFAULT_RULES))
    assert outcome.error is None
    static = {(d.cell, d.line, d.code) for d in outcome.diagnostics}
    assert runtime and classes, "a notebook fixture must build modules and have runtime sites"
    assert static == runtime, (
        f"\nreported but not a plain tensor at runtime: {sorted(static - runtime)}"
        f"\nplain tensor at runtime but not reported: {sorted(runtime - static)}"
    )
