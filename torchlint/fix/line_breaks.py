"""Break a call a fix writes the way Black and Ruff's formatter would, when its line exceeds the project's line
length: first all arguments on one indented line, then one argument per line with a trailing comma.

A call whose arguments already span lines, or a statement that shares its line with others, is left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import libcst as cst

STEP = "    "  # the formatters' indentation of a call's arguments


_CODEGEN = cst.Module(body=[])


def _code(node: cst.CSTNode) -> str:
    return _CODEGEN.code_for_node(node)


_BLOCKS = ("body", "orelse", "handlers", "finalbody", "cases")  # the fields of compound statements that hold code


class _Lines:
    """Every line of a module that holds a single small statement, with its indentation: found in one walk
    over the statements (a fix per finding asks for its own line; walking from the module each time made a
    file with hundreds of findings quadratic). The walk reads only the fields that hold statements: asking
    LibCST for a node's ``children`` costs about as much as generating its code."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module  # keeps the nodes, and so their identities, alive
        self.of: dict[int, tuple[str, cst.SimpleStatementLine]] = {}
        self._statements(module.body, "")

    def _statements(self, statements: Sequence[cst.CSTNode], indent: str) -> None:
        for statement in statements:
            if isinstance(statement, cst.SimpleStatementLine):
                if len(statement.body) == 1:
                    self.of[id(statement.body[0])] = (indent, statement)
            else:
                self._compound(statement, indent)

    def _compound(self, node: cst.CSTNode, indent: str) -> None:
        for name in _BLOCKS:
            value = getattr(node, name, None)
            if value is None:
                continue
            if isinstance(value, cst.IndentedBlock):
                inner = indent + (value.indent if value.indent is not None else self.module.default_indent)
                self._statements(value.body, inner)
            elif isinstance(value, (list, tuple)):  # except handlers, match cases
                for part in value:
                    self._compound(part, indent)
            elif isinstance(value, cst.CSTNode) and not isinstance(value, cst.SimpleStatementSuite):
                self._compound(value, indent)  # else / finally clauses, elif chains


_last: list[_Lines] = []  # the lines of the module last asked about (a module's fixes are made together)


def statement_line(
    module: cst.Module, statement: cst.BaseSmallStatement
) -> Optional[tuple[str, cst.SimpleStatementLine]]:
    """The indentation of the line that holds ``statement`` and that line, when it holds nothing else."""
    if not _last or _last[0].module is not module:
        _last[:] = [_Lines(module)]
    return _last[0].of.get(id(statement))


def _newline(indent: str) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(newline=cst.Newline()),
        empty_lines=[],
        indent=True,
        last_line=cst.SimpleWhitespace(indent),
    )


def _keyword_width(arg: cst.Arg) -> int:
    return len(_code(arg)) - len(_code(arg.value))


def fit_call(call: cst.Call, indent: str, before: int, after: int, limit: Optional[int], nested: str = "") -> cst.Call:
    """``call`` as written on a line of the block indentation ``indent`` plus ``nested``, with ``before``
    characters in front of it (indentation included) and ``after`` behind it, broken to fit ``limit``
    (None: never broken)."""
    flat = _code(call)
    if limit is None or before + len(flat) + after <= limit or "\n" in flat or not call.args:
        return call
    args = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in call.args]
    codes = [_code(arg) for arg in args]
    inner = nested + STEP
    if len(indent) + len(inner) + len(", ".join(codes)) <= limit:
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        hugged = [arg.with_changes(comma=comma) for arg in args[:-1]]
        hugged.append(args[-1].with_changes(whitespace_after_arg=_newline(nested)))
        return call.with_changes(whitespace_before_args=_newline(inner), args=hugged)
    args = [
        arg.with_changes(
            value=fit_call(arg.value, indent, len(indent + inner) + _keyword_width(arg), 1, limit, inner)
        )
        if isinstance(arg.value, cst.Call) else arg
        for arg in args
    ]
    exploded = [arg.with_changes(comma=cst.Comma(whitespace_after=_newline(inner))) for arg in args[:-1]]
    exploded.append(args[-1].with_changes(comma=cst.Comma(whitespace_after=_newline(nested))))
    return call.with_changes(whitespace_before_args=_newline(inner), args=exploded)


def fit_statement_call(
    module: cst.Module, statement: cst.BaseSmallStatement, replacement: cst.BaseSmallStatement, call: cst.Call,
    limit: Optional[int],
) -> cst.Call:
    """``call``, the last expression of ``replacement`` (which will stand where ``statement`` is), broken to
    fit the line length."""
    found = statement_line(module, statement) if limit is not None else None
    if found is None:
        return call
    indent, line = found
    text = _code(replacement)
    flat = _code(call)
    if not text.rstrip().endswith(flat):
        return call
    comment = line.trailing_whitespace.comment
    after = len(line.trailing_whitespace.whitespace.value) + (len(comment.value) if comment is not None else 0)
    before = len(indent) + len(text.rstrip()) - len(flat)
    return fit_call(call, indent, before, after, limit)
