"""Classes that are modules only through an installed package: bases resolved by reading (never importing)
the package's source in the project interpreter's site-packages (``--python``, the ``python`` setting, the
active virtualenv, a ``.venv`` beside the configuration); and what their overrides and instances mean."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from torchlint.commands.cli import main
from torchlint.config.interpreter import search_path, site_packages

LIBRARY = {
    "libzoo/__init__.py": "from .models import ZooModel\n",
    "libzoo/core.py": """\
        import torch.nn as nn


        class Module(nn.Module):
            def to(self, *args, **kwargs):
                self._cache = None
                return super().to(*args, **kwargs)
        """,
    "libzoo/models.py": """\
        import torch
        from libzoo.core import Module


        class ZooModel(Module):
            def __init__(self):
                super().__init__()
                self.register_buffer("running", torch.zeros(2))
        """,
    "libzoo/metrics.py": """\
        import torch.nn as nn


        class Metric(nn.Module):
            def _apply(self, fn, recurse=True):
                this = super()._apply(fn, recurse)
                for key in this._states:
                    setattr(this, key, fn(getattr(this, key)))
                return this
        """,
}

PROJECT = """\
    import torch
    from libzoo import ZooModel
    from libzoo.metrics import Metric


    class Net(ZooModel):
        def __init__(self):
            super().__init__()
            self.mask = torch.ones(3)


    class Score(Metric):
        def __init__(self):
            super().__init__()
            self._states = ["total"]
            self.total = torch.zeros(1)


    net = Net()
    net.extra = torch.randn(2)
    net.running = torch.ones(2)
    """


def _environment(tmp_path: Path) -> Path:
    venv = tmp_path / "env"
    site = venv / "lib" / "python3.11" / "site-packages"
    for relative, text in LIBRARY.items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    (venv / "bin").mkdir()
    (venv / "bin" / "python").write_text("", encoding="utf-8")
    return venv


def _project(tmp_path: Path, config: str = "") -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text(f"[project]\nname = 'proj'\n{config}", encoding="utf-8")
    (root / "app.py").write_text(textwrap.dedent(PROJECT), encoding="utf-8")
    return root / "app.py"


def _lint(capsys: pytest.CaptureFixture[str], *args: str) -> list[tuple[int, str]]:
    main(["--no-cache", *args])
    out = capsys.readouterr().out
    return [(int(line.split(":")[1]), line.split(" ")[1]) for line in out.splitlines() if line.startswith("/")]


def test_base_through_an_installed_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    venv = _environment(tmp_path)
    app = _project(tmp_path)
    found = _lint(capsys, "--python", str(venv / "bin" / "python"), str(app))
    # Net is a module through libzoo's Module, whose to() clears a cache and moves no plain tensor: its mask is
    # reported; Score's Metric base walks its states, so total is moved; net.extra is set from outside, and
    # net.running is ZooModel's buffer
    assert found == [(9, "TL001"), (20, "TL001")]


def test_python_setting_and_virtualenv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    venv = _environment(tmp_path)
    app = _project(tmp_path, f"[tool.torchlint]\npython = {str(venv)!r}\n")
    assert _lint(capsys, str(app)) == [(9, "TL001"), (20, "TL001")]
    monkeypatch.setenv("VIRTUAL_ENV", str(venv))
    assert _lint(capsys, "--isolated", str(app)) == [(9, "TL001"), (20, "TL001")]


def test_without_the_package_nothing_is_known(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    empty = tmp_path / "empty"
    (empty / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    app = _project(tmp_path)
    assert _lint(capsys, "--python", str(empty), str(app)) == []


def test_a_venv_beside_the_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    venv = _environment(tmp_path)
    root = tmp_path / "proj"
    root.mkdir()
    (root / ".venv").symlink_to(venv)
    assert search_path(None, str(root)) == tuple(site_packages(str(root / ".venv")))


def test_a_python_that_does_not_exist_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _project(tmp_path)
    assert main(["--python", str(tmp_path / "nope"), str(app)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such interpreter" in err[0]


def test_runtime_agrees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Built with torch, the installed package importable: the plain tensors the recording sees are the
    lines the static check reports (Net.mask, and net.extra set from outside), not Score.total (Metric
    moves it) nor net.running (a buffer)."""
    import importlib.util

    from torchlint.runtime import record

    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    venv = _environment(tmp_path)
    app = _project(tmp_path)
    monkeypatch.syspath_prepend(str(venv / "lib" / "python3.11" / "site-packages"))
    spec = importlib.util.spec_from_file_location("installed_app", app)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with record() as recording:
        spec.loader.exec_module(module)
        module.Score()
    for name in [name for name in list(__import__("sys").modules) if name.startswith("libzoo")]:
        monkeypatch.delitem(__import__("sys").modules, name)
    runtime = recording.lines(str(app))
    static = set(_lint(capsys, "--python", str(venv), str(app)))
    assert runtime == static == {(9, "TL001"), (20, "TL001")}
