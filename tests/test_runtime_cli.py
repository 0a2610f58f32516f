"""``torchlint audit MODULE:FACTORY``: output formats, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from audit_models import marked

from torchlint.commands.audit_command import run

TESTS = Path(__file__).parent
MODELS = "audit_models/models.py"  # as printed: relative to the current directory


def audit_cli(*args: str, cwd: Path = TESTS, isolated: bool = False) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "torchlint", "audit", *args]
    if isolated:  # -I: neither the current directory nor PYTHONPATH is on sys.path
        command = [sys.executable, "-I", "-c", "import sys; from torchlint.commands.audit_command import run; "
                   "sys.exit(run(sys.argv[1:]))", *args]
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def test_findings_in_flake8_format() -> None:
    result = audit_cli("audit_models.models:Net")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    tl001, tl002 = marked("TL001")[0], marked("TL002")[0]
    assert [line.split(" (")[0] for line in lines] == [
        f"{MODELS}:{marked('TL003')[0]}:1: TL003 `heads`",
        f"{MODELS}:{marked('TL004')[0]}:1: TL004 `scales`",
        f"{MODELS}:{marked('TL004')[1]}:1: TL004 `cache`",
        f"{MODELS}:{tl001}:1: TL001 `encoder.layers.0.mask`",
        f"{MODELS}:{tl002}:1: TL002 `encoder.layers.0.temperature`",
        f"{MODELS}:{tl001}:1: TL001 `encoder.layers.1.mask`",
        f"{MODELS}:{tl002}:1: TL002 `encoder.layers.1.temperature`",
    ]
    assert lines[3].endswith('register it with self.register_buffer("mask", ...)')
    assert "(audit_models.models.Attention)" in lines[3]
    assert result.stderr.strip() == "Found 7 errors in 7 audited modules."


def test_function_factory_with_json_arguments_and_json_output() -> None:
    result = audit_cli("audit_models.models:build_net", "--args", "[1]", "--kwargs", '{"n": 3}',
                       "--output-format", "json")
    assert result.returncode == 1, result.stderr
    rows = json.loads(result.stdout)
    assert [row["code"] for row in rows] == ["TL003", "TL004", "TL004", "TL001", "TL002"]
    assert rows[3] == {
        "filename": MODELS,
        "code": "TL001",
        "message": rows[3]["message"],
        "location": {"row": marked("TL001")[0], "column": 1},
        "module_path": "encoder.layers.0",
        "attribute": "mask",
        "class": "audit_models.models.Attention",
    }
    assert rows[3]["message"].startswith("`encoder.layers.0.mask` (audit_models.models.Attention) is a plain tensor")
    assert result.stderr == ""


def test_clean_model_exits_zero_and_says_so_unless_quiet() -> None:
    result = audit_cli("audit_models.models:Clean")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "All checks passed! 5 audited modules.\n")
    result = audit_cli("audit_models.models:Clean", "--quiet")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_meta_and_ignore() -> None:
    result = audit_cli("audit_models.models:Net", "--meta", "--ignore", "TL003,TL004", "--ignore", "*.temperature")
    assert result.returncode == 1, result.stderr
    assert [line.split(": ")[1].split(" (")[0] for line in result.stdout.splitlines()] == [
        "TL001 `encoder.layers.0.mask`", "TL001 `encoder.layers.1.mask`",
    ]
    assert audit_cli("audit_models.models:Net", "--meta", "--ignore", "TL").returncode == 0


def test_the_current_directory_is_importable_and_paths_are_relative_to_it() -> None:
    result = audit_cli("models:Attention", cwd=TESTS / "audit_models", isolated=True)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0].startswith(f"models.py:{marked('TL001')[0]}:1: TL001 `mask` (models.Attention)")


def test_a_file_path_spec() -> None:
    result = audit_cli(f"{MODELS}:SetattrOverride")
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith(f"{MODELS}:{marked('TL001')[1]}:1: TL001 `table` (models.SetattrOverride)")


def test_unknown_site_prints_the_module_path(tmp_path: Path) -> None:
    (tmp_path / "late.py").write_text(
        "import torch\nfrom torch import nn\n\n\ndef build():\n    model = nn.Sequential(nn.Linear(2, 2))\n"
        "    object.__setattr__(model[0], 'stash', torch.zeros(1))\n    return model\n"
    )
    result = audit_cli("late:build", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("0: TL001 `stash` (torch.nn.modules.linear.Linear) is a plain tensor")


def test_deep_copied_modules_point_at_the_original_assignment(tmp_path: Path) -> None:
    (tmp_path / "copies.py").write_text(
        "import copy\nimport torch\nfrom torch import nn\n\n\nclass Layer(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.mask = torch.ones(2)\n\n\nclass Stack(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        layer = Layer()\n"
        "        self.layers = nn.ModuleList([copy.deepcopy(layer) for _ in range(2)])\n"
    )
    result = audit_cli("copies:Stack", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert [line.split(" (")[0] for line in result.stdout.splitlines()] == [
        "copies.py:9:1: TL001 `layers.0.mask`", "copies.py:9:1: TL001 `layers.1.mask`",
    ]


def test_a_meta_build_that_fails_suggests_dropping_meta(tmp_path: Path) -> None:
    (tmp_path / "reads.py").write_text(
        "import torch\nfrom torch import nn\n\n\nclass Reads(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.n = int(torch.ones(1).item())\n"
    )
    result = audit_cli("reads:Reads", "--meta", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("torchlint: error: reads:Reads raised ")
    assert result.stderr.rstrip().endswith("try again without --meta")
    assert audit_cli("reads:Reads", cwd=tmp_path).returncode == 0


def test_factory_raising_is_one_line_and_no_traceback() -> None:
    result = audit_cli("audit_models.models:Raises")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "torchlint: error: audit_models.models:Raises raised ValueError: bad config: hidden size must be even\n"
    )


def test_output_of_the_model_code_goes_to_stderr() -> None:
    result = audit_cli("audit_models.models:chatty", "--output-format", "json")
    assert (result.returncode, json.loads(result.stdout)) == (0, [])
    assert "building the model..." in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["audit_models.models"], "'audit_models.models': expected MODULE:FACTORY, e.g. mypackage.model:Net"),
    (["audit_models.models:"], "'audit_models.models:': expected MODULE:FACTORY, e.g. mypackage.model:Net"),
    (["audit_models.models:Nope"], "audit_models.models has no attribute 'Nope'"),
    (["audit_models.models:Net.nope"], "audit_models.models:Net has no attribute 'nope'"),
    (["audit_models.models:NOT_CALLABLE"], "audit_models.models:NOT_CALLABLE is not a class or function but 'int'"),
    (["audit_models.models:not_a_module"], "audit_models.models:not_a_module returned int, not a torch.nn.Module"),
    (["audit_models.models:exits"], "audit_models.models:exits raised SystemExit: 3"),
    (["audit_models.models:build_net", "--kwargs", '{"depth": 1}'],
     "audit_models.models:build_net raised TypeError: build_net() got an unexpected keyword argument 'depth'"),
    (["audit_models.broken_import:X"],
     "importing 'audit_models.broken_import' failed: RuntimeError: this module cannot be imported"),
    (["no_such_module_here:X"], "cannot import 'no_such_module_here': no module named 'no_such_module_here'"),
    (["audit_models/nothing.py:X"], "audit_models/nothing.py: no such file"),
    (["audit_models.models:Net", "--args", "{"],
     "--args: not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    (["audit_models.models:Net", "--args", '{"a": 1}'], "--args: expected a JSON array, got dict"),
    (["audit_models.models:Net", "--kwargs", "[1]"], "--kwargs: expected a JSON object, got list"),
    (["audit_models.models:Net", "--output-format", "sarif"],
     "argument --output-format: invalid choice: 'sarif' (choose from 'flake8', 'json')"),
    ([], "the following arguments are required: MODULE:FACTORY"),
])
def test_errors_exit_2_with_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(TESTS)
    assert run(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"torchlint: error: {message}\n"


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    assert "usage: torchlint audit" in capsys.readouterr().out
