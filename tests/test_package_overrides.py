"""Issue 17 item 3 across files: a detection head's plain ``stride`` (and its class-level ``anchors``
placeholder) that the model of *another file* moves in its ``_apply`` (ultralytics: ``Detect`` in
``nn/modules/head.py``, ``BaseModel._apply`` in ``nn/tasks.py``: ``if isinstance(m, Detect): m.stride =
fn(m.stride)``) must not be told "not moved by .to()".

Each twin is linted through the CLI (a project of two files; the head's file alone too, as pre-commit does)
and then built with torch: ``.to(torch.float64)`` shows whether the head's values move, and
``torchlint.runtime.record()`` must record exactly the head sites the static run reports."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from torchlint.commands.cli import main

HEAD = """\
import torch
from torch import nn


class Detect(nn.Module):
    anchors = torch.empty(0)

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.stride = torch.zeros(3)

    def forward(self, x):
        self.anchors = torch.ones(x.shape[0])
        return self.conv(x)


class Segment(Detect):
    pass
"""

TASKS = """\
import torch
from torch import nn

from .head import Detect, Segment  # noqa: F401


class Other(nn.Module):
    pass


class BaseModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Identity(), {head}())

    def _apply(self, fn, recurse=True):
        super()._apply(fn, recurse)
        m = self.model[-1]
        if isinstance(m, {named}):
            m.stride = fn(m.stride)
            m.anchors = fn(m.anchors)
        return self
"""


def _package(tmp_path: Path, name: str, named: str, head: str = "Detect") -> Path:
    root = tmp_path / name
    package = root / name
    package.mkdir(parents=True)
    (root / "pyproject.toml").write_text(f"[project]\nname = '{name}'\n", encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "head.py").write_text(HEAD, encoding="utf-8")
    (package / "tasks.py").write_text(textwrap.dedent(TASKS.format(named=named, head=head)), encoding="utf-8")
    return package


def _lint(paths: list[Path], capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    main(["--isolated", "--no-cache", "-j", "1", "--quiet", *map(str, paths)])
    return [line for line in capsys.readouterr().out.splitlines() if line]


def _runtime(tmp_path: Path, name: str) -> tuple[torch.dtype, torch.dtype, set[tuple[str, int]]]:
    import torch

    from torchlint.runtime import record

    sys.path.insert(0, str(tmp_path / name))
    try:
        with record() as recording:
            tasks = importlib.import_module(f"{name}.tasks")
            model = tasks.BaseModel()
        model.model[-1](torch.zeros(2, 3, 4, 4))
        model.to(torch.float64)
        head = model.model[-1]
        sites = {(Path(site.filename).name, site.line) for site in recording.sites if site.code == "TL001"}
        return head.stride.dtype, head.anchors.dtype, sites
    finally:
        sys.path.remove(str(tmp_path / name))
        for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[module]


torch = pytest.importorskip("torch")


@pytest.mark.parametrize("head", ["Detect", "Segment"])
def test_head_moved_by_a_model_in_another_file_is_not_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], head: str
) -> None:
    package = _package(tmp_path, f"moved{head.lower()}", named="Detect", head=head)
    for paths in ([package], [package / "head.py"]):
        lines = _lint(paths, capsys)
        assert not [line for line in lines if "head.py" in line], lines
    stride, anchors, sites = _runtime(tmp_path, f"moved{head.lower()}")
    assert (stride, anchors) == (torch.float64, torch.float64)  # .to() does move them, through the model
    assert not {site for site in sites if site[0] == "head.py"}


def test_head_that_the_model_does_not_name_is_still_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = _package(tmp_path, "unnamed", named="Other")
    for paths in ([package], [package / "head.py"]):
        lines = _lint(paths, capsys)
        reported = sorted((line.split(":")[1], line.split(": ")[1].split()[0]) for line in lines if "head.py" in line)
        assert reported == [("11", "TL001"), ("6", "TL008")], lines
        assert all("not moved by .to()" in line for line in lines if "head.py" in line)
    stride, anchors, sites = _runtime(tmp_path, "unnamed")
    assert (stride, anchors) == (torch.float32, torch.float32)  # the model's _apply skips a head it does not name
    assert {site for site in sites if site[0] == "head.py"} == {("head.py", 11)}
