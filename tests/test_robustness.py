"""Bad input gets a one-line message naming the file, the other files are still checked, and nothing
crashes: syntax errors, encodings, binary files, hostile nesting, odd paths, concurrent and stale fixes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import torchlint.source.writer
from torchlint.commands.cli import main

GOOD = (
    "import torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n"
    "        super().__init__()\n        self.a = torch.arange(3)\n"
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-cache", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def with_good_neighbour(tmp_path: Path, name: str, data: bytes) -> Path:
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"import torch\ndef f(:\n", "TL999 SyntaxError"),
        (b"import torch\nprint 'python 2'\n", "2:1: TL999 SyntaxError: Missing parentheses in call to 'print'"),
        (b"import torch\nx = " + b"(" * 300 + b"1" + b")" * 300 + b"\n", "TL999 SyntaxError: too many nested parentheses"),
        (b"import torch\nx = " + b"-" * 200_000 + b"1\n", "TL999 SyntaxError"),
        (b"import torch\nx = " + b"1+" * 30_000 + b"1\n", "TL999 SyntaxError"),
        (b"import numpy\ndef f(:\n", "TL999 SyntaxError"),
    ],
    ids=["syntax", "python2", "nested-parens", "unary-chain", "binary-chain", "no-torch"],
)
def test_unparsable_files_are_diagnostics(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, expected: str) -> None:
    path = with_good_neighbour(tmp_path, "bad.py", data)
    code, out, err = run(capsys, str(tmp_path))
    assert code == 1 and err.startswith("Found 2 errors.")
    lines = out.splitlines()
    assert any(line.startswith(f"{path}:") and expected in line for line in lines), out
    assert any(line.startswith(f"{tmp_path / 'good.py'}:8:9: TL001") for line in lines)


def test_a_line_only_libcst_validation_rejected_is_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``else(lambda:())`` is valid Python that LibCST's node validation rejected with a TypeError
    (Instagram/LibCST#1061); torchlint parses without that validation, so the file is checked like any other."""
    data = b"import torch\nclass M(torch.nn.Module):\n    x = () if 0 else(lambda:())\n"
    with_good_neighbour(tmp_path, "bad.py", data)
    code, out, err = run(capsys, str(tmp_path))
    assert code == 1 and err.startswith("Found 1 error."), (out, err)
    assert "TL999" not in out and out.startswith(f"{tmp_path / 'good.py'}:8:9: TL001")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"import torch\nx = '\xff'\n", "cannot decode as utf-8"),
        ("import torch\n".encode("utf-16"), "cannot determine the encoding"),
        (b"import torch\x00\x01\x02 binary", "NUL byte"),
        (b"# -*- coding: klingon -*-\nimport torch\n", "cannot determine the encoding"),
    ],
    ids=["invalid-utf8", "utf16", "binary", "unknown-cookie"],
)
def test_undecodable_files_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, message: str) -> None:
    path = with_good_neighbour(tmp_path, "bad.py", data)
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2
    assert out.startswith(f"{tmp_path / 'good.py'}:8:9: TL001")
    error_lines = [line for line in err.splitlines() if line.startswith("torchlint: error:")]
    assert len(error_lines) == 1 and error_lines[0].startswith(f"torchlint: error: {path}: ") and message in error_lines[0]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"# only a comment about torch\n",
        "# -*- coding: latin-1 -*-\nimport torch\n# caf\xe9\n".encode("latin-1"),
        "# -*- coding: cp1252 -*-\nimport torch\n# \u20ac\n".encode("cp1252"),
        b"\xef\xbb\xbfimport torch\n",
        b"import torch\nx = '" + b"a" * 100_000 + b"'\n",
    ],
    ids=["empty", "comments", "latin1", "cp1252", "bom", "long-line"],
)
def test_harmless_odd_files_are_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes) -> None:
    path = tmp_path / "odd.py"
    path.write_bytes(data)
    assert run(capsys, str(path)) == (0, "", "All checks passed! Checked 1 file, 0 module classes analysed.\n")


def test_fifty_thousand_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = "".join(f"        self.v{i} = {i}\n" for i in range(50_000))
    path = tmp_path / "big.py"
    path.write_text(GOOD + body, encoding="utf-8")
    code, out, _ = run(capsys, str(path))
    assert code == 1 and out.count("\n") == 1


def test_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "dir.py").mkdir()
    (tmp_path / "dir.py" / "inner.py").write_text(GOOD, encoding="utf-8")
    spaced = tmp_path / "with space ünï"
    spaced.mkdir()
    (spaced / "mödel.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "broken.py").symlink_to(tmp_path / "nowhere.py")
    (tmp_path / "cycle").mkdir()
    (tmp_path / "cycle" / "up").symlink_to(tmp_path)
    code, out, err = run(capsys, str(tmp_path))
    assert code == 1 and err.startswith("Found 2 errors.")
    assert sorted(line.split(":")[0] for line in out.splitlines()) == sorted(
        [str(tmp_path / "dir.py" / "inner.py"), str(spaced / "mödel.py")]
    )
    code, out, err = run(capsys, str(tmp_path / "loop"), str(tmp_path / "broken.py"), str(spaced / "mödel.py"))
    assert code == 2 and out.count("\n") == 1
    assert [line.split(": ")[2] for line in err.splitlines() if line.startswith("torchlint: error")] == [
        str(tmp_path / "loop"), str(tmp_path / "broken.py"),
    ]


def test_files_outside_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "m.py").write_text(GOOD, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "a")
    code, out, _ = run(capsys, "../b/m.py")
    assert code == 1 and out.startswith("../b/m.py:8:9: TL001")


def test_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = with_good_neighbour(tmp_path, "secret.py", GOOD.encode())
    real_open = open

    def guarded_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded_open)
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2 and out.count("\n") == 1
    assert f"torchlint: error: {path}: Permission denied" in err


def test_fix_leaves_a_file_changed_on_disk_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.py"
    path.write_text(GOOD, encoding="utf-8")
    original = torchlint.source.writer.encode

    def edit_meanwhile(text, source):  # type: ignore[no-untyped-def]
        path.write_text(GOOD + "# edited by someone else\n", encoding="utf-8")
        return original(text, source)

    monkeypatch.setattr(torchlint.source.writer, "encode", edit_meanwhile)
    code, _, err = run(capsys, "--fix", str(path))
    assert code == 2 and "changed on disk" in err
    assert path.read_text("utf-8") == GOOD + "# edited by someone else\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py"]


def test_interrupted_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.py"
    path.write_text(GOOD, encoding="utf-8")

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(torchlint.source.writer.os, "replace", interrupted)
    assert main(["--fix", str(path)]) == 130
    assert path.read_text("utf-8") == GOOD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py"]


def test_concurrent_fix_processes_never_corrupt(tmp_path: Path) -> None:
    for index in range(30):
        (tmp_path / f"m{index}.py").write_text(GOOD * 3, encoding="utf-8")
    command = [sys.executable, "-m", "torchlint", "--fix", "--no-cache", "-j", "1", str(tmp_path)]
    results: list[subprocess.CompletedProcess[str]] = []

    def start() -> None:
        results.append(subprocess.run(command, capture_output=True, text=True))

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result.returncode in (0, 1, 2) and "Traceback" not in result.stderr for result in results)
    expected = (GOOD * 3).replace("self.a = torch.arange(3)", 'self.register_buffer("a", torch.arange(3), persistent=False)')
    for index in range(30):
        assert (tmp_path / f"m{index}.py").read_text("utf-8") == expected
    assert sorted(os.listdir(tmp_path)) == sorted(f"m{index}.py" for index in range(30))


@pytest.mark.parametrize("delay", [0.3, 1.0, 2.0])
def test_ctrl_c_leaves_every_file_old_or_new(tmp_path: Path, delay: float) -> None:
    """A real SIGINT to the whole process group (as a terminal's Ctrl-C sends), workers included."""
    classes = "".join(
        f"\n\nclass N{index}(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        f"        self.b{index} = torch.arange({index + 1})\n" for index in range(40)
    )
    original = GOOD + classes
    fixed = original.replace("self.a = torch.arange(3)", 'self.register_buffer("a", torch.arange(3), persistent=False)')
    for index in range(40):
        fixed = fixed.replace(f"self.b{index} = torch.arange({index + 1})",
                              f'self.register_buffer("b{index}", torch.arange({index + 1}), persistent=False)')
    for index in range(300):
        (tmp_path / f"m{index}.py").write_text(original, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "torchlint", "--fix", "--no-cache", "-j", "2", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)
    contents = [(tmp_path / f"m{index}.py").read_text("utf-8") for index in range(300)]
    if process.returncode == -signal.SIGINT:
        # On a loaded machine the interrupt can land while the interpreter is still starting up and importing,
        # before torchlint's handler is installed: Python dies of the signal (printing where its imports
        # were), and since no file had been read yet, every file must still be the original.
        assert all(content == original for content in contents), err
    else:
        assert process.returncode in (130, 1), err  # 1: it finished before the interrupt arrived
        assert "Traceback" not in err
    assert all(content in (original, fixed) for content in contents)
    assert sorted(os.listdir(tmp_path)) == sorted(f"m{index}.py" for index in range(300))


def test_internal_error_names_the_file_and_continues(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import torchlint.engine.dispatch

    path = with_good_neighbour(tmp_path, "boom.py", GOOD.encode())
    original = torchlint.engine.dispatch.analyse

    def exploding(module, rules, settings=None, project=None, path=None):  # type: ignore[no-untyped-def]
        if path is not None and path.endswith("boom.py"):
            raise ValueError("simulated bug")
        return original(module, rules, settings, project, path)

    monkeypatch.setattr("torchlint.engine.linter.analyse", exploding)
    code, out, err = run(capsys, "-j", "1", str(tmp_path))
    assert code == 2 and out.count("\n") == 1
    assert f"torchlint: error: {path}: internal error: ValueError: simulated bug" in err
    assert "Traceback" not in err
