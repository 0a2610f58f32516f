"""Parse source text with LibCST, guarding against input that would crash or stall its native parser."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Optional

import libcst as cst

_CPYTHON_DEFAULT_RECURSION_LIMIT = 1000
_DEEP_BRACKETS = re.compile(r"[(\[{]{40}")
_LONG_LINE = 2000


def _suspicious(text: str) -> bool:
    """Input that may be nested deeper than CPython allows, or slow LibCST down badly."""
    return _DEEP_BRACKETS.search(text) is not None or any(len(line) > _LONG_LINE for line in text.splitlines())


def _python_tree(text: str, path: str) -> ast.Module:
    """Python's own parse of ``text``, judged with CPython's default recursion limit (as ``python file.py``
    would judge it, whatever limit torchlint runs with)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_CPYTHON_DEFAULT_RECURSION_LIMIT)
    try:
        tree: ast.Module = compile(text, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        return tree
    finally:
        sys.setrecursionlimit(limit)


def cpython_rejection(text: str, path: str = "<source>") -> Optional[BaseException]:
    """Why ``python file.py`` would refuse ``text``, or None."""
    try:
        _python_tree(text, path)
    except (SyntaxError, RecursionError, MemoryError, ValueError) as error:
        return error
    return None


_KEPT_TREES = 8
_kept: list[tuple[str, Optional[ast.Module]]] = []  # the last texts parsed, by identity, and their trees


def python_tree(text: str) -> Optional[ast.Module]:
    """Python's own syntax tree of ``text``, or None when ``python file.py`` would refuse it. The trees of
    the last few texts are kept, so the outline and the masked pass of one file share one parse even when
    outlining it read the files it imports in between (never mutate a tree)."""
    for kept_text, kept_tree in _kept:
        if kept_text is text:
            return kept_tree
    try:
        tree: Optional[ast.Module] = _python_tree(text, "<source>")
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        tree = None
    _kept.insert(0, (text, tree))
    del _kept[_KEPT_TREES:]
    return tree


def keep_tree(text: str, tree: Optional[ast.Module]) -> None:
    """Let :func:`python_tree` answer ``tree`` for ``text`` (this very string) without parsing it: the language
    server puts a text's tree together from its regions' trees."""
    _kept.insert(0, (text, tree))
    del _kept[_KEPT_TREES:]


def _unchecked(self: cst.CSTNode) -> None:
    """Construct a node without ``_validate()``."""


@contextmanager
def _without_validation() -> Iterator[None]:
    """While LibCST's native parser builds the tree, nodes skip ``_validate()``: each node checks in
    ``__post_init__`` that it could be printed back as the code it came from, which a tree the parser built from
    that code always can (LibCST's own note on ``CSTNode.__post_init__`` suggests moving the check out of
    parsing), and which costs about a fifth of the parse. Nodes built anywhere else (the fixes') are
    checked as before: torchlint parses and builds fixes on one thread at a time."""
    checked = cst.CSTNode.__post_init__
    cst.CSTNode.__post_init__ = _unchecked  # type: ignore[method-assign]
    try:
        yield
    finally:
        cst.CSTNode.__post_init__ = checked  # type: ignore[method-assign]


def parse(text: str) -> cst.Module:
    """Parse with LibCST. Suspicious input is first given to CPython's own parser, which rejects what is
    nested too deeply cleanly (LibCST's native parser would recurse until the process crashes)."""
    error = cpython_rejection(text) if _suspicious(text) else None
    if error is not None:
        line = getattr(error, "lineno", None) or 1
        column = getattr(error, "offset", None) or 1
        message = getattr(error, "msg", None) or f"{type(error).__name__}: too deeply nested"
        raise cst.ParserSyntaxError(
            str(message), lines=text.splitlines(), raw_line=line, raw_column=max(column - 1, 0)
        )
    try:
        with _without_validation():
            return cst.parse_module(text)
    except cst.ParserSyntaxError:
        raise
    except Exception as failure:  # noqa: BLE001 - LibCST fails on some valid code with other errors
        # an internal error of the native parser on code it cannot handle: report it as unparsable
        raise cst.ParserSyntaxError(
            f"LibCST's parser failed ({type(failure).__name__}: {failure})",
            lines=text.splitlines(), raw_line=1, raw_column=0,
        ) from None
