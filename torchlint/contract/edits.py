"""The edits a fix is made of. Each names nodes of the parsed tree by identity; :mod:`torchlint.fix.fixer`
applies them with a LibCST transformer, so every byte outside the replaced nodes is kept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import libcst as cst


@dataclass(frozen=True)
class Replace:
    """Replace ``node`` with ``replacement``."""

    node: cst.CSTNode
    replacement: cst.CSTNode


@dataclass(frozen=True)
class InsertClassStatement:
    """Add ``statement`` to the top of the body of ``class_node`` (after its docstring), unless a line with
    the same code is already there."""

    class_node: cst.ClassDef
    statement: cst.SimpleStatementLine


@dataclass(frozen=True)
class InsertImport:
    """Add ``statement`` (an import) after the file's last top-level import, unless it is already there."""

    statement: cst.SimpleStatementLine


@dataclass(frozen=True)
class InsertAfter:
    """Add ``statement`` right after ``anchor`` (a statement of an indented block), unless a line with the
    same code is already in that block."""

    anchor: cst.BaseStatement
    statement: cst.SimpleStatementLine


Edit = Union[Replace, InsertClassStatement, InsertImport, InsertAfter]
