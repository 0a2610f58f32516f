"""The cache returns the same diagnostics without re-analysing, and is invalidated by every input that
matters; --jobs gives the same output as one process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import torchlint.run.runner
from torchlint.commands.cli import main

MODEL = (
    "import torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n"
    "        super().__init__()\n        self.a = torch.arange(3)\n"
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


@pytest.fixture
def analyses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every file that is really analysed (not served from the cache)."""
    seen: list[str] = []
    original = torchlint.run.runner.check_source

    def counting(source, shown_as, job):  # type: ignore[no-untyped-def]
        seen.append(os.path.basename(shown_as))
        return original(source, shown_as, job)

    monkeypatch.setattr(torchlint.run.runner, "check_source", counting)
    return seen


def test_warm_run_analyses_nothing_and_prints_the_same(tmp_path: Path, capsys: pytest.CaptureFixture[str], analyses: list[str]) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.torchlint]\n", encoding="utf-8")
    for index in range(3):
        (tmp_path / f"m{index}.py").write_text(MODEL, encoding="utf-8")
    cold = run(capsys, "-j", "1", str(tmp_path))
    assert len(analyses) == 3
    warm = run(capsys, "-j", "1", str(tmp_path))
    assert warm == cold and len(analyses) == 3
    assert (tmp_path / ".torchlint_cache" / ".gitignore").read_text().endswith("*\n")


def test_cache_invalidation(tmp_path: Path, capsys: pytest.CaptureFixture[str], analyses: list[str]) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.torchlint]\n", encoding="utf-8")
    path = tmp_path / "m.py"
    path.write_text(MODEL, encoding="utf-8")
    run(capsys, str(tmp_path))
    path.write_text(MODEL.replace("arange(3)", "arange(4)"), encoding="utf-8")  # content
    run(capsys, str(tmp_path))
    run(capsys, "--select", "TL002", str(tmp_path))  # configuration
    (tmp_path / "pyproject.toml").write_text('[tool.torchlint]\ntarget-torch = "2.5"\n', encoding="utf-8")
    run(capsys, str(tmp_path))
    run(capsys, "--no-cache", str(tmp_path))
    run(capsys, "--diff", str(tmp_path))  # fixing never reads the cache
    assert analyses == ["m.py"] * 6


def test_cross_file_dependency_invalidates(tmp_path: Path, capsys: pytest.CaptureFixture[str], analyses: list[str]) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.torchlint]\n", encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    base = tmp_path / "pkg" / "base.py"
    base.write_text("from torch import nn\n\n\nclass Base(nn.Module):\n    pass\n", encoding="utf-8")
    leaf = tmp_path / "pkg" / "leaf.py"
    leaf.write_text(MODEL.replace("from torch import nn", "from pkg.base import Base").replace("nn.Module", "Base"), encoding="utf-8")
    assert run(capsys, str(leaf))[0] == 1
    assert run(capsys, str(leaf))[0] == 1 and analyses == ["leaf.py"]
    base.write_text("class Base:\n    pass\n", encoding="utf-8")
    os.utime(base, ns=(1, 1))
    assert run(capsys, str(leaf)) == (0, "")
    assert analyses == ["leaf.py", "leaf.py"]


def test_cache_dir_option_and_unwritable_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.py").write_text(MODEL, encoding="utf-8")
    cache = tmp_path / "elsewhere"
    assert run(capsys, "--cache-dir", str(cache), str(tmp_path / "m.py"))[0] == 1
    assert any(cache.rglob("*.json"))
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache directory should go", encoding="utf-8")
    assert run(capsys, "--cache-dir", str(blocked), str(tmp_path / "m.py"))[0] == 1


def test_jobs_give_the_same_output_as_one_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for index in range(80):
        text = MODEL if index % 3 else MODEL.replace("torch.arange(3)", "torch.ones(3)")
        (tmp_path / f"m{index:02d}.py").write_text(text, encoding="utf-8")
    single = run(capsys, "--no-cache", "-j", "1", str(tmp_path))
    multi = run(capsys, "--no-cache", "-j", "2", str(tmp_path))
    assert multi == single and single[1].count("\n") == 80


def test_jobs_with_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for index in range(40):
        (tmp_path / f"m{index:02d}.py").write_text(MODEL, encoding="utf-8")
    assert main(["--fix", "-j", "2", str(tmp_path)]) == 0
    assert all("register_buffer" in p.read_text("utf-8") for p in tmp_path.glob("*.py"))
    assert capsys.readouterr().err == "Fixed 40 errors, 0 remaining.\n"


@pytest.mark.parametrize("value", ["0", "-1", "x"])
def test_bad_jobs_is_a_usage_error(capsys: pytest.CaptureFixture[str], value: str) -> None:
    assert main(["--jobs", value, "."]) == 2


def test_nested_dependency_tracking_with_equal_sets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two files importing the same base: the trackers' sets are equal, and removing one must not remove
    the other (list.remove compares by value)."""
    (tmp_path / "pyproject.toml").write_text("[tool.torchlint]\n", encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "pkg" / "base.py").write_text("from torch import nn\n\n\nclass Base(nn.Module):\n    pass\n", encoding="utf-8")
    leaf = MODEL.replace("from torch import nn", "from pkg.base import Base").replace("nn.Module", "Base")
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / "pkg" / name).write_text(leaf, encoding="utf-8")
    code, out = run(capsys, "-j", "1", str(tmp_path))
    assert code == 1 and out.count(" TL001 ") == 3
