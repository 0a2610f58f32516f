"""``torchlint server`` on notebooks (LSP notebook document sync): diagnostics per cell, the command line's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls", reason="the language server needs the lsp extra (pygls)")
pytest.importorskip("pytest_lsp", reason="the language server's tests need pytest-lsp")

from lsprotocol import types  # noqa: E402
from server_session import run, session  # noqa: E402

CELLS = [
    ("markdown", "# A model\nIt keeps `self.mask` plain."),
    ("code", "%matplotlib inline\nimport torch\nfrom torch import nn"),
    ("code", "class Model(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
             "        self.mask = torch.ones(3)\n        self.layers = [nn.Linear(2, 2)]"),
    ("code", "%%bash\necho not python"),
    ("code", "m = Model()"),
]


def _ipynb(cells: list[tuple[str, str]]) -> str:
    return json.dumps({
        "cells": [{"cell_type": kind, "metadata": {}, "source": text.splitlines(keepends=True),
                   **({"execution_count": None, "outputs": []} if kind == "code" else {})} for kind, text in cells],
        "metadata": {"language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5,
    }, indent=1)


def _command_line(path: Path) -> list[tuple[int, int, int, str, str]]:
    completed = subprocess.run([sys.executable, "-m", "torchlint", "--output-format", "json", str(path)],
                               capture_output=True, text=True, cwd=path.parent)
    return sorted((d["cell"], d["location"]["row"], d["location"]["column"], d["code"], d["message"])
                  for d in json.loads(completed.stdout))


class Notebook:
    """A notebook open in the client: its cells' uris and versions."""

    def __init__(self, lsp, root: Path, cells: list[tuple[str, str]]) -> None:
        self.lsp, self.uri, self.version = lsp, (root / "model.ipynb").as_uri(), 1
        self.cells = [f"{self.uri}#cell{number}" for number in range(1, len(cells) + 1)]
        lsp.client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
            types.NotebookDocument(uri=self.uri, notebook_type="jupyter-notebook", version=1, cells=[
                types.NotebookCell(kind=types.NotebookCellKind.Code if kind == "code" else types.NotebookCellKind.Markup,
                                   document=cell) for (kind, _), cell in zip(cells, self.cells)
            ]),
            [types.TextDocumentItem(uri=cell, language_id="python" if kind == "code" else "markdown", version=1,
                                    text=text) for (kind, text), cell in zip(cells, self.cells)],
        ))

    def edit(self, number: int, line: int, start: int, end: int, text: str) -> None:
        self.version += 1
        where = types.Range(types.Position(line, start), types.Position(line, end))
        self.lsp.client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
            types.VersionedNotebookDocumentIdentifier(version=self.version, uri=self.uri),
            types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(text_content=[
                types.NotebookDocumentCellContentChanges(
                    types.VersionedTextDocumentIdentifier(uri=self.cells[number - 1], version=self.version),
                    [types.TextDocumentContentChangePartial(range=where, text=text)],
                )
            ])),
        ))

    async def diagnostics(self, version: int = 1) -> list[tuple[int, int, int, str, str]]:
        """Every cell's diagnostics published for ``version`` of the cells, as the command line prints them."""
        found = []
        for number, cell in enumerate(self.cells, start=1):
            published = await self.lsp.published.wait(cell, version)
            found += [(number, d.range.start.line + 1, d.range.start.character + 1, str(d.code), d.message)
                      for d in published.diagnostics]
        return sorted(found)


def test_notebook_cells_get_the_command_lines_diagnostics_and_edits_in_a_cell_update_them(tmp_path: Path) -> None:
    (tmp_path / "model.ipynb").write_text(_ipynb(CELLS), encoding="utf-8")
    expected = _command_line(tmp_path / "model.ipynb")
    assert [(cell, code) for cell, _, _, code, _ in expected] == [(3, "TL001"), (3, "TL003")]

    async def check() -> None:
        async with session(tmp_path) as lsp:
            notebook = Notebook(lsp, tmp_path, CELLS)
            assert await notebook.diagnostics() == expected
            notebook.edit(3, 4, 8, 19, "self.extra")  # self.layers -> self.extra (the TL003 line)
            # only the edited cell's version moved; the others are published again with theirs
            cell_three = await lsp.published.wait(notebook.cells[2], 2)
            assert "`self.extra`" in cell_three.diagnostics[-1].message
            notebook.edit(3, 3, 0, 0, "#")  # comment the TL001 line out
            assert [d.code for d in (await lsp.published.wait(notebook.cells[2], 3)).diagnostics] == ["TL003"]
            lsp.client.notebook_document_did_close(types.DidCloseNotebookDocumentParams(
                types.NotebookDocumentIdentifier(notebook.uri),
                [types.TextDocumentIdentifier(cell) for cell in notebook.cells],
            ))
            assert (await lsp.published.wait(notebook.cells[2])).diagnostics == ()  # closed: cleared

    run(check())
