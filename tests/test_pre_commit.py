"""The pre-commit hooks (.pre-commit-hooks.yaml), checked by pre-commit itself and run for real with
``pre-commit try-repo`` against a temporary git repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "torchlint", "rules")
BAD = textwrap.dedent(
    """\
    import torch
    from torch import nn


    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.mask = torch.ones(3) > 0
            self.w = torch.randn(3, requires_grad=True)
    """
)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def test_manifest_is_valid_and_as_intended() -> None:
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"torchlint", "torchlint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["types_or"] == ["python", "pyi", "jupyter"]
        assert hook["require_serial"] is True  # torchlint runs its own worker processes (--jobs)
        assert "--force-exclude" in hook["entry"].split()
        assert hook["additional_dependencies"] == []  # never torch
    assert hooks["torchlint"]["entry"].split()[0] == "torchlint"
    assert "--fix" in hooks["torchlint-fix"]["entry"].split() and "--fix" not in hooks["torchlint"]["entry"]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args], cwd=cwd,
                   env={**os.environ, **GIT_ENV}, check=True, capture_output=True)


def hook_repository(directory: Path) -> Path:
    """A git repository holding this working tree's torchlint (committed, so try-repo installs exactly it)."""
    directory.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".torchlint_cache", "*.egg-info")
    for name in SHIPPED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, directory / name, ignore=ignore)
        else:
            shutil.copy2(source, directory / name)
    git(directory, "init", "-q")
    git(directory, "add", "-A")
    git(directory, "commit", "-q", "-m", "torchlint")
    return directory


@pytest.mark.slow
def test_try_repo_checks_then_fixes(tmp_path: Path) -> None:
    hooks = hook_repository(tmp_path / "hooks")
    work = tmp_path / "work"
    (work / "vendored").mkdir(parents=True)
    (work / "model.py").write_text(BAD, encoding="utf-8")
    (work / "vendored" / "model.py").write_text(BAD, encoding="utf-8")  # excluded by the configuration
    (work / "pyproject.toml").write_text('[tool.torchlint]\nextend-exclude = ["vendored"]\n', encoding="utf-8")
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}, "outputs": [],
                           "source": BAD.splitlines(keepends=True)}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (work / "model.ipynb").write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")
    git(work, "init", "-q")
    git(work, "add", "-A")
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), "--all-files", "--color=never"],
        cwd=work, env={**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")},
        capture_output=True, text=True, timeout=900, check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    check, fix = output.split("\ntorchlint (fix)", 1)
    assert "\ntorchlint....." in check and "Failed" in check
    assert "model.py:8:9: TL001 [*] `self.mask`" in check and "model.py:9:9: TL002" in check
    assert "model.ipynb:cell 1:8:9: TL001 [*] `self.mask`" in check  # pre-commit hands notebooks over (jupyter)
    assert "vendored" not in output  # --force-exclude kept the configured exclude for the named file
    assert "Failed" in fix and "- files were modified by this hook" in fix
    assert "Fixed 2 errors, 2 remaining." in fix
    fixed = (work / "model.py").read_text(encoding="utf-8")
    assert 'self.register_buffer("mask", torch.ones(3) > 0, persistent=False)' in fixed
    assert (work / "vendored" / "model.py").read_text(encoding="utf-8") == BAD
    fixed_cell = "".join(json.loads((work / "model.ipynb").read_text(encoding="utf-8"))["cells"][0]["source"])
    assert 'self.register_buffer("mask", torch.ones(3) > 0, persistent=False)' in fixed_cell
