"""One fast pass over a function body that indexes what syntactic questions about it need: where each name and
each ``x.attr`` occurs (with parent and grandparent), what binds each local, every call, return and statement.

LibCST's visitors rebuild every node they pass, which costs about a millisecond per statement; this walk reads
the dataclass fields of the nodes directly and skips whitespace and punctuation. Indexes are cached per file
model, so the rules that ask about the same function share one walk.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Optional, cast

import libcst as cst

from torchlint.outline.file_model import FileModel
from torchlint.source.recently_used import RecentlyUsed

Occurrence = tuple[cst.CSTNode, Optional[cst.CSTNode], Optional[cst.CSTNode]]  # node, parent, grandparent

_SKIPPED_FIELDS = frozenset(
    {"lpar", "rpar", "leading_lines", "lines_after_decorators", "comma", "semicolon", "header", "footer",
     "trailing_whitespace", "equal", "colon", "dot", "operator", "newline", "asynchronous"}
)
_TRIVIA = (
    cst.BaseParenthesizableWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Newline, cst.Comment,
    cst.LeftParen, cst.RightParen, cst.Comma, cst.Semicolon, cst.AssignEqual, cst.Colon, cst.Dot,
)
_fields: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    names = _fields.get(kind)
    if names is None:
        names = tuple(
            f.name for f in dataclasses.fields(kind)
            if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace")
        )
        _fields[kind] = names
    return names


_NOT_A_NODE, _CODE, _SKIPPED = 0, 1, 2
_kinds: dict[type, int] = {}


def _kind(kind: type) -> int:
    """Whether values of the type ``kind`` are code nodes, trivia, or no node at all (kept per type:
    ``isinstance`` against LibCST's abstract node classes is slow)."""
    found = _kinds.get(kind)
    if found is None:
        if not issubclass(kind, cst.CSTNode):
            found = _NOT_A_NODE
        else:
            found = _SKIPPED if issubclass(kind, _TRIVIA) else _CODE
        _kinds[kind] = found
    return found


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The child nodes of ``node`` that can hold code (no whitespace or punctuation), in source order."""
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if kind is list or kind is tuple:
            for item in value:
                if _kind(type(item)) == _CODE:
                    yield item
        elif _kind(kind) == _CODE:
            yield value


def walk(root: cst.CSTNode) -> Iterator[Occurrence]:
    """Every node under ``root`` (``root`` included), parents before children, with parent and grandparent."""
    stack: list[Occurrence] = [(root, None, None)]
    while stack:
        node, parent, grandparent = stack.pop()
        yield node, parent, grandparent
        stack.extend((child, node, parent) for child in reversed(list(children(node))))


def _bound_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _bound_names(element.value)]
    if isinstance(target, cst.StarredElement):
        return _bound_names(target.value)
    return []


@dataclass
class FunctionIndex:
    function: cst.FunctionDef
    names: dict[str, list[Occurrence]] = field(default_factory=dict)  # every Name node, by its text
    attributes: dict[str, list[Occurrence]] = field(default_factory=dict)  # every ``x.attr`` node, by attr
    binders: dict[str, list[cst.CSTNode]] = field(default_factory=dict)  # what binds each local, in order
    values: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)  # ``name = value`` values
    calls: list[cst.Call] = field(default_factory=list)
    assignments: list[cst.BaseSmallStatement] = field(default_factory=list)  # Assign, AnnAssign, AugAssign
    returns: list[cst.Return] = field(default_factory=list)  # of the function itself, not nested ones
    statements: set[int] = field(default_factory=set)  # ids of every small statement

    def _bind(self, name: str, binder: cst.CSTNode, value: Optional[cst.BaseExpression] = None) -> None:
        self.binders.setdefault(name, []).append(binder)
        if value is not None:
            self.values.setdefault(name, []).append(value)

    def definitions(self, name: str) -> Optional[list[cst.BaseExpression]]:
        """The values plain assignments give the local ``name``; None when anything else binds it too."""
        binders = self.binders.get(name, [])
        values = self.values.get(name, [])
        return values if len(values) == len(binders) else None


_small_statements: dict[type, bool] = {}


def _is_small_statement(kind: type) -> bool:
    found = _small_statements.get(kind)
    if found is None:
        found = _small_statements[kind] = issubclass(kind, cst.BaseSmallStatement)
    return found


def _build(function: cst.FunctionDef) -> FunctionIndex:
    index = FunctionIndex(function)
    nested: list[cst.CSTNode] = []  # nested functions and lambdas: their returns are not the function's
    # dispatch on the exact type: LibCST's concrete node classes are final, and isinstance is slow on them
    for occurrence in walk(function.body):
        node = occurrence[0]
        kind = type(node)
        if kind is cst.Name:
            index.names.setdefault(node.value, []).append(occurrence)  # type: ignore[attr-defined]
            continue
        if kind is cst.Attribute:
            index.attributes.setdefault(node.attr.value, []).append(occurrence)  # type: ignore[attr-defined]
            continue
        if kind is cst.Call:
            index.calls.append(node)  # type: ignore[arg-type]
            continue
        if kind is cst.FunctionDef or kind is cst.Lambda:
            nested.append(node)
        if _is_small_statement(kind):
            index.statements.add(id(node))
        if kind is cst.Assign:
            statement = cast(cst.Assign, node)
            index.assignments.append(statement)
            for target in statement.targets:
                if isinstance(target.target, cst.Name):
                    index._bind(target.target.value, node, statement.value)
                else:
                    for name in _bound_names(target.target):
                        index._bind(name, node)
        elif kind is cst.AnnAssign:
            statement = cast(cst.AnnAssign, node)
            index.assignments.append(statement)
            if isinstance(statement.target, cst.Name) and statement.value is not None:
                index._bind(statement.target.value, node, statement.value)
        elif kind is cst.AugAssign:
            statement = cast(cst.AugAssign, node)
            index.assignments.append(statement)
            for name in _bound_names(statement.target):
                index._bind(name, node)
        elif kind is cst.For or kind is cst.CompFor:
            for name in _bound_names(node.target):  # type: ignore[attr-defined]
                index._bind(name, node)
        elif kind is cst.AsName:
            for name in _bound_names(node.name):  # type: ignore[attr-defined]
                index._bind(name, node)
        elif kind is cst.NamedExpr:
            for name in _bound_names(node.target):  # type: ignore[attr-defined]
                index._bind(name, node)
        elif kind is cst.NameItem:
            index._bind(node.name.value, node)  # type: ignore[attr-defined]
        elif kind is cst.Return:
            index.returns.append(node)  # type: ignore[arg-type]
    if nested:
        inner = {id(found) for root in nested for found, _, _ in walk(root) if type(found) is cst.Return}
        index.returns = [node for node in index.returns if id(node) not in inner]
    return index


_cache: weakref.WeakKeyDictionary[FileModel, dict[int, FunctionIndex]] = weakref.WeakKeyDictionary()
# the last functions indexed in any file model, by identity: the language server's trees keep the nodes of the
# regions an edit did not change, so their indexes carry over to the next version's model
_recent: RecentlyUsed[int, FunctionIndex] = RecentlyUsed(512)


def function_index(model: FileModel, function: cst.FunctionDef) -> FunctionIndex:
    """The index of ``function`` (a function of ``model``'s tree), built once per file model (and reused for
    the same node in another model)."""
    indexes = _cache.get(model)
    if indexes is None:
        indexes = {}
        _cache[model] = indexes
    index = indexes.get(id(function))
    if index is None or index.function is not function:
        index = _recent.get(id(function), lambda: _build(function), lambda kept: kept.function is function)
        indexes[id(function)] = index
    return index
