"""Apply fixes to a parsed module, keeping every byte that no edit touches.

Edits identify nodes of the parsed tree by identity. Fixes whose replaced nodes overlap a fix already chosen
are left for the next round (the fix loop re-analyses the result), so overlapping fixes never corrupt code.

Given the module's :class:`Parents`, the applier descends only into the nodes that lead to an edited node and
leaves every other subtree as it is: applying one fix to a large module then rebuilds a few nodes instead of
all of them (the text of each fix's edits, :mod:`torchlint.fix.text_edits`, applies each fix alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional, Union

import libcst as cst

from torchlint.contract.edits import InsertAfter, InsertClassStatement, InsertImport, Replace
from torchlint.contract.rule import Fix


def _subtree_ids(node: cst.CSTNode) -> set[int]:
    ids = {id(node)}
    for child in node.children:
        ids |= _subtree_ids(child)
    return ids


def non_overlapping(fixes: Sequence[Fix]) -> list[Fix]:
    """The fixes to apply together: in order, skipping any whose replaced nodes overlap an earlier one."""
    chosen: list[Fix] = []
    taken: set[int] = set()
    taken_roots: list[cst.CSTNode] = []
    for fix in fixes:
        nodes = [edit.node for edit in fix.edits if isinstance(edit, Replace)]
        subtrees = [_subtree_ids(node) for node in nodes]
        if any(id(node) in taken for node in nodes) or any(
            id(root) in subtree for root in taken_roots for subtree in subtrees
        ):
            continue
        chosen.append(fix)
        for node, subtree in zip(nodes, subtrees):
            taken |= subtree
            taken_roots.append(node)
    return chosen


def _statement_code(statement: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(statement).strip()


def _docstring_length(body: Sequence[cst.BaseStatement]) -> int:
    if body and isinstance(body[0], cst.SimpleStatementLine) and len(body[0].body) == 1:
        first = body[0].body[0]
        if isinstance(first, cst.Expr) and isinstance(first.value, (cst.SimpleString, cst.ConcatenatedString)):
            return 1
    return 0


def _insert(
    body: Sequence[cst.BaseStatement], position: int, statements: Sequence[cst.SimpleStatementLine]
) -> list[cst.BaseStatement]:
    present = {_statement_code(statement) for statement in body}
    new: list[cst.BaseStatement] = []
    for statement in statements:
        code = _statement_code(statement)
        if code not in present:
            present.add(code)
            new.append(statement)
    return [*body[:position], *new, *body[position:]]


class Parents(cst.CSTVisitor):
    """The parent of every node of a module, by node identity (one pass over the tree)."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__()
        self.module = module  # keeps the nodes, and so their identities, alive
        self.of: dict[int, cst.CSTNode] = {}
        self._stack: list[cst.CSTNode] = []
        module.visit(self)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._stack:
            self.of[id(node)] = self._stack[-1]
        self._stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._stack.pop()

    def leading_to(self, nodes: Sequence[cst.CSTNode]) -> set[int]:
        """The identities of the module and of every proper ancestor of ``nodes``."""
        found = {id(self.module)}
        for node in nodes:
            parent = self.of.get(id(node))
            while parent is not None and id(parent) not in found:
                found.add(id(parent))
                parent = self.of.get(id(parent))
        return found


def _edited_nodes(fixes: Sequence[Fix]) -> list[cst.CSTNode]:
    nodes: list[cst.CSTNode] = []
    for fix in fixes:
        for edit in fix.edits:
            if isinstance(edit, Replace):
                nodes.append(edit.node)
            elif isinstance(edit, InsertClassStatement):
                nodes.append(edit.class_node)
            elif isinstance(edit, InsertAfter):
                nodes.append(edit.anchor)
    return nodes


class _Applier(cst.CSTTransformer):
    def __init__(self, fixes: Sequence[Fix], descend: Optional[set[int]] = None) -> None:
        super().__init__()
        self.descend = descend  # None: every node
        self.replacements: dict[int, cst.CSTNode] = {}
        self.class_statements: dict[int, list[cst.SimpleStatementLine]] = {}
        self.imports: list[cst.SimpleStatementLine] = []
        self.after: dict[int, list[cst.SimpleStatementLine]] = {}
        for fix in fixes:
            for edit in fix.edits:
                if isinstance(edit, Replace):
                    self.replacements[id(edit.node)] = edit.replacement
                elif isinstance(edit, InsertClassStatement):
                    self.class_statements.setdefault(id(edit.class_node), []).append(edit.statement)
                elif isinstance(edit, InsertImport):
                    self.imports.append(edit.statement)
                elif isinstance(edit, InsertAfter):
                    self.after.setdefault(id(edit.anchor), []).append(edit.statement)

    def on_visit(self, node: cst.CSTNode) -> bool:
        return self.descend is None or id(node) in self.descend

    def on_leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel[cst.CSTNode]]:
        replacement = self.replacements.get(id(original_node))
        if replacement is not None:
            return replacement
        if self.after and isinstance(original_node, cst.IndentedBlock) and isinstance(updated_node, cst.IndentedBlock):
            anchors = [index for index, statement in enumerate(original_node.body) if id(statement) in self.after]
            if anchors:
                body: list[cst.BaseStatement] = list(updated_node.body)
                for index in reversed(anchors):
                    body = _insert(body, index + 1, self.after[id(original_node.body[index])])
                return updated_node.with_changes(body=body)
        statements = self.class_statements.get(id(original_node))
        if statements and isinstance(updated_node, cst.ClassDef) and isinstance(updated_node.body, cst.IndentedBlock):
            body = updated_node.body.body
            new_body = _insert(body, _docstring_length(body), statements)
            return updated_node.with_changes(body=updated_node.body.with_changes(body=new_body))
        if self.imports and isinstance(updated_node, cst.Module):
            body = updated_node.body
            last_import = max(
                (index for index, statement in enumerate(body)
                 if isinstance(statement, cst.SimpleStatementLine)
                 and any(isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body)),
                default=_docstring_length(body) - 1,
            )
            return updated_node.with_changes(body=_insert(body, last_import + 1, self.imports))
        return updated_node


def apply_fixes(module: cst.Module, fixes: Sequence[Fix], parents: Optional[Parents] = None) -> cst.Module:
    """``module`` with the edits of ``fixes`` applied (the caller ensures they do not overlap); with the
    module's ``parents``, only the paths to the edited nodes are rebuilt."""
    descend = None if parents is None else parents.leading_to(_edited_nodes(fixes))
    result = module.visit(_Applier(fixes, descend))
    assert isinstance(result, cst.Module)
    return result
