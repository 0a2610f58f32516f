"""Line and column of a few nodes, without LibCST's PositionProvider.

PositionProvider records a range for every node of the file, which costs several times the code
generation itself; torchlint needs positions only for the nodes it reports (and, for suppression comments,
the comments). This code generation pass tracks the current line and column and records ranges only for
those nodes, with PositionProvider's semantics (syntactic positions, 1-based lines, 0-based columns).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, Optional

import libcst as cst
from libcst._nodes.internal import CodegenState  # not re-exported; stable since LibCST 0.3
from libcst.metadata import CodePosition, CodeRange

_NEWLINE = re.compile(r"\r\n?|\n")
_NOTHING = nullcontext()


class _State(CodegenState):
    def __init__(self, module: cst.Module, wanted: set[int], comments: bool) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.line = 1
        self.column = 0
        self.wanted = wanted
        self.comments = comments
        self.found: dict[int, tuple[cst.CSTNode, CodeRange]] = {}
        self.starts: dict[int, CodePosition] = {}

    def _wants(self, node: cst.CSTNode) -> bool:
        return id(node) in self.wanted or (self.comments and type(node) is cst.Comment)

    def _advance(self, value: str) -> None:
        segments = _NEWLINE.split(value)
        if len(segments) == 1:
            self.column += len(value)
        else:
            self.line += len(segments) - 1
            self.column = len(segments[-1])

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self._advance(value)

    def pop_trailing_newline(self) -> None:  # only the end of the file moves: nothing recorded changes
        pass

    def before_codegen(self, node: cst.CSTNode) -> None:
        if self._wants(node):
            self.starts[id(node)] = CodePosition(self.line, self.column)

    def after_codegen(self, node: cst.CSTNode) -> None:
        if self._wants(node):
            start = self.starts.pop(id(node))
            self.found.setdefault(id(node), (node, CodeRange(start, CodePosition(self.line, self.column))))

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Any:
        if id(node) not in self.wanted:
            return _NOTHING
        for child in (start_node, end_node):  # their ranges are needed to hoist from
            if child is not None:
                self.wanted.add(id(child))
        return self._record(node, start_node, end_node)

    @contextmanager
    def _record(
        self, node: cst.CSTNode, start_node: Optional[cst.CSTNode], end_node: Optional[cst.CSTNode]
    ) -> Iterator[None]:
        start = CodePosition(self.line, self.column)
        yield
        end = CodePosition(self.line, self.column)
        if start_node is not None:
            start = self.found[id(start_node)][1].start
        if end_node is not None:
            end = self.found[id(end_node)][1].end
        self.found[id(node)] = (node, CodeRange(start, end))


def node_positions(
    module: cst.Module, nodes: Iterable[cst.CSTNode], comments: bool = False
) -> dict[cst.CSTNode, CodeRange]:
    """Ranges of ``nodes`` (and of every comment, with ``comments``), keyed by node."""
    state = _State(module, {id(node) for node in nodes}, comments)
    module._codegen(state)
    return {node: where for node, where in state.found.values()}
