"""Gradual adoption: ``--baseline FILE`` (report only new findings) and ``--add-noqa``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from torchlint.commands.cli import main
from torchlint.suppression.add_noqa import with_noqa

SOURCE = textwrap.dedent(
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


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-cache", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "model.py").write_text(SOURCE, encoding="utf-8")
    return tmp_path


def test_records_when_missing_then_reports_nothing_known(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--baseline", "baseline.json", "pkg")
    assert (code, out) == (0, "")
    assert err == ("torchlint: recorded 2 findings in baseline.json; only new findings are reported from now on\n"
                   "All checks passed! Checked 1 file, 1 module class analysed.\n")
    document = json.loads((project / "baseline.json").read_text(encoding="utf-8"))
    assert document == {"torchlint-baseline": 1, "findings": [
        {"file": "pkg/model.py", "code": "TL001", "source": "self.mask = torch.ones(3)", "count": 1},
        {"file": "pkg/model.py", "code": "TL002", "source": "self.w = torch.randn(3, requires_grad=True)",
         "count": 1},
    ]}
    code, out, err = run(capsys, "--baseline", "baseline.json", "pkg")
    assert (code, out) == (0, "") and err == ("torchlint: 2 findings in baseline.json not shown\n"
                                              "All checks passed! Checked 1 file, 1 module class analysed.\n")


def test_edits_above_keep_findings_baselined_and_new_ones_are_reported(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "--baseline", "baseline.json", "pkg")
    model = project / "pkg" / "model.py"
    source = '"""Docs."""\n\n' + SOURCE.replace("super().__init__()\n", "super().__init__()\n        self.n = 3\n")
    other = "\n\nclass N(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.mask = torch.ones(3)\n"
    model.write_text(source + "        self.extra = torch.zeros(1)\n" + other, encoding="utf-8")
    code, out, err = run(capsys, "--baseline", "baseline.json", "pkg")
    assert code == 1
    # a new line, and a second finding on a line equal to a baselined one, are new
    assert [line.split(" ")[0] for line in out.splitlines()] == ["pkg/model.py:13:9:", "pkg/model.py:19:9:"]
    assert "2 findings in baseline.json not shown" in err


def test_the_baseline_is_relative_to_its_own_directory(project: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    run(capsys, "--baseline", "baseline.json", "pkg")
    monkeypatch.chdir(project / "pkg")
    assert run(capsys, "--baseline", "../baseline.json", "model.py")[:2] == (0, "")


def test_stale_entries_are_pointed_out(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "--baseline", "baseline.json", "pkg")
    (project / "pkg" / "model.py").write_text(SOURCE.replace("        self.mask = torch.ones(3)\n", ""), "utf-8")
    code, _, err = run(capsys, "--baseline", "baseline.json", "pkg")
    assert code == 0 and "1 entry there no longer matches (fixed or edited)" in err


@pytest.mark.parametrize("content", ["not json", "[]", '{"torchlint-baseline": 99}', '{"torchlint-baseline": 1, '
                                     '"findings": [{"file": "x"}]}'])
def test_a_broken_baseline_is_an_error(project: Path, capsys: pytest.CaptureFixture[str], content: str) -> None:
    (project / "baseline.json").write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "--baseline", "baseline.json", "pkg")
    assert (code, out) == (2, "") and err.startswith("torchlint: error: baseline.json: not a torchlint baseline")


def test_syntax_errors_are_never_baselined(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pkg" / "broken.py").write_text("import torch\ndef f(:\n", encoding="utf-8")
    code, out, _ = run(capsys, "--baseline", "baseline.json", "pkg")
    assert code == 1 and out.startswith("pkg/broken.py:2:") and "TL999" in out
    assert "broken" not in (project / "baseline.json").read_text(encoding="utf-8")


# --add-noqa


@pytest.mark.parametrize(
    ("line", "codes", "expected"),
    [
        ("x = 1", ["TL001"], "x = 1  # noqa: TL001"),
        ("x = 1   ", ["TL001", "TL002"], "x = 1  # noqa: TL001, TL002"),
        ("x = 1  # noqa: E501", ["TL001"], "x = 1  # noqa: E501, TL001"),
        ("x = 1  # noqa:E501,W291  # why", ["TL001"], "x = 1  # noqa:E501,W291, TL001  # why"),
        ("x = 1  # type: ignore", ["TL001"], "x = 1  # type: ignore  # noqa: TL001"),
        ("x = 1  # noqa: TL001", ["TL001"], "x = 1  # noqa: TL001"),
    ],
)
def test_with_noqa(line: str, codes: list[str], expected: str) -> None:
    assert with_noqa(line, codes, line.find("#")) == expected


def test_add_noqa_then_clean(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = project / "pkg" / "model.py"
    model.write_bytes(SOURCE.replace("torch.ones(3)", "torch.ones(3)  # noqa: E501").replace("\n", "\r\n").encode())
    code, out, err = run(capsys, "--add-noqa", "pkg")
    assert (code, out, err) == (0, "", "Added 2 noqa directives.\n")
    text = model.read_bytes().decode()
    assert "self.mask = torch.ones(3)  # noqa: E501, TL001\r\n" in text
    assert "self.w = torch.randn(3, requires_grad=True)  # noqa: TL002\r\n" in text
    assert text.count("\r\n") == SOURCE.count("\n") and "\n" not in text.replace("\r\n", "")
    assert run(capsys, "pkg")[:2] == (0, "")


def test_add_noqa_skips_lines_that_cannot_take_a_comment(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = project / "pkg" / "model.py"
    source = SOURCE.replace(
        "        self.mask = torch.ones(3)\n",
        '        self.mask = torch.ones(len("""\n    abc"""))\n        self.b = torch.ones(3) + \\\n            1\n',
    )
    model.write_text(source, encoding="utf-8")
    code, _, err = run(capsys, "--add-noqa", "pkg")
    assert code == 0
    assert err.splitlines() == [
        "torchlint: error: pkg/model.py:8: no '# noqa: TL001' added: the line ends inside a multi-line string or "
        "continues with a backslash; suppress it by hand",
        "torchlint: error: pkg/model.py:10: no '# noqa: TL001' added: the line ends inside a multi-line string or "
        "continues with a backslash; suppress it by hand",
        "Added 1 noqa directive.",
    ]
    after = model.read_text(encoding="utf-8")
    assert after == source.replace("requires_grad=True)\n", "requires_grad=True)  # noqa: TL002\n")
    compile(after, "model.py", "exec")


def test_add_noqa_cannot_be_combined_with_fix(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--add-noqa", "--fix", "pkg")
    assert code == 2 and "--add-noqa" in err
