"""CI slice of the fix-proof harness (tools/fix_proof, issue 16) on a tiny package tree written here.

``tinypkg`` holds one class whose fix is right (a plain table that becomes a non-persistent buffer) and the
pre-commit trap of issue 16: a subclass in another file re-assigns a tensor that its base, kept plain under
``# noqa``, already assigned. Fixing the subclass alone would make construction raise ``KeyError: "attribute
'timesteps' already exists"``; the harness must compare the fixed class and must report that break when it is
written by hand.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
ORACLE = str(ROOT / "tools")

BASE = '''import torch
from torch import nn


class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.timesteps = torch.arange(4.0)  # noqa: TL001
'''
SUB = '''import torch

from tinypkg.base import Base


class Sub(Base):
    def __init__(self):
        super().__init__()
        self.timesteps = torch.arange(4.0) * 2

    def forward(self, x):
        return x + self.timesteps.sum()
'''
TABLE = '''import torch
from torch import nn


class Table(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = torch.linspace(0.5, 2.0, 8)

    def forward(self, x):
        return x * self.table
'''
BROKEN_SUB = SUB.replace("self.timesteps = torch.arange(4.0) * 2",
                         'self.register_buffer("timesteps", torch.arange(4.0) * 2, persistent=False)')


def harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fix_proof_run", ROOT / "tools" / "fix_proof" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_package(tmp_path: Path) -> Path:
    package = tmp_path / "src" / "tinypkg"
    package.mkdir(parents=True)
    for name, text in {"__init__.py": "", "base.py": BASE, "sub.py": SUB, "table.py": TABLE}.items():
        (package / name).write_text(text, encoding="utf-8")
    return package


def test_single_file_fixes_compare_clean_and_a_hand_written_break_is_reported(tmp_path: Path) -> None:
    run = harness()
    work = tmp_path / "work"
    summary = run.prove("tinypkg", "single", [], ORACLE, 300, str(work), source=str(tiny_package(tmp_path)))
    # the table is fixed and compared; the subclass's finding is kept without a fix (its base holds the name)
    assert (summary["files_with_fixes"], summary["files_changed"], summary["hunks"]) == (1, 1, 1), summary
    assert summary["classes"] == 1 and summary["compared_forward"] == 1 and summary["round_trips"] == 1, summary
    assert summary["constructions_broken"] == summary["reload_mismatches"] == summary["forward_changes"] == 0, summary
    assert summary["keys_changed"] == 0 and summary["casts_followed"] == 1, summary  # follows .to(float64)
    assert summary["build_errors"] == {}, summary

    # the fix the MRO check withholds, written by hand: the harness must see construction raise
    fixed = work / "fixed"
    (fixed / "tinypkg" / "sub.py").write_text(BROKEN_SUB, encoding="utf-8")
    broken = run.compare_trees(str(work / "orig"), str(fixed), str(tmp_path / "data"), ["tinypkg/sub.py"], ORACLE,
                               300)
    assert broken["classes"] == 1 and broken["constructions_broken"] == 1, broken
    assert "already exists" in broken["problems"][0], broken


def test_ignores_mode_leaves_the_ignored_file_alone(tmp_path: Path) -> None:
    run = harness()
    summary = run.prove("tinypkg", "ignores", [], ORACLE, 300, str(tmp_path / "work"),
                        source=str(tiny_package(tmp_path)))
    assert summary["files_ignored"] == 1 and summary["files_changed"] == 0, summary
    assert summary["ignored_files_changed"] == [], summary
    shutil.rmtree(tmp_path / "work")
