"""``torchlint rule``: one rule's documentation, the list of rules, and README's generated rule table."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from torchlint.commands.cli import main
from torchlint.engine.linter import lint_text
from torchlint.engine.registry import all_rules
from torchlint.report.rule_docs import SECTIONS, body, readme_table, readme_with_table

README = Path(__file__).resolve().parent.parent / "README.md"
CODES = [rule.code for rule in all_rules()]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["rule", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("code", CODES)
def test_rule_prints_its_documentation(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    rule = next(rule for rule in all_rules() if rule.code == code)
    status, out, err = run(capsys, code)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"# {rule.name} ({code})"
    assert ("Enabled by default" if rule.default_enabled else "Disabled by default") in lines[2]
    assert ("A fix is available" if rule.fixable else "No automatic fix") in lines[2]
    assert f"Severity: {rule.severity.value}." in lines[2]
    assert (rule.severity.value == "warning") == (code in ("TL010", "TL011", "TL100"))
    assert out.endswith(body(rule) + "\n")


@pytest.mark.parametrize("code", CODES)
def test_documentation_has_ruffs_sections_in_order(code: str) -> None:
    rule = next(rule for rule in all_rules() if rule.code == code)
    text = rule.documentation
    assert text.splitlines()[0] == f"{rule.code} {rule.name}"
    positions = [text.find(f"\n{section}\n") for section in SECTIONS]
    assert all(position > 0 for position in positions), f"{code} lacks one of {SECTIONS}"
    assert positions == sorted(positions), f"{code}: sections out of order"
    assert rule.name == rule.name.lower() and " " not in rule.name and rule.summary


def test_rule_accepts_lowercase_codes_and_names(capsys: pytest.CaptureFixture[str]) -> None:
    _, by_code, _ = run(capsys, "tl005")
    _, by_name, _ = run(capsys, "registration-before-super-init")
    assert by_code == by_name and by_code.startswith("# registration-before-super-init (TL005)")


def test_all_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--all")
    assert (status, err) == (0, "")
    header, *rows = out.splitlines()
    assert header.split()[:4] == ["Code", "Name", "Default", "Fix"]
    assert [row.split()[0] for row in rows] == CODES
    for rule, row in zip(all_rules(), rows):
        code, name, default, fix = row.split()[:4]
        assert (code, name) == (rule.code, rule.name)
        assert default == ("on" if rule.default_enabled else "off")
        assert fix == ("yes" if rule.fixable else "no")
    assert "TL011" in CODES and rows[CODES.index("TL011")].split()[2] == "on"
    assert "TL010" in CODES and rows[CODES.index("TL010")].split()[2] == "off"


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--all", "--output-format", "json")
    entries = json.loads(out)
    assert status == 0 and [entry["code"] for entry in entries] == CODES
    assert set(entries[0]) == {"code", "name", "summary", "default", "fix", "severity", "explanation"}
    _, one, _ = run(capsys, "TL006", "--output-format", "json")
    assert [entry["name"] for entry in json.loads(one)] == ["invalid-registration-name"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["TL998"], "unknown rule 'TL998'"),
        ([], "give one rule code, or --all"),
        (["TL001", "--all"], "give one rule code, or --all"),
        (["--output-format", "xml", "TL001"], "invalid choice"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, *args)
    assert status == 2 and out == ""
    assert err.startswith("torchlint: error: ") and message in err and err.count("\n") == 1


def test_the_installed_command_dispatches_rule() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "torchlint", "rule", "TL001"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout.startswith("# unregistered-tensor-attribute (TL001)")


def test_readme_rule_table_matches_the_rules() -> None:
    text = README.read_text("utf-8")
    assert readme_with_table(text, all_rules()) == text, (
        "README's rule table is out of date: run python -m torchlint.report.rule_docs README.md"
    )
    for rule in all_rules():
        assert f"| {rule.code} | {rule.name} |" in text


def test_readme_table_lists_every_rule_once() -> None:
    table = readme_table(all_rules())
    rows = table.splitlines()[2:]
    assert [row.split(" | ")[0].strip("| ") for row in rows] == CODES


def test_stale_readme_table_is_detected(tmp_path: Path) -> None:
    stale = README.read_text("utf-8").replace("| TL005 |", "| TL005x |")
    path = tmp_path / "README.md"
    path.write_text(stale, encoding="utf-8")
    from torchlint.report.rule_docs import main as docs_main

    assert docs_main([str(path), "--check"]) == 1
    assert docs_main([str(path)]) == 0
    assert path.read_text("utf-8") == README.read_text("utf-8")


EXAMPLE_PRELUDE = "from typing import Optional\nimport torch\nfrom torch import nn\n"
RUNTIME_ERROR_RULES = {"TL005": "AttributeError", "TL006": "KeyError", "TL007": "TypeError"}


def _doc_block(rule_code: str, section: str) -> str:
    rule = next(rule for rule in all_rules() if rule.code == rule_code)
    match = re.search(rf"## {re.escape(section)}\n```python\n(.*?)```", rule.documentation, re.DOTALL)
    assert match is not None, f"{rule_code} has no python block under {section}"
    return EXAMPLE_PRELUDE + match.group(1)


def _build(source: str) -> list[str]:
    """Run the source, build each module class it defines (dim=4, device=cpu), call it; the errors raised."""
    namespace: dict[str, object] = {}
    exec(compile(source, "<doc>", "exec"), namespace)  # noqa: S102 - documentation examples
    errors = []
    for value in list(namespace.values()):
        if not (isinstance(value, type) and issubclass(value, torch.nn.Module) and value.__module__ == "builtins"):
            continue
        arguments = {"dim": 4, "device": torch.device("cpu")}
        wanted = list(inspect.signature(value.__init__).parameters)[1:]
        try:
            module = value(**{name: arguments[name] for name in wanted})
            if "forward" in vars(value):
                module(torch.ones(2, 4))
        except Exception as error:  # noqa: BLE001
            errors.append(f"{type(error).__name__}: {error}")
    return errors


@pytest.mark.parametrize("code", ["TL005", "TL006", "TL007", "TL008", "TL011"])
def test_documentation_examples_do_what_the_documentation_says(code: str) -> None:
    rule = next(rule for rule in all_rules() if rule.code == code)
    example, use_instead = _doc_block(code, "Example"), _doc_block(code, "Use instead")
    assert {d.code for d in lint_text(example, "doc.py", [rule])} == {code}
    assert lint_text(use_instead, "doc.py", [rule]) == []
    assert _build(use_instead) == []
    errors = _build(example)
    if code in RUNTIME_ERROR_RULES:
        assert len(errors) == 1 and errors[0].startswith(RUNTIME_ERROR_RULES[code])
        assert errors[0].split(": ", 1)[1].split("'")[0] in rule.documentation
    else:
        assert errors == []


def test_the_syntax_error_code_is_documented(capsys: pytest.CaptureFixture[str]) -> None:
    from torchlint.commands.rule_command import run

    assert run(["TL999"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# syntax-error (TL999)") and "Python itself rejects the file" in out
