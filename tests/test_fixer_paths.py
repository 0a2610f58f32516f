"""Applying a fix rebuilds only the path from the module to the edited nodes (torchlint.fix.fixer.Parents),
and that gives exactly the code a full rebuild gives, for every fix of every kind of edit the rules make."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import libcst as cst
import pytest

from torchlint.engine.dispatch import analyse
from torchlint.engine.registry import all_rules
from torchlint.fix.fixer import Parents, apply_fixes, non_overlapping

ROOT = Path(__file__).resolve().parent.parent
IMPORTS_NEEDED = ROOT / "tests/fixtures/fix_needs_an_import.py"
SOURCES = [
    ROOT / "tests/fixtures/tensor_sources.py",
    ROOT / "tests/fixtures/assignment_forms.py",
    IMPORTS_NEEDED,
    *sorted((ROOT / "tests/rule_fixtures").glob("*.py")),
]


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.name)
def test_a_fix_applied_along_its_path_is_the_full_rebuild(path: Path) -> None:
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    fixes = [finding.fix for finding in analyse(module, list(all_rules())) if finding.fix is not None]
    parents = Parents(module)
    for fix in fixes:
        assert apply_fixes(module, [fix], parents).code == apply_fixes(module, [fix]).code
    together = non_overlapping(fixes)
    assert apply_fixes(module, together, parents).code == apply_fixes(module, together).code


def test_the_sources_hold_every_kind_of_edit() -> None:
    kinds: Counter[str] = Counter()
    for path in SOURCES:
        module = cst.parse_module(path.read_text(encoding="utf-8"))
        for finding in analyse(module, list(all_rules())):
            if finding.fix is not None:
                kinds.update(type(edit).__name__ for edit in finding.fix.edits)
    assert {"Replace", "InsertClassStatement", "InsertImport", "InsertAfter"} <= set(kinds), kinds
