"""The string statements of a module: docstrings, and string literals standing alone as statements.

Such a statement does nothing when it runs, and no rule reads it; in model code it is a large share of what
the masked pass would give LibCST (a fifth of the kept text of transformers' modeling files). Each one that
has its lines to itself becomes a ``pass`` line in the masked text (``pass``, not nothing: it may be the
only statement of its block).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from torchlint.source.masking import Span, indentation

_BLOCKS = ("body", "orelse", "finalbody")


def _blocks(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    for name in _BLOCKS:
        block = getattr(statement, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            yield block
    for handler in getattr(statement, "handlers", ()):
        yield handler.body
    for case in getattr(statement, "cases", ()):
        yield case.body


def _is_string(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _spans(block: Sequence[ast.stmt], lines: Sequence[str], found: list[Span]) -> None:
    for index, statement in enumerate(block):
        if _is_string(statement):
            end = statement.end_lineno
            alone = (
                end is not None and end <= len(lines)
                and (index == 0 or (block[index - 1].end_lineno or 0) < statement.lineno)
                and (index + 1 == len(block) or block[index + 1].lineno > end)
            )
            if alone:
                indent = indentation(lines[statement.lineno - 1])
                if len(indent) == statement.col_offset:
                    found.append(Span(statement.lineno, end, indent))  # type: ignore[arg-type]
            continue
        for inner in _blocks(statement):
            _spans(inner, lines, found)


def string_statement_spans(tree: ast.Module, lines: Sequence[str]) -> list[Span]:
    """The lines of each string statement of ``tree`` (whose source has the physical ``lines``) that has its
    lines to itself, in the order of the file."""
    found: list[Span] = []
    _spans(tree.body, lines, found)
    return found
