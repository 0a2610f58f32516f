"""Notebooks open in the editor (LSP notebook document sync): their cells as one module, linted as the command
line lints an ``.ipynb`` file, and the diagnostics handed back to the cells they point into.

The client sends the notebook's cells in order (markdown ones included, so cell numbers are the notebook's)
and each cell's text as a text document of its own. The module is built from them exactly as from the cells of
an ``.ipynb`` file (:func:`torchlint.source.notebook_code.notebook_code`: code cells joined, magics
neutralised, cell-magic cells skipped); a code cell in another language than Python is left out, as a
notebook of another language is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional

from lsprotocol import types

from torchlint.contract.diagnostics import Diagnostic
from torchlint.run.notebook_cells import in_cells
from torchlint.run.runner import Job
from torchlint.server.linting import LintResult, lint_document
from torchlint.source.decoding import SourceText
from torchlint.source.notebook import Cell, Notebook
from torchlint.source.notebook_code import NotebookCode, notebook_code

PYTHON = "python"
NOT_ANALYSED = "other-language"  # the cell type given to a code cell in another language: it is not analysed


@dataclass(frozen=True)
class CellDocument:
    uri: str
    text: str
    version: Optional[int]
    language_id: Optional[str]


@dataclass
class NotebookResult:
    version: int  # the notebook's
    cells: dict[str, CellDocument]  # by uri, the cells linted, in order
    module: LintResult  # the diagnostics of the module, in its lines
    by_cell: dict[str, list[Diagnostic]] = field(default_factory=dict)  # by cell uri, in the cell's lines


def notebook_module(cells: list[tuple[types.NotebookCell, CellDocument]]) -> NotebookCode:
    """The module of a notebook's cells, as :func:`notebook_code` builds it from an ``.ipynb`` file."""
    numbered = []
    for number, (cell, document) in enumerate(cells, start=1):
        if cell.kind != types.NotebookCellKind.Code:
            kind = "markdown"
        else:
            kind = "code" if (document.language_id or PYTHON) == PYTHON else NOT_ANALYSED
        numbered.append(Cell(number, kind, document.text, span=(0, 0), is_list=True))
    notebook = Notebook(text="", source=SourceText("", "utf-8", b""), cells=numbered, language=PYTHON)
    return notebook_code(notebook)


def lint_notebook(
    notebook: types.NotebookDocument, document_of: Callable[[str], CellDocument], path: str, job: Job
) -> NotebookResult:
    """The diagnostics of every cell of ``notebook`` (the file ``path``); errors are in ``module.errors``."""
    cells = [(cell, document_of(cell.document)) for cell in notebook.cells]
    code = notebook_module(cells)
    module = lint_document(code.text, path, job, notebook.version, masked=True)
    result = NotebookResult(notebook.version, {document.uri: document for _, document in cells}, module)
    result.by_cell = {document.uri: [] for _, document in cells}
    for diagnostic in in_cells(module.diagnostics, code):
        uri = cells[(diagnostic.cell or 1) - 1][1].uri
        result.by_cell[uri].append(diagnostic)
    return result
