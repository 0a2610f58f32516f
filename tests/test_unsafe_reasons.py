"""Every output that shows an unsafe fix says why it is unsafe: full, json, --show-fixes and --diff."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from torchlint.commands.cli import main

SOURCE = (
    "import torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n"
    "        super().__init__()\n        self.table = torch.ones(3)\n        self.index = torch.arange(3)\n"
)
FLOAT = "a floating buffer is cast by .half()/.to(dtype), which left the plain tensor alone"


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "m.py"
    path.write_text(SOURCE, encoding="utf-8")
    return path


def test_full_and_json_say_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path)
    main(["--isolated", "--output-format", "full", str(path)])
    out = capsys.readouterr().out
    assert f"(unsafe fix, applied by --fix --unsafe-fixes: unsafe because {FLOAT})" in out
    assert "(safe fix, applied by --fix)\n" in out  # the integer table: no reason to give
    main(["--isolated", "--output-format", "json", str(path)])
    rows = json.loads(capsys.readouterr().out)
    assert [row["fix"]["unsafe_reason"] for row in rows] == [FLOAT, None]
    main(["--isolated", "--output-format", "json", "--extend-unsafe-fixes", "TL001", str(path)])
    rows = json.loads(capsys.readouterr().out)
    assert rows[1]["fix"]["unsafe_reason"] == "made unsafe by --extend-unsafe-fixes"


def test_show_fixes_and_diff_say_why(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["--isolated", "--diff", "--unsafe-fixes", "m.py"]) == 1
    diff = capsys.readouterr().out
    assert diff.splitlines()[0] == f"# TL001 8:9: unsafe fix: {FLOAT}"
    assert "# TL001 9:" not in diff  # the safe fix
    git = shutil.which("git")
    if git is not None:  # the note above the headers does not stop git apply
        subprocess.run([git, "init", "-q", str(tmp_path)], check=True)
        (tmp_path / "fix.diff").write_text(diff, encoding="utf-8")
        check = subprocess.run([git, "apply", "--check", "fix.diff"], cwd=tmp_path, capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
    assert main(["--isolated", "--fix", "--unsafe-fixes", "--show-fixes", "m.py"]) == 0
    err = capsys.readouterr().err
    assert f"Fixed m.py:8:9: TL001 Register `table` as a non-persistent buffer (unsafe: {FLOAT})" in err
    assert "Fixed m.py:9:9: TL001 Register `index` as a non-persistent buffer\n" in err
