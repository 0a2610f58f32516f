"""--fix keeps every byte it does not need to change: encodings, BOM, CRLF, tabs, comments, file mode."""

from __future__ import annotations

import io
import os
import stat
import sys
from pathlib import Path

import pytest

from torchlint.commands.cli import main

HEADER = "import torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"


def fix(path: Path, *extra: str) -> int:
    return main(["--fix", "--unsafe-fixes", *extra, str(path)])


def test_crlf_line_endings_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    source = (HEADER + "        self.mask = torch.ones(3)  # keep me\n        self.n = 1\n").replace("\n", "\r\n")
    path.write_bytes(source.encode())
    assert fix(path) == 0
    data = path.read_bytes()
    assert b'self.register_buffer("mask", torch.ones(3), persistent=False)  # keep me\r\n' in data
    assert data.count(b"\r\n") == source.count("\r\n") and b"\n" not in data.replace(b"\r\n", b"")


def test_bom_and_coding_cookie_are_kept(tmp_path: Path) -> None:
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + (HEADER + "        self.mask = torch.ones(3)  # \xc3\xa9t\xc3\xa9\n").encode("latin-1"))
    assert fix(bom) == 0
    assert bom.read_bytes().startswith(b"\xef\xbb\xbfimport torch")
    assert "# été" in bom.read_bytes().decode("utf-8-sig")
    latin = tmp_path / "latin.py"
    latin.write_bytes(("# -*- coding: latin-1 -*-\n" + HEADER + "        self.mask = torch.ones(3)  # déjà\n").encode("latin-1"))
    assert fix(latin) == 0
    data = latin.read_bytes()
    assert "# déjà".encode("latin-1") in data and b"register_buffer" in data
    assert data.startswith(b"# -*- coding: latin-1 -*-\n")


def test_tabs_comments_inside_and_no_trailing_newline(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    source = (
        "import torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n\tdef __init__(self):\n"
        "\t\tsuper().__init__()\n"
        "\t\tself.mask = torch.ones(  # size below\n\t\t\t3,  # three\n\t\t\tdtype=torch.bool,\n\t\t)"
    )
    path.write_text(source, encoding="utf-8")
    assert fix(path) == 0
    assert path.read_text("utf-8") == (
        "import torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n\tdef __init__(self):\n"
        "\t\tsuper().__init__()\n"
        '\t\tself.register_buffer("mask", torch.ones(  # size below\n\t\t\t3,  # three\n\t\t\tdtype=torch.bool,\n'
        "\t\t), persistent=False)"
    )


def test_parenthesised_multiline_value_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        HEADER + "        self.pe = (\n            torch.zeros(4)\n            + 1\n        ); self.k = 2\n", encoding="utf-8"
    )
    assert fix(path) == 0
    assert path.read_text("utf-8").endswith(
        '        self.register_buffer("pe", (\n            torch.zeros(4)\n            + 1\n        ), persistent=False);'
        " self.k = 2\n"
    )


def test_annotated_assignment_keeps_a_class_level_annotation(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        'import torch\nfrom torch import Tensor, nn\n\n\nclass M(nn.Module):\n    """Doc."""\n\n'
        "    def __init__(self):\n        super().__init__()\n        self.pe: Tensor = torch.zeros(3)\n",
        encoding="utf-8",
    )
    assert fix(path) == 0
    assert path.read_text("utf-8") == (
        'import torch\nfrom torch import Tensor, nn\n\n\nclass M(nn.Module):\n    """Doc."""\n    pe: Tensor\n\n'
        '    def __init__(self):\n        super().__init__()\n        self.register_buffer("pe", torch.zeros(3), '
        "persistent=False)\n"
    )


def test_file_mode_is_kept_and_no_temporary_files_left(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(HEADER + "        self.mask = torch.ones(3)\n", encoding="utf-8")
    os.chmod(path, 0o751)
    assert fix(path) == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o751
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py"]


def test_safe_only_by_default_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        HEADER + "        self.a = torch.arange(3)\n        self.b = torch.ones(3)\n"
        "        self.c = torch.zeros(2, requires_grad=True)\n",
        encoding="utf-8",
    )
    assert main(["--fix", str(path)]) == 1
    out, err = capsys.readouterr()
    text = path.read_text("utf-8")
    assert 'self.register_buffer("a", torch.arange(3), persistent=False)' in text
    assert "self.b = torch.ones(3)" in text and "self.c = torch.zeros(2, requires_grad=True)" in text
    assert [line.split(" ")[1] for line in out.splitlines()] == ["TL001", "TL002"]
    assert err == "Fixed 1 error, 2 remaining.\n"
    assert main(["--fix", "--unsafe-fixes", str(path)]) == 0
    assert "self.c = nn.Parameter(torch.zeros(2))" in path.read_text("utf-8")
    assert main(["--fix", "--unsafe-fixes", str(path)]) == 0
    assert capsys.readouterr().err == (
        "Fixed 2 errors, 0 remaining.\n"
        "All checks passed! Checked 1 file, 1 module class analysed.\n"  # the second run: nothing left
    )


def test_extend_safe_and_unsafe_fixes(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(HEADER + "        self.b = torch.ones(3)\n        self.a = torch.arange(3)\n", encoding="utf-8")
    assert main(["--fix", "--extend-unsafe-fixes", "TL001", str(path)]) == 1
    assert "register_buffer" not in path.read_text("utf-8")
    assert main(["--fix", "--extend-safe-fixes", "TL001", str(path)]) == 0
    assert path.read_text("utf-8").count("register_buffer") == 2


def test_diff_writes_nothing_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.py"
    source = HEADER + "        self.a = torch.arange(3)\n"
    path.write_text(source, encoding="utf-8")
    assert main(["--diff", str(path)]) == 1
    out = capsys.readouterr().out
    assert path.read_text("utf-8") == source
    shown = str(path).lstrip("/")  # outside the working directory: shown without its root, never a//tmp/...
    assert f"--- a/{shown}\n+++ b/{shown}\n" in out
    assert '+        self.register_buffer("a", torch.arange(3), persistent=False)\n' in out
    clean = tmp_path / "clean.py"
    clean.write_text("import torch\n", encoding="utf-8")
    assert main(["--diff", str(clean)]) == 0


def test_diff_applies_with_git_apply(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """git-style a/ and b/ headers: `git apply` takes the diff without -p0."""
    import shutil
    import subprocess

    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    subprocess.run([git, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "pkg").mkdir()
    path = tmp_path / "pkg" / "m.py"
    path.write_text(HEADER + "        self.a = torch.arange(3)\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["--diff", "pkg/m.py"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("--- a/pkg/m.py\n+++ b/pkg/m.py\n")
    assert main(["--diff", str(path)]) == 1  # an absolute path inside the working directory is shown relative
    assert capsys.readouterr().out == out
    (tmp_path / "fix.diff").write_text(out, encoding="utf-8")
    check = subprocess.run([git, "apply", "--check", "fix.diff"], cwd=tmp_path, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    subprocess.run([git, "apply", "fix.diff"], cwd=tmp_path, check=True)
    assert 'self.register_buffer("a", torch.arange(3), persistent=False)' in path.read_text("utf-8")


def test_stdin_fix_prints_the_fixed_source(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    source = HEADER + "        self.a = torch.arange(3)\n        self.b = torch.ones(3)\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(source.encode())))
    assert main(["--fix", "--stdin-filename", "m.py", "-"]) == 1
    out, err = capsys.readouterr()
    assert out == source.replace("self.a = torch.arange(3)", 'self.register_buffer("a", torch.arange(3), persistent=False)')
    assert "m.py:9:9: TL001 " in err


def test_target_torch_writes_nn_buffer_with_the_files_alias(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(HEADER.replace("from torch import nn", "import torch.nn as tnn").replace("nn.Module", "tnn.Module")
                    + "        self.a = torch.arange(3)\n", encoding="utf-8")
    assert main(["--fix", "--target-torch", "2.5", str(path)]) == 0
    assert "        self.a = tnn.Buffer(torch.arange(3), persistent=False)\n" in path.read_text("utf-8")


def test_no_fix_before_super_init_and_the_message_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.py"
    source = (
        "import torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n"
        "        self.a = torch.arange(3)\n        super().__init__()\n        self.b, self.c = torch.arange(2), 1\n"
    )
    path.write_text(source, encoding="utf-8")
    assert main(["--fix", "--unsafe-fixes", str(path)]) == 1
    assert path.read_text("utf-8") == source
    out = capsys.readouterr().out
    assert "(no automatic fix: assigned before super().__init__() has run)" in out
    assert "(no automatic fix: tuple assignment)" in out


def test_no_fix_when_a_method_assigns_a_non_tensor(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    source = HEADER + "        self.a = torch.arange(3)\n\n    def reset(self):\n        self.a = [1, 2]\n"
    path.write_text(source, encoding="utf-8")
    assert main(["--fix", "--unsafe-fixes", str(path)]) == 1
    assert path.read_text("utf-8") == source


def test_persistent_buffers_are_always_unsafe(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(HEADER + "        self.a = torch.arange(3)\n", encoding="utf-8")
    assert main(["--fix", "--fix-buffer-persistence", "persistent", str(path)]) == 1
    assert main(["--fix", "--unsafe-fixes", "--fix-buffer-persistence", "persistent", str(path)]) == 0
    assert 'self.register_buffer("a", torch.arange(3))\n' in path.read_text("utf-8")
