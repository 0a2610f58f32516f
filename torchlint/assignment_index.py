"""Every ``self.<name> = value`` in the methods of a class order, found without following control flow.

Fixes need it: turning an attribute into a buffer is wrong when some other method assigns it a value a
buffer rejects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst

from torchlint.file_model import ClassInfo, FileModel
from torchlint.statements import small_statements
from torchlint.tensor_inference import InferenceContext, infer
from torchlint.values import ValueFact


@dataclass(frozen=True)
class AttributeWrite:
    statement: cst.BaseSmallStatement
    value: ValueFact


class _Finder:
    def __init__(self, self_name: str, ctx: InferenceContext, found: dict[str, list[AttributeWrite]]) -> None:
        self.self_name = self_name
        self.ctx = ctx
        self.found = found

    def _is_self(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Name) and node.value == self.self_name

    def _record(self, target: cst.BaseExpression, statement: cst.BaseSmallStatement, value: ValueFact) -> None:
        if isinstance(target, cst.Attribute) and self._is_self(target.value):
            self.found.setdefault(target.attr.value, []).append(AttributeWrite(statement, value))

    def visit_Assign(self, node: cst.Assign) -> None:
        value = infer(node.value, self.ctx)
        for target in node.targets:
            self._record(target.target, node, value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._record(node.target, node, infer(node.value, self.ctx))


@dataclass
class AssignmentIndex:
    model: FileModel
    globals: Mapping[str, ValueFact]
    classes: Sequence[ClassInfo]
    _found: dict[str, list[AttributeWrite]] | None = field(default=None)

    def writes(self, name: str) -> list[AttributeWrite]:
        if self._found is None:
            self._found = {}
            for cls in self.classes:
                for method in cls.methods.values():
                    parameters = [*method.params.posonly_params, *method.params.params]
                    if not parameters:
                        continue
                    ctx = InferenceContext(model=self.model, globals=self.globals)
                    finder = _Finder(parameters[0].name.value, ctx, self._found)
                    for statement in small_statements(method.body):
                        if isinstance(statement, cst.Assign):
                            finder.visit_Assign(statement)
                        elif isinstance(statement, cst.AnnAssign):
                            finder.visit_AnnAssign(statement)
        return self._found.get(name, [])
