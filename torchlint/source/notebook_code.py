"""A notebook's code cells as one Python module, in order, and the way back: module lines to cell lines, and
a fixed module to the new sources of the cells it changed.

As in Ruff, the analysed cells (code cells of a Python notebook that are not skipped for a cell magic) are
joined each followed by a newline, so every cell starts on a line of its own and a cell of n lines (an empty
cell counts one) takes n lines of the module. IPython magics are neutralised (:mod:`torchlint.source.magics`):
a module line is a cell line with the same text and columns, except on magic lines, which read ``pass``.

Splitting a fixed module back into cells compares its lines with the module's: unchanged lines stay in their
cell (a magic line gets its own text back), a changed run of lines goes to the cell its old lines were in,
and lines inserted between two cells join the cell above (what fixes insert follows an earlier statement).
A change that spans two cells or touches a magic line is refused.
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from torchlint.source.decoding import SourceError
from torchlint.source.lines import physical_lines
from torchlint.source.magics import neutralise, skipped_cell
from torchlint.source.notebook import Notebook


class CellSplitError(SourceError):
    """A fixed module that cannot be put back into the notebook's cells."""


@dataclass(frozen=True)
class CodeCell:
    number: int  # the cell's number in the notebook (1-based, all cells counted)
    first_line: int  # the module line (1-based) of its first line
    lines: tuple[str, ...]  # its lines with endings, the added final newline included
    neutral: tuple[bool, ...]  # per line: a magic, neutralised in the module


@dataclass(frozen=True)
class NotebookCode:
    notebook: Notebook
    text: str  # the module
    cells: tuple[CodeCell, ...]

    def cell_position(self, line: int) -> tuple[int, int]:
        """The (cell number, line in the cell) of a module line; past the end, the last cell's last line."""
        if not self.cells:
            return 1, line
        index = max(0, bisect.bisect_right([cell.first_line for cell in self.cells], line) - 1)
        cell = self.cells[index]
        return cell.number, min(max(1, line - cell.first_line + 1), len(cell.lines))

    def module_line(self, number: int, line: int) -> int:
        """The module line of line ``line`` of cell ``number`` (which must be analysed)."""
        cell = next(cell for cell in self.cells if cell.number == number)
        return cell.first_line + line - 1

    def fixed_sources(self, fixed: str) -> dict[int, str]:
        """The new source of each cell that ``fixed`` (an edited module) changes, by cell number."""
        old_lines = physical_lines(self.text, keepends=True)
        new_lines = physical_lines(fixed, keepends=True)
        owner: list[int] = []
        original: list[str] = []
        neutral: list[bool] = []
        for index, cell in enumerate(self.cells):
            owner.extend([index] * len(cell.lines))
            original.extend(cell.lines)
            neutral.extend(cell.neutral)
        collected: list[list[str]] = [[] for _ in self.cells]
        for tag, i1, i2, j1, j2 in line_opcodes(old_lines, new_lines):
            if tag == "equal":
                for i in range(i1, i2):
                    collected[owner[i]].append(original[i])
                continue
            if i1 == i2:  # inserted: into the cell above (or the first cell, at the top)
                collected[owner[i1 - 1] if i1 > 0 else 0].extend(new_lines[j1:j2])
                continue
            touched = {owner[i] for i in range(i1, i2)}
            if len(touched) > 1:
                raise CellSplitError("a fix would change lines of two cells at once; not fixed")
            if any(neutral[i1:i2]):
                raise CellSplitError("a fix would change an IPython magic line; not fixed")
            collected[touched.pop()].extend(new_lines[j1:j2])
        changed: dict[int, str] = {}
        for cell, lines in zip(self.cells, collected):
            text = "".join(lines)
            if not text.endswith("\n"):
                raise CellSplitError(f"a fix would join cell {cell.number} with the next one; not fixed")
            text = text[:-1]
            if text != "".join(cell.lines)[:-1]:
                changed[cell.number] = text
        return changed

    def source_lines(self, number: int) -> list[str]:
        """The lines of a cell as the notebook holds them (magics included), without endings."""
        return physical_lines(self.notebook.cell(number).source)


Opcode = tuple[str, int, int, int, int]  # as difflib.SequenceMatcher.get_opcodes gives them


def _anchors(old: Sequence[str], new: Sequence[str]) -> list[tuple[int, int]]:
    """Lines that occur once in each, matched, the longest run of them in the same order in both (patience
    diff's anchors): in notebooks of look-alike cells most lines repeat, and difflib on the whole text would
    take minutes."""
    old_counts, new_counts = Counter(old), Counter(new)
    new_index = {line: j for j, line in enumerate(new) if new_counts[line] == 1}
    pairs = [(i, new_index[line]) for i, line in enumerate(old) if old_counts[line] == 1 and line in new_index]
    tails: list[int] = []  # tails[k]: the pair with the smallest j ending an increasing run of length k + 1
    tail_js: list[int] = []  # and that j
    previous: list[int] = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tail_js, j)
        previous[index] = tails[k - 1] if k else -1
        if k == len(tails):
            tails.append(index)
            tail_js.append(j)
        else:
            tails[k], tail_js[k] = index, j
    chain: list[tuple[int, int]] = []
    index = tails[-1] if tails else -1
    while index >= 0:
        chain.append(pairs[index])
        index = previous[index]
    return chain[::-1]


def line_opcodes(old: Sequence[str], new: Sequence[str]) -> list[Opcode]:
    """How ``old`` becomes ``new``, line by line, in difflib's opcodes: anchored on unique lines, with difflib
    between the anchors."""
    opcodes: list[Opcode] = []
    i = j = 0
    for anchor_i, anchor_j in [*_anchors(old, new), (len(old), len(new))]:
        matcher = difflib.SequenceMatcher(None, old[i:anchor_i], new[j:anchor_j], autojunk=False)
        opcodes.extend((tag, i + a1, i + a2, j + b1, j + b2) for tag, a1, a2, b1, b2 in matcher.get_opcodes())
        if anchor_i < len(old):
            opcodes.append(("equal", anchor_i, anchor_i + 1, anchor_j, anchor_j + 1))
        i, j = anchor_i + 1, anchor_j + 1
    return opcodes


def notebook_code(notebook: Notebook) -> NotebookCode:
    """The module of ``notebook``'s analysed code cells (none in a notebook of another language)."""
    cells: list[CodeCell] = []
    parts: list[str] = []
    line = 1
    if notebook.is_python:
        for cell in notebook.cells:
            if cell.cell_type != "code" or skipped_cell(cell.source):
                continue
            neutral_text, flags = neutralise(cell.source)
            lines = tuple(physical_lines(cell.source + "\n", keepends=True))
            neutral = tuple(flags) + (False,) * (len(lines) - len(flags))
            cells.append(CodeCell(cell.number, line, lines, neutral))
            parts.append(neutral_text + "\n")
            line += len(lines)
    return NotebookCode(notebook, "".join(parts), tuple(cells))
