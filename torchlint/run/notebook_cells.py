"""A notebook's results in its cells: diagnostics on the module of its code cells moved to cell, line and
column (as Ruff reports ``nb.ipynb:cell 3:4:9``), and the diff of a fix shown cell by cell."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import replace

from torchlint.contract.diagnostics import SYNTAX_ERROR_CODE, Diagnostic, TextEdit
from torchlint.source.lines import physical_lines
from torchlint.source.notebook_code import NotebookCode


def _edit_in_cell(edit: TextEdit, code: NotebookCode, cell: int) -> TextEdit:
    start_cell, line = code.cell_position(edit.line)
    end_cell, end_line = code.cell_position(edit.end_line)
    if start_cell != cell or end_cell != cell:  # an edit past the cell's end: at its last line
        line = line if start_cell == cell else end_line
    return replace(edit, line=line, end_line=end_line if end_cell == cell else line)


_PARSER_POSITION = re.compile(r"\berror at (\d+):(\d+)")  # LibCST names module positions in its messages


def _message_in_cells(diagnostic: Diagnostic, code: NotebookCode) -> str:
    if diagnostic.code != SYNTAX_ERROR_CODE:
        return diagnostic.message

    def in_cell(match: re.Match[str]) -> str:
        cell, line = code.cell_position(int(match.group(1)))
        return f"error at cell {cell}:{line}:{match.group(2)}"

    return _PARSER_POSITION.sub(in_cell, diagnostic.message)


def in_cells(diagnostics: Sequence[Diagnostic], code: NotebookCode) -> list[Diagnostic]:
    """``diagnostics`` of the module ``code.text``, positioned in the notebook's cells."""
    placed = []
    for diagnostic in diagnostics:
        cell, line = code.cell_position(diagnostic.line)
        end_cell, end_line = code.cell_position(diagnostic.end_line)
        end_column = diagnostic.end_column
        if end_cell != cell:  # a range never leaves its cell; clamp it to the cell's last line
            end_line, end_column = len(code.source_lines(cell)) or 1, diagnostic.column
        edits = tuple(_edit_in_cell(edit, code, cell) for edit in diagnostic.edits)
        placed.append(replace(diagnostic, cell=cell, line=line, end_line=end_line, end_column=end_column, edits=edits,
                              message=_message_in_cells(diagnostic, code)))
    return placed


def cell_diff(code: NotebookCode, sources: dict[int, str], shown_as: str) -> str:
    """A unified diff per changed cell, headed ``--- path:cell N`` as Ruff heads it, in cell lines."""
    parts = []
    for number in sorted(sources):
        before = [line + "\n" for line in physical_lines(code.notebook.cell(number).source)]
        after = [line + "\n" for line in physical_lines(sources[number])]
        name = f"{shown_as}:cell {number}"
        parts.append("".join(difflib.unified_diff(before, after, fromfile=name, tofile=name)))
    return "".join(parts)
