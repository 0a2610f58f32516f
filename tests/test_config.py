"""[tool.torchlint]: every key, discovery from nested directories, command-line overrides, errors."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from torchlint.commands.cli import main
from torchlint.config.config_file import KNOWN_KEYS

MODEL = textwrap.dedent(
    """\
    import torch
    from torch import nn


    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.arange(3)
            self.w = torch.randn(3, requires_grad=True)
    """
)


def project(tmp_path: Path, config: str, files: dict[str, str] | None = None, name: str = "pyproject.toml") -> Path:
    (tmp_path / name).write_text(textwrap.dedent(config), encoding="utf-8")
    for relative, text in (files or {"src/pkg/model.py": MODEL}).items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def codes(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, [line.split(" ")[1] for line in captured.out.splitlines()], captured.err


def test_select_ignore_and_extend_select(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, '[tool.torchlint]\nselect = ["TL002"]\n')
    assert codes(capsys, str(tmp_path))[1] == ["TL002"]
    project(tmp_path, '[tool.torchlint]\nignore = ["TL002"]\n')
    assert codes(capsys, str(tmp_path))[1] == ["TL001"]
    project(tmp_path, '[tool.torchlint]\nselect = ["TL001"]\nextend-select = ["TL002"]\n')
    assert codes(capsys, str(tmp_path))[1] == ["TL001", "TL002"]


def test_command_line_overrides_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, '[tool.torchlint]\nselect = ["TL002"]\n')
    assert codes(capsys, "--select", "TL001", str(tmp_path))[1] == ["TL001"]
    assert codes(capsys, "--ignore", "TL002", str(tmp_path))[1] == []
    assert codes(capsys, "--isolated", str(tmp_path))[1] == ["TL001", "TL002"]


def test_nearest_config_above_each_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, '[tool.torchlint]\nselect = ["TL001"]\n', {"a/model.py": MODEL, "b/model.py": MODEL})
    (tmp_path / "b" / "pyproject.toml").write_text('[tool.torchlint]\nselect = ["TL002"]\n', encoding="utf-8")
    code = main([str(tmp_path)])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert [(Path(line.split(":")[0]).parent.name, line.split(" ")[1]) for line in out] == [("a", "TL001"), ("b", "TL002")]


def test_pyproject_without_table_is_skipped_and_torchlint_toml_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, 'select = ["TL002"]\n', name="torchlint.toml")
    (tmp_path / "src" / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert codes(capsys, str(tmp_path))[1] == ["TL002"]


def test_explicit_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(tmp_path, '[tool.torchlint]\nselect = ["TL001"]\n')
    other = tmp_path / "other.toml"
    other.write_text('select = ["TL002"]\n', encoding="utf-8")
    assert codes(capsys, "--config", str(other), str(tmp_path))[1] == ["TL002"]


def test_per_file_ignores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(
        tmp_path,
        '[tool.torchlint]\n[tool.torchlint.per-file-ignores]\n"src/pkg/*.py" = ["TL001"]\n"test_*.py" = ["TL"]\n',
        {"src/pkg/model.py": MODEL, "tests/test_model.py": MODEL, "src/other.py": MODEL},
    )
    code = main([str(tmp_path)])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert sorted((Path(line.split(":")[0]).name, line.split(" ")[1]) for line in out) == [
        ("model.py", "TL002"), ("other.py", "TL001"), ("other.py", "TL002"),
    ]


def test_per_file_ignores_all_switches_off_every_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "ALL" passed validation but matched no code's prefix, so the file was still reported (and fixed)
    project(tmp_path, '[tool.torchlint]\nper-file-ignores = { "src/skip.py" = ["ALL"] }\n',
            {"src/skip.py": MODEL, "src/other.py": MODEL})
    main(["--select", "ALL", str(tmp_path)])
    assert {Path(line.split(":")[0]).name for line in capsys.readouterr().out.splitlines()} == {"other.py"}


def test_exclude_extend_exclude_and_force_exclude(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {"src/model.py": MODEL, "src/legacy/old.py": MODEL, "generated/gen.py": MODEL, "build/b.py": MODEL}
    project(tmp_path, '[tool.torchlint]\nextend-exclude = ["src/legacy", "generated"]\n', files)
    main([str(tmp_path)])
    assert {Path(line.split(":")[0]).name for line in capsys.readouterr().out.splitlines()} == {"model.py"}
    project(tmp_path, '[tool.torchlint]\nexclude = ["generated"]\n', files)
    main([str(tmp_path)])
    assert {Path(line.split(":")[0]).name for line in capsys.readouterr().out.splitlines()} == {"model.py", "old.py", "b.py"}
    explicit = str(tmp_path / "generated" / "gen.py")
    assert codes(capsys, explicit)[0] == 1  # named explicitly: linted
    assert codes(capsys, "--force-exclude", explicit)[0:2] == (0, [])
    project(tmp_path, '[tool.torchlint]\nexclude = ["generated"]\nforce-exclude = true\n', files)
    assert codes(capsys, explicit)[0:2] == (0, [])


def test_respect_gitignore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = {"src/model.py": MODEL, "out/gen.py": MODEL}
    project(tmp_path, "[tool.torchlint]\n", files)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("out/\n", encoding="utf-8")
    main([str(tmp_path)])
    assert {Path(line.split(":")[0]).name for line in capsys.readouterr().out.splitlines()} == {"model.py"}
    project(tmp_path, "[tool.torchlint]\nrespect-gitignore = false\n", files)
    main([str(tmp_path)])
    assert {Path(line.split(":")[0]).name for line in capsys.readouterr().out.splitlines()} == {"model.py", "gen.py"}


def test_fix_settings_from_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project(
        tmp_path,
        '[tool.torchlint]\ntarget-torch = "2.5"\nunsafe-fixes = true\nfix-buffer-persistence = "persistent"\n',
    )
    assert main(["--fix", str(tmp_path)]) == 0
    text = (tmp_path / "src" / "pkg" / "model.py").read_text("utf-8")
    assert "self.a = nn.Buffer(torch.arange(3))\n" in text and "self.w = nn.Parameter(torch.randn(3))" in text
    project(tmp_path, '[tool.torchlint]\nextend-safe-fixes = ["TL002"]\n')
    (tmp_path / "src" / "pkg" / "model.py").write_text(MODEL, encoding="utf-8")
    assert main(["--fix", str(tmp_path)]) == 0
    project(tmp_path, '[tool.torchlint]\nextend-unsafe-fixes = ["TL001"]\n')
    (tmp_path / "src" / "pkg" / "model.py").write_text(MODEL, encoding="utf-8")
    assert main(["--fix", str(tmp_path)]) == 1
    assert "self.a = torch.arange(3)" in (tmp_path / "src" / "pkg" / "model.py").read_text("utf-8")


def test_extend_module_bases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = "import torch\nfrom mylib.layers import Base\n\n\nclass M(Base):\n    def __init__(self):\n        super().__init__()\n        self.a = torch.ones(3)\n"
    project(tmp_path, "[tool.torchlint]\n", {"m.py": source})
    assert codes(capsys, str(tmp_path))[1] == []
    project(tmp_path, '[tool.torchlint]\nextend-module-bases = ["mylib.layers.Base"]\n', {"m.py": source})
    assert codes(capsys, str(tmp_path))[1] == ["TL001"]
    project(tmp_path, "[tool.torchlint]\n", {"m.py": source})
    assert codes(capsys, "--extend-module-bases", "mylib.layers.Base", str(tmp_path))[1] == ["TL001"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[tool.torchlint]\nselct = []\n", "unknown key 'selct' in [tool.torchlint]"),
        ('[tool.torchlint]\nselect = "TL001"\n', "select must be a list of strings, got 'TL001'"),
        ("[tool.torchlint]\nrespect-gitignore = 1\n", "respect-gitignore must be true or false, got 1"),
        ('[tool.torchlint]\ntarget-torch = "new"\n', "target-torch must be a version string such as \"2.5\", got 'new'"),
        ('[tool.torchlint]\nfix-buffer-persistence = "sometimes"\n', 'fix-buffer-persistence must be "non-persistent" or "persistent"'),
        ('[tool.torchlint]\nper-file-ignores = ["x"]\n', "per-file-ignores must be a table of glob = [codes]"),
        ("[tool.torchlint]\npython = 3\n", "python must be a path string, got 3"),
        ('[tool.torchlint]\npython = "no/such/env"\n', "python: no/such/env: no such interpreter or environment"),
        ("[tool.torchlint]\nline-length = 0\n", "line-length must be a positive integer, got 0"),
        ('[tool.torchlint]\nselect = ["TL9"]\n', "unknown rule selector 'TL9'"),
        ("[tool.torchlint\n", "invalid TOML"),
        ('[tool]\ntorchlint = "x"\n', "[tool.torchlint] must be a table"),
    ],
)
def test_config_errors_are_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str, message: str) -> None:
    project(tmp_path, config)
    code = main([str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith(f"torchlint: error: {tmp_path / 'pyproject.toml'}: ")
    assert message in captured.err


def test_every_key_is_exercised_by_these_tests() -> None:
    text = Path(__file__).read_text("utf-8")
    assert [key for key in KNOWN_KEYS if key not in text] == []


def test_missing_or_tableless_explicit_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(tmp_path / "nope.toml"), str(tmp_path)]) == 2
    (tmp_path / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    assert main(["--config", str(tmp_path / "pyproject.toml"), str(tmp_path)]) == 2
    assert "has no [tool.torchlint] table" in capsys.readouterr().err


def test_ancestor_directories_of_a_given_path_are_not_matched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`torchlint .../site-packages/pkg` or a checkout under `build/` still lints (as Ruff does)."""
    files = {"build/site-packages/pkg/model.py": MODEL}
    project(tmp_path, "[tool.torchlint]\n", files)
    assert codes(capsys, str(tmp_path / "build" / "site-packages" / "pkg"))[1] == ["TL001", "TL002"]
    assert codes(capsys, str(tmp_path))[1] == []


def test_a_misspelt_key_or_code_gets_a_suggestion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from torchlint.commands.cli import main

    (tmp_path / "pyproject.toml").write_text('[tool.torchlint]\nexlcude = ["build"]\n', encoding="utf-8")
    (tmp_path / "m.py").write_text("import torch\n", encoding="utf-8")
    assert main([str(tmp_path / "m.py")]) == 2
    assert "unknown key 'exlcude' in [tool.torchlint]; did you mean 'exclude'?" in capsys.readouterr().err
    assert main(["--isolated", "--select", "TL0001", str(tmp_path / "m.py")]) == 2
    assert "unknown rule selector 'TL0001'; did you mean 'TL001'?" in capsys.readouterr().err
    assert main(["--isolated", "--select", "XYZ", str(tmp_path / "m.py")]) == 2
    assert "did you mean" not in capsys.readouterr().err
