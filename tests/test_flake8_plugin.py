"""The flake8 plugin, through the real flake8 in a subprocess: what a flake8 user or an editor sees."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from torchlint.integrations.flake8_plugin import TorchlintChecker

SOURCE = textwrap.dedent(
    """\
    import torch
    from torch import nn


    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.mask = torch.ones(3)
            self.w = torch.randn(3, requires_grad=True)
            é = 1; self.late = torch.zeros(2)  # a finding after a non-ASCII character
    """
)


def flake8(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *args],
        cwd=cwd, input=stdin, capture_output=True, text=True, encoding="utf-8", check=False,
    )


def torchlint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "torchlint", "--no-cache", *args],
        cwd=cwd, capture_output=True, text=True, encoding="utf-8", check=False,
    )


def locations(output: str) -> list[str]:
    """``path:line:col: CODE`` of each line (torchlint's ``[*]`` fix mark and the messages dropped)."""
    return [" ".join(line.split(" ")[:2]) for line in output.splitlines()]


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "model.py"
    path.write_text(SOURCE, encoding="utf-8")
    return path


def test_plugin_is_registered_under_tl(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True, check=True)
    assert "torchlint: " in result.stdout
    from importlib.metadata import entry_points

    (entry,) = [e for e in entry_points(group="flake8.extension") if e.value.startswith("torchlint")]
    assert entry.name == "TL" and entry.load() is TorchlintChecker


def test_same_lines_and_columns_as_torchlint(model: Path) -> None:
    result = flake8(model.parent, "--select=TL", "model.py")
    assert result.returncode == 1, result.stderr
    assert locations(result.stdout) == [
        "model.py:8:9: TL001", "model.py:9:9: TL002", "model.py:10:16: TL001"
    ]
    assert locations(result.stdout) == locations(torchlint(model.parent, "model.py").stdout)
    mask = result.stdout.splitlines()[0]
    assert mask == ("model.py:8:9: TL001 `self.mask` holds a tensor that is not registered: it is left out of "
                    'state_dict() and not moved by .to(); register it with self.register_buffer("mask", ...)')


def test_runs_beside_flake8s_own_checks(model: Path) -> None:
    result = flake8(model.parent, "model.py")  # default selection: pycodestyle, pyflakes and TL
    codes = {line.split(" ")[1] for line in result.stdout.splitlines()}
    assert {"TL001", "TL002", "E702", "F841"} <= codes


def test_noqa_is_flake8s(model: Path) -> None:
    model.write_text(SOURCE.replace("torch.ones(3)", "torch.ones(3)  # noqa: TL001"), encoding="utf-8")
    assert locations(flake8(model.parent, "--select=TL", "model.py").stdout) == [
        "model.py:9:9: TL002", "model.py:10:16: TL001"
    ]
    # flake8's --disable-noqa shows what # noqa hides: the plugin does not filter # noqa behind flake8's back
    assert "model.py:8:9: TL001" in locations(flake8(model.parent, "--select=TL", "--disable-noqa", "model.py").stdout)


def test_file_level_noqa_is_flake8s(model: Path) -> None:
    model.write_text("# flake8: noqa\n" + SOURCE, encoding="utf-8")
    assert flake8(model.parent, "--select=TL", "model.py").stdout == ""
    assert len(flake8(model.parent, "--select=TL", "--disable-noqa", "model.py").stdout.splitlines()) == 3


def test_torchlint_directives_apply_under_flake8(model: Path) -> None:
    source = SOURCE.replace("torch.ones(3)", "torch.ones(3)  # torchlint: ignore[TL001]")
    model.write_text("# torchlint: file-ignore[TL002]\n" + source, encoding="utf-8")
    for extra in ((), ("--disable-noqa",)):  # not flake8's comments: --disable-noqa leaves them in force
        assert locations(flake8(model.parent, "--select=TL", *extra, "model.py").stdout) == ["model.py:11:16: TL001"]


def test_lints_the_lines_flake8_read_from_stdin(model: Path) -> None:
    """An editor's unsaved buffer arrives on standard input; the file on disk is different."""
    model.write_text("import torch\n", encoding="utf-8")
    result = flake8(model.parent, "--select=TL", "--stdin-display-name=model.py", "-", stdin=SOURCE)
    assert locations(result.stdout) == ["model.py:8:9: TL001", "model.py:9:9: TL002", "model.py:10:16: TL001"]


def test_follows_the_torchlint_configuration(model: Path) -> None:
    (model.parent / "pyproject.toml").write_text(
        '[tool.torchlint]\nignore = ["TL002"]\nextend-select = ["TL100"]\n', encoding="utf-8"
    )
    model.write_text(SOURCE + "        x = 1  # torchlint: ignore[TL001]\n", encoding="utf-8")
    assert locations(flake8(model.parent, "--select=TL", "model.py").stdout) == [
        "model.py:8:9: TL001", "model.py:10:16: TL001", "model.py:11:16: TL100"
    ]


def test_a_file_libcst_cannot_parse_is_left_to_flake8(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("import torch\ndef f(:\n", encoding="utf-8")
    result = flake8(tmp_path, "bad.py")
    assert [line.split(" ")[1] for line in result.stdout.splitlines()] == ["E999"]


def test_checker_yields_zero_based_columns() -> None:
    checker = TorchlintChecker(compile(SOURCE, "m.py", "exec", 1024), SOURCE.splitlines(keepends=True), "m.py")
    assert [(line, column, text.split(" ")[0]) for line, column, text, _ in checker.run()] == [
        (8, 8, "TL001"), (9, 8, "TL002"), (10, 15, "TL001")
    ]
