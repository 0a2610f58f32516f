"""Suppressions that survive other tools (``# torchlint: ignore[...]``, ``file-ignore``), next to flake8's
``# noqa``, and TL100 (unused-suppression), which is off by default."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from torchlint.commands.cli import main
from torchlint.engine.linter import lint_text
from torchlint.engine.registry import all_rules

HEADER = "import torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"


def module(*body: str, header: str = "") -> str:
    """A module class whose ``__init__`` runs ``body`` (each line one statement); ``header`` goes on top."""
    return header + HEADER + "".join(f"        {line}\n" for line in body)


def reported(source: str, *extra: str) -> list[tuple[int, str]]:
    """(line, code) reported by the default rules plus ``extra`` codes."""
    rules = [rule for rule in all_rules() if rule.default_enabled or rule.code in extra]
    return [(d.line, d.code) for d in lint_text(source, "m.py", rules)]


def messages(source: str, *extra: str) -> list[str]:
    rules = [rule for rule in all_rules() if rule.default_enabled or rule.code in extra]
    return [f"{d.line}:{d.column}: {d.code} {d.message}" for d in lint_text(source, "m.py", rules)]


@pytest.mark.parametrize(
    ("comment", "remaining"),
    [
        ("# torchlint: ignore[TL001]", []),
        ("# torchlint: ignore[TL002]", [(8, "TL001")]),
        ("# torchlint: ignore[TL002, TL001]", []),
        ("# torchlint: ignore[TL002,TL001]", []),
        ("# torchlint: ignore[ tl001 ]", []),  # codes in any case, spaces inside the brackets
        ("# torchlint: ignore [TL001]", []),  # a space before the bracket still names codes, never "all"
        ("# torchlint:ignore[TL0]", []),  # a prefix, as in # noqa
        ("# torchlint: ignore", []),  # bare: every code
        ("# TORCHLINT: IGNORE", []),
        ("# torchlint: ignore  (the mask is rebuilt on every forward)", []),
        ("# noqa: E501  # torchlint: ignore[TL001]", []),  # after another tool's comment
        ("# torchlint: ignored", [(8, "TL001")]),  # another word
        ("# torchlint: ignore-me", [(8, "TL001")]),
        ("# torchlint: ignore[]", [(8, "TL001")]),  # malformed: not a directive (never a blanket one)
        ("# torchlint: ignore[TL001", [(8, "TL001")]),
        ("# torchlint: ignore[not a code!]", [(8, "TL001")]),
        ("# torchlint: file-ignore[TL002]", [(8, "TL001")]),
    ],
)
def test_line_directive(comment: str, remaining: list[tuple[int, str]]) -> None:
    assert reported(module(f"self.mask = torch.ones(3)  {comment}")) == remaining


def test_line_directive_applies_to_its_own_line_only() -> None:
    source = module("# torchlint: ignore", "self.a = torch.ones(3)", "self.b = torch.ones(3)  # torchlint: ignore")
    assert reported(source) == [(9, "TL001")]


@pytest.mark.parametrize(
    ("header", "remaining"),
    [
        ("# torchlint: file-ignore[TL001]\n", [(10, "TL002")]),
        ("# torchlint: file-ignore[TL001, TL002]\n", []),
        ("# torchlint: file-ignore\n", []),
        ("# torchlint: file-ignore[TL002]\n", [(9, "TL001")]),
        ('"""Docs may mention # torchlint: file-ignore without effect."""\n', [(9, "TL001"), (10, "TL002")]),
        ('X = "# torchlint: file-ignore"\n', [(9, "TL001"), (10, "TL002")]),  # in a string: not a comment
    ],
)
def test_file_directive(header: str, remaining: list[tuple[int, str]]) -> None:
    source = module("self.mask = torch.ones(3)", "self.w = torch.randn(3, requires_grad=True)", header=header)
    assert reported(source) == remaining


def test_file_directive_anywhere_in_the_file() -> None:
    source = module("self.mask = torch.ones(3)", "x = 1  # torchlint: file-ignore[TL001]")
    assert reported(source) == []


def test_noqa_and_directives_side_by_side() -> None:
    source = module(
        "self.a = torch.ones(3)  # noqa: TL001",
        "self.b = torch.ones(3)  # torchlint: ignore[TL001]",
        "self.c = torch.ones(3)  # noqa: E501",
        "self.d = torch.ones(3)",
    )
    assert reported(source) == [(10, "TL001"), (11, "TL001")]


def test_line_numbers_ignore_form_feeds() -> None:
    """A ^L page break is not a line break for Python: suppressions must stay on their own lines."""
    source = "\x0c\n" + module("x = 1\x0c", "self.a = torch.ones(3)  # noqa: TL001", "self.b = torch.ones(3)")
    assert reported(source) == [(11, "TL001")]


# TL100 unused-suppression


def test_tl100_is_off_by_default() -> None:
    rule = {rule.code: rule for rule in all_rules()}["TL100"]
    assert not rule.default_enabled and rule.name == "unused-suppression"
    assert reported(module("x = 1  # torchlint: ignore[TL001]")) == []


def test_tl100_reports_what_suppresses_nothing() -> None:
    source = module(
        "self.a = torch.ones(3)  # torchlint: ignore[TL001]",  # used
        "self.b = torch.ones(3)  # torchlint: ignore[TL001, TL002]",  # TL002 unused
        "x = 1  # torchlint: ignore",  # bare, nothing on the line
        "y = 2  # torchlint: ignore[TL123]",  # no such code
        "z = 3  # noqa: TL001, E501",  # TL001 unused; E501 is another tool's
        "w = 4  # noqa",  # blanket: other tools' business
        "v = 5  # noqa: E501",
        header="# torchlint: file-ignore[TL004]\n",  # TL004 ran and found nothing
    )
    assert messages(source, "TL100") == [
        "1:1: TL100 unused suppression `# torchlint: file-ignore[TL004]`: no TL004 finding in this file",
        "10:33: TL100 unused suppression `# torchlint: ignore[TL001, TL002]`: no TL002 finding on this line",
        "11:16: TL100 unused suppression `# torchlint: ignore`: nothing is reported on this line",
        "12:16: TL100 unused suppression `# torchlint: ignore[TL123]`: TL123 is not a torchlint code",
        "13:16: TL100 unused suppression `# noqa: TL001, E501`: no TL001 finding on this line",
    ]


def test_tl100_does_not_judge_codes_of_rules_that_did_not_run() -> None:
    source = module("x = 1  # torchlint: ignore[TL010]", "y = 1  # noqa: TL010")  # TL010 is off by default
    assert reported(source, "TL100") == []
    assert reported(source, "TL100", "TL010") == [(8, "TL100"), (9, "TL100")]


def test_tl100_a_bare_directive_never_hides_its_own_report() -> None:
    assert reported(module("x = 1  # torchlint: ignore"), "TL100") == [(8, "TL100")]
    # a used file-wide bare directive hides everything else, unused line directives included
    source = module("self.a = torch.ones(3)", "x = 1  # torchlint: ignore", header="# torchlint: file-ignore\n")
    assert reported(source, "TL100") == []
    assert reported(module("x = 1", header="# torchlint: file-ignore\n"), "TL100") == [(1, "TL100")]


def test_tl100_can_be_suppressed() -> None:
    source = module("x = 1  # torchlint: ignore[TL001]  # noqa: TL100", "y = 1  # torchlint: ignore[TL001, TL100]")
    assert reported(source, "TL100") == []


def test_tl100_ignores_text_in_strings() -> None:
    assert reported(module('x = "# torchlint: ignore[TL001]"', 's = "# noqa: TL001"'), "TL100") == []


def test_tl100_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.py"
    path.write_text(module("x = 1  # torchlint: ignore[TL001]"), encoding="utf-8")
    assert main(["--no-cache", str(path)]) == 0
    assert main(["--no-cache", "--extend-select", "TL100", str(path)]) == 1
    out = capsys.readouterr().out
    assert out == f"{path}:8:16: TL100 unused suppression `# torchlint: ignore[TL001]`: no TL001 finding on this line\n"


def test_tl100_documentation_is_ruff_style() -> None:
    documentation = {rule.code: rule for rule in all_rules()}["TL100"].documentation
    assert documentation.splitlines()[0] == "TL100 unused-suppression"
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert section in documentation


def test_ruff_keeps_torchlint_directives_and_strips_unknown_noqa_codes(tmp_path: Path) -> None:
    """What README says about Ruff: its noqa checks (RUF102 invalid-rule-code; RUF100 in Ruff before 0.15)
    delete `# noqa: TL001` with --fix unless `external = ["TL"]`, and never touch `# torchlint: ignore[...]`."""
    source = textwrap.dedent(
        """\
        import torch

        a = torch.ones(3)  # noqa: TL001
        b = torch.ones(3)  # torchlint: ignore[TL001]
        """
    )
    path = tmp_path / "m.py"
    for external, kept in (("", False), ('external = ["TL"]\n', True)):
        (tmp_path / "ruff.toml").write_text(f"[lint]\nselect = ['RUF100', 'RUF102']\n{external}", encoding="utf-8")
        path.write_text(source, encoding="utf-8")
        command = [sys.executable, "-m", "ruff", "check", "--fix", "--unsafe-fixes", "--no-cache", str(path)]
        ran = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
        assert ran.returncode in (0, 1), ran.stderr  # 2: ruff is missing (it is a test extra) or failed
        fixed = path.read_text(encoding="utf-8")
        assert ("# noqa: TL001" in fixed) is kept
        assert "# torchlint: ignore[TL001]" in fixed
