"""The command line as users run it: output lines, exit codes, selection, noqa, stdin, discovery."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from torchlint import __version__
from torchlint.commands.cli import main

BAD = textwrap.dedent(
    """\
    import torch
    from torch import nn


    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.mask = torch.ones(3)
            self.w = torch.randn(3, requires_grad=True)
    """
)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_flake8_lines_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "model.py", BAD)
    code, out, err = run(capsys, str(path))
    assert code == 1 and err == "Found 2 errors. 2 more fixes available with --fix --unsafe-fixes.\n"
    assert out.splitlines() == [
        f"{path}:8:9: TL001 `self.mask` holds a tensor that is not registered: it is left out of state_dict() "
        'and not moved by .to(); register it with self.register_buffer("mask", ...)',
        f"{path}:9:9: TL002 `self.w` is a tensor that requires grad but is not an nn.Parameter: it is missing "
        "from parameters(), so no optimizer trains it; wrap it in nn.Parameter(...)",
    ]


def test_clean_file_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "ok.py", "import torch\nx = torch.ones(3)\n")
    assert run(capsys, str(path)) == (0, "", "All checks passed! Checked 1 file, 0 module classes analysed.\n")
    assert run(capsys, "--quiet", str(path)) == (0, "", "")


def test_the_summary_counts_files_classes_and_skipped_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    write(tmp_path, "pkg/clean.py", BAD.replace("torch.ones(3)", "nn.Linear(3, 3)").replace(
        "torch.randn(3, requires_grad=True)", "nn.Parameter(torch.randn(3))"))
    write(tmp_path, "pkg/other.py", "x = 1\n")
    assert run(capsys, "--isolated", str(tmp_path / "pkg")) == (
        0, "", "All checks passed! Checked 2 files, 1 module class analysed.\n")
    (tmp_path / "pkg" / "bad.py").write_bytes(b"import torch\nx = '\xff\xfe'\n")
    code, out, err = run(capsys, "--isolated", str(tmp_path / "pkg"))
    assert (code, out) == (2, "")
    assert err.splitlines()[-1].startswith("Checked 3 files, 1 module class analysed; 1 file skipped (cannot decode")
    assert "All checks passed" not in err
    code, _, err = run(capsys, "--isolated", "-q", str(tmp_path / "pkg"))
    assert code == 2 and err.count("\n") == 1 and err.startswith("torchlint: error: ")


def test_exit_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "model.py", BAD)
    code, out, _ = run(capsys, "--exit-zero", str(path))
    assert code == 0 and out.count("\n") == 2


def test_sorted_by_path_line_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "b.py", BAD)
    write(tmp_path, "a/z.py", BAD)
    _, out, _ = run(capsys, str(tmp_path))
    locations = [line.split(": ", 1)[0] for line in out.splitlines()]
    assert locations == sorted(locations, key=lambda s: (s.rsplit(":", 2)[0], int(s.split(":")[-2])))
    assert [Path(loc.rsplit(":", 2)[0]).name for loc in locations] == ["z.py", "z.py", "b.py", "b.py"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--select", "TL001"], ["TL001"]),
        (["--select", "tl002"], ["TL002"]),
        (["--select", "TL"], ["TL001", "TL002"]),
        (["--select", "ALL"], ["TL001", "TL002"]),
        (["--ignore", "TL001"], ["TL002"]),
        (["--select", "TL001", "--extend-select", "TL002"], ["TL001", "TL002"]),
        (["--select", "TL001,TL002", "--ignore", "TL00"], []),
    ],
)
def test_selection(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: list[str]) -> None:
    path = write(tmp_path, "model.py", BAD)
    _, out, _ = run(capsys, *args, str(path))
    assert [line.split(" ")[1] for line in out.splitlines()] == expected


@pytest.mark.parametrize("selector", ["TL9", "XYZ", "E501"])
def test_unknown_selector_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], selector: str) -> None:
    path = write(tmp_path, "model.py", BAD)
    code, out, err = run(capsys, "--select", selector, str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "unknown rule selector" in err


@pytest.mark.parametrize(
    ("comment", "remaining"),
    [
        ("  # noqa", []),
        ("  # NOQA", []),
        ("  # noqa: TL001", []),
        ("  # noqa:TL001", []),
        ("  # noqa: tl001", []),
        ("  # noqa: TL002", ["TL001"]),
        ("  # noqa: E501, TL001", []),
        ("  # noqa TL002", []),  # no colon: blanket, as in flake8
        ("  # some comment", ["TL001"]),
    ],
)
def test_noqa(tmp_path: Path, capsys: pytest.CaptureFixture[str], comment: str, remaining: list[str]) -> None:
    source = BAD.replace("torch.ones(3)", "torch.ones(3)" + comment)
    path = write(tmp_path, "model.py", source)
    _, out, _ = run(capsys, "--select", "TL001", str(path))
    assert [line.split(" ")[1] for line in out.splitlines()] == remaining


@pytest.mark.parametrize(("header", "skipped"), [("# flake8: noqa\n", True), ("# flake8: noqa: TL001\n", False),
                                                  ("x = 1  # flake8: noqa\n", False), ("# FLAKE8= NOQA\n", True)])
def test_file_level_noqa(tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, skipped: bool) -> None:
    path = write(tmp_path, "model.py", header + BAD)
    code, out, _ = run(capsys, str(path))
    assert (out == "") is skipped and code == (0 if skipped else 1)


def test_stdin_with_filename(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BAD.encode())))
    code, out, _ = run(capsys, "--stdin-filename", "pkg/model.py", "-")
    assert code == 1 and out.startswith("pkg/model.py:8:9: TL001 ")


def test_missing_path_reported_and_others_still_linted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "model.py", BAD)
    code, out, err = run(capsys, str(tmp_path / "missing.py"), str(path))
    assert code == 2 and out.count("\n") == 2
    assert err.splitlines()[0] == f"torchlint: error: {tmp_path / 'missing.py'}: no such file or directory"


def test_undecodable_file_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.py"
    path.write_bytes(b"import torch\nx = '\xff\xfe'\n")
    code, out, err = run(capsys, str(path))
    assert code == 2 and out == "" and err.count("\n") == 2 and "cannot decode" in err
    assert err.splitlines()[1].startswith("Checked 1 file, 0 module classes analysed; 1 file skipped (cannot decode")


def test_syntax_error_is_a_diagnostic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "broken.py", "import torch\ndef f(:\n")
    code, out, _ = run(capsys, str(path))
    assert code == 1 and out.startswith(f"{path}:2:") and " TL999 SyntaxError" in out


def test_usage_errors_are_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--output-format", "nope"], ["--no-such-flag"], ["-", "x.py"], ["--stdin-filename", "a.py", "."]):
        code, out, err = run(capsys, *args)
        assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("torchlint: error: "), args


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"torchlint {__version__}\n"


def test_discovery_skips_tool_and_environment_directories(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for skipped in (".git", "build", "dist", "node_modules", ".tox", ".venv", "__pycache__", "env"):
        write(tmp_path, f"{skipped}/model.py", BAD)
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    write(tmp_path, "src/model.py", BAD)
    write(tmp_path, "src/notes.txt", BAD)
    _, out, _ = run(capsys, str(tmp_path))
    assert {line.split(":")[0] for line in out.splitlines()} == {str(tmp_path / "src" / "model.py")}


def test_columns_count_characters_not_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = BAD.replace("        self.mask = torch.ones(3)", "        é = 1; self.mask = torch.ones(3)")
    path = write(tmp_path, "model.py", source)
    _, out, _ = run(capsys, "--select", "TL001", str(path))
    assert out.startswith(f"{path}:8:16: TL001")


def test_python_dash_m_and_console_script_without_torch(tmp_path: Path) -> None:
    """`python -m torchlint` works and linting never imports torch."""
    path = write(tmp_path, "model.py", BAD)
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['torchlint', {str(path)!r}]\n"
        "try:\n    runpy.run_module('torchlint', run_name='__main__')\n"
        "except SystemExit as e:\n    code = e.code\n"
        "assert 'torch' not in sys.modules, 'linting imported torch'\n"
        "raise SystemExit(code)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env={**os.environ})
    assert result.returncode == 1, result.stderr
    assert result.stdout.count(" TL00") == 2


def test_statistics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "a.py", BAD)
    write(tmp_path, "b.py", BAD.replace("self.w = torch.randn(3, requires_grad=True)", "self.k = torch.arange(3)"))
    code, out, _ = run(capsys, "--statistics", str(tmp_path))
    assert code == 1
    assert out == ("3\tTL001\t[*] unregistered-tensor-attribute (1 of 3 fixable)\n"
                   "1\tTL002\t    tensor-should-be-parameter\n")
    code, out, _ = run(capsys, "--statistics", "--extend-safe-fixes", "TL001", str(tmp_path))
    assert out.splitlines()[0] == "3\tTL001\t[*] unregistered-tensor-attribute"


def test_statistics_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    write(tmp_path, "a.py", BAD)
    code, out, _ = run(capsys, "--statistics", "--output-format", "json", str(tmp_path))
    assert code == 1
    assert json.loads(out) == [
        {"code": "TL001", "name": "unregistered-tensor-attribute", "count": 1, "fixable": False, "fixable_count": 0},
        {"code": "TL002", "name": "tensor-should-be-parameter", "count": 1, "fixable": False, "fixable_count": 0},
    ]


def test_every_package_directory_is_shipped() -> None:
    """pyproject lists packages explicitly (rules/ ships as torchlint.rules): a new subpackage must be added."""
    import sys

    if sys.version_info < (3, 11):
        pytest.skip("tomllib")
    import tomllib

    root = Path(__file__).resolve().parent.parent
    listed = set(tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"])
    found = {"torchlint.rules"} | {
        ".".join(path.parent.relative_to(root).parts) for path in (root / "torchlint").rglob("__init__.py")
    }
    assert found == listed


def test_a_checkout_runs_its_own_rules(tmp_path: Path) -> None:
    """The engine of a checkout pairs with the rules/ beside it, even when another checkout (or an older state
    of this one) is the editable install that ``import torchlint.rules`` would find."""
    root = Path(__file__).resolve().parent.parent
    probe = (
        "import torchlint\nfrom torchlint.engine.registry import all_rules, rules_package\n"
        "import sys\nall_rules()\n"
        "print(rules_package().__file__)\nprint(sys.modules['torchlint.rules.tl001_unregistered_tensor'].__file__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines() == [
        str(root / "rules" / "__init__.py"), str(root / "rules" / "tl001_unregistered_tensor.py")
    ]
