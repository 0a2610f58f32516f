"""A positioned diagnostic, as every output format prints it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from torchlint.contract.rule import Fix

SYNTAX_ERROR_CODE = "TL999"  # not a rule: a file LibCST cannot parse


@dataclass(frozen=True)
class TextEdit:
    """One edit of a fix as text: replace [line:column, end_line:end_column) (1-based, in characters) with
    ``content``; an insertion has an empty range."""

    content: str
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Diagnostic:
    path: str
    line: int  # 1-based
    column: int  # 1-based, in characters (code points), as flake8 and Ruff print it
    code: str
    message: str
    end_line: int
    end_column: int
    fix: Optional[Fix] = field(default=None, compare=False)
    # the fix's edits as text; rendered only when asked (torchlint.fix.text_edits), empty otherwise
    edits: tuple[TextEdit, ...] = field(default=(), compare=False)
    cell: Optional[int] = None  # in a notebook: the cell (1-based, all cells counted); line and columns are in it

    @property
    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (self.path, self.cell or 0, self.line, self.column, self.code)

    @property
    def location(self) -> str:
        """``line:col``, or ``cell N:line:col`` in a notebook, as Ruff prints it."""
        return f"cell {self.cell}:{self.line}:{self.column}" if self.cell is not None else f"{self.line}:{self.column}"
