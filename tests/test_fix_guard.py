"""The fix loop's guards, whatever the rule that offers a fix: a fix that would bring a finding the file did
not have is withdrawn, and one whose result does not parse leaves the file untouched. The real rules never
offer either (tests/test_fuzz.py counts each as a failure), so rules written for this test offer them."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from torchlint.analysis.events import AttributeAssignment
from torchlint.commands import cli
from torchlint.contract.edits import Replace
from torchlint.contract.rule import Applicability, Finding, FindingIterator, Fix, Rule
from torchlint.engine.fix_loop import FixError, fix_text
from torchlint.engine.registry import all_rules, rule_by_code

TEXT = (
    "import torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n"
    "        super().__init__()\n        self.scale = 2.0\n        self.mask = torch.ones(3)  # noqa: TL001\n"
)


def _statement(code: str) -> cst.BaseSmallStatement:
    line = cst.parse_statement(code)
    assert isinstance(line, cst.SimpleStatementLine)
    return line.body[0]


class RenamesToTo(Rule):
    """Reports ``self.scale = ...`` and offers to make it a buffer named "to", which nn.Module.to holds:
    registering it raises KeyError, which TL006 reports."""

    code = "TL900"
    name = "renames-to-to"
    summary = "a rule with a harmful fix"
    fixable = True
    title = "Make it a buffer named to"

    def replacement(self) -> cst.BaseSmallStatement:
        """What the fix puts in place of ``self.scale = ...``."""
        return _statement('self.register_buffer("to", torch.ones(1))\n')

    def on_attribute_assignment(self, event: AttributeAssignment) -> FindingIterator:
        if event.name != "scale":
            return
        fix = Fix(self.title, Applicability.SAFE, (Replace(event.statement, self.replacement()),))
        yield Finding(self.code, event.target, "scale is reported", fix=fix)


class Harmless(RenamesToTo):
    """The same finding, with a fix that brings nothing new."""

    code = "TL901"
    title = "Make it three"

    def replacement(self) -> cst.BaseSmallStatement:
        return _statement("self.scale = 3.0\n")


def test_a_fix_that_brings_a_finding_is_withdrawn_with_the_reason() -> None:
    result = fix_text(TEXT, "m.py", [RenamesToTo(), rule_by_code()["TL006"]], allowed=lambda d: True)
    assert result.text == TEXT and not result.fixed
    [withdrawn] = result.withdrawn
    [remaining] = result.remaining
    assert remaining.code == "TL900" and remaining.fix is None
    assert "(no automatic fix: the fixed code would bring TL006: " in remaining.message
    assert "raises KeyError" in remaining.message and withdrawn.message == remaining.message


def test_other_fixes_of_the_round_are_still_applied() -> None:
    rules = [RenamesToTo(), rule_by_code()["TL006"], rule_by_code()["TL001"]]
    text = TEXT.replace("  # noqa: TL001", "")
    result = fix_text(text, "m.py", rules, allowed=lambda d: True)
    assert 'self.register_buffer("mask", torch.ones(3), persistent=False)' in result.text
    assert "self.scale = 2.0" in result.text
    assert [d.code for d in result.fixed] == ["TL001"] and [d.code for d in result.withdrawn] == ["TL900"]


def test_a_harmless_fix_is_applied() -> None:
    result = fix_text(TEXT, "m.py", [Harmless(), rule_by_code()["TL006"]], allowed=lambda d: True)
    assert "self.scale = 3.0" in result.text and not result.withdrawn


class BreaksTheFile(RenamesToTo):
    """The same finding, with a fix whose result does not parse."""

    code = "TL902"
    title = "Break it"

    def replacement(self) -> cst.BaseSmallStatement:
        return cst.Expr(cst.Name("lambda"))  # valid as a tree, not as code


def test_a_fix_whose_result_does_not_parse_is_an_error() -> None:
    with pytest.raises(FixError, match=r"fixing TL902 would produce code that does not parse .*file left unchanged"):
        fix_text(TEXT, "m.py", [BreaksTheFile()], allowed=lambda d: True)


def test_a_fix_whose_result_does_not_parse_leaves_the_file_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "all_rules", lambda: (*all_rules(), BreaksTheFile()))
    path = tmp_path / "m.py"
    path.write_bytes(TEXT.encode())
    assert cli.main(["--no-cache", "--isolated", "--fix", "--select", "TL902", str(path)]) == 2
    assert path.read_bytes() == TEXT.encode()
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if line.startswith("torchlint: error:")]
    assert line.startswith(f"torchlint: error: {path}: fixing TL902 would produce code that does not parse")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py"]  # no temporary file left behind
