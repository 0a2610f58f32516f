"""Every write of ``self.<name>`` in the methods of a class order, found without following control flow.

Fixes need it: turning an attribute into a buffer is wrong when some other statement assigns it a value a
buffer rejects, or registers the name as a parameter. A write is ``self.<name> = value`` (also as an element
of a tuple or list target), ``setattr(self, "<name>", value)``, or a registration call:
``self.register_buffer("<name>", value)``, ``self.register_parameter(...)``, ``self.register_module(...)``,
``self.add_module(...)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from torchlint.analysis.tensor_inference import InferenceContext, infer
from torchlint.analysis.values import UNKNOWN, Kind, ValueFact
from torchlint.outline.file_model import ClassInfo, FileModel
from torchlint.source.statements import small_statements
from torchlint.source.syntax import first_parameter, setattr_arguments

# The registration methods, what each registers the name as, and the keyword of its value argument.
REGISTRATIONS = {
    "register_buffer": ("buffer", "tensor"),
    "register_parameter": ("parameter", "param"),
    "register_module": ("module", "module"),
    "add_module": ("module", "module"),
}


@dataclass(frozen=True)
class AttributeWrite:
    statement: cst.BaseSmallStatement
    target: cst.CSTNode  # the ``self.<name>`` node, or the setattr() / registration call
    value: ValueFact
    value_node: Optional[cst.BaseExpression]
    registers: Optional[str] = None  # "buffer", "parameter" or "module" for a registration call

    def rejected_by(self, slot: str, accepted: tuple[Kind, ...]) -> bool:
        """Whether this write would raise once the name is registered as ``slot`` ("buffer", "parameter",
        "module") with a value of an ``accepted`` kind: a registration as something else raises KeyError,
        an assignment of another kind TypeError."""
        if self.registers is not None:
            return self.registers != slot
        return self.value.kind not in accepted


def _argument(call: cst.Call, position: int, keyword: str) -> Optional[cst.BaseExpression]:
    """The argument passed at ``position`` or as ``keyword=``; None when absent or behind ``*``/``**``."""
    if any(arg.star for arg in call.args):
        return None
    positional = [arg for arg in call.args if arg.keyword is None]
    if position < len(positional):
        return positional[position].value
    return next((arg.value for arg in call.args if arg.keyword is not None and arg.keyword.value == keyword), None)


def _string(node: Optional[cst.BaseExpression]) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


class _Finder:
    def __init__(self, self_name: str, ctx: InferenceContext, found: dict[str, list[AttributeWrite]]) -> None:
        self.self_name = self_name
        self.ctx = ctx
        self.found = found

    def _is_self(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Name) and node.value == self.self_name

    def _add(self, name: str, write: AttributeWrite) -> None:
        self.found.setdefault(name, []).append(write)

    def _record(
        self,
        target: cst.BaseExpression,
        statement: cst.BaseSmallStatement,
        value: ValueFact,
        value_node: Optional[cst.BaseExpression],
    ) -> None:
        if isinstance(target, cst.Attribute) and self._is_self(target.value):
            self._add(target.attr.value, AttributeWrite(statement, target, value, value_node))
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = [element.value for element in target.elements]
            starred = any(isinstance(element, cst.StarredElement) for element in target.elements)
            if (
                not starred and isinstance(value_node, (cst.Tuple, cst.List))
                and len(value_node.elements) == len(elements)
                and not any(isinstance(element, cst.StarredElement) for element in value_node.elements)
            ):
                for element, node in zip(elements, value_node.elements):
                    self._record(element, statement, infer(node.value, self.ctx), node.value)
                return
            fact = ValueFact(Kind.TENSOR) if value.kind is Kind.TENSOR_SEQUENCE and not starred else UNKNOWN
            for element in elements:
                self._record(element, statement, fact, None)

    def _may_write(self, target: cst.BaseExpression) -> bool:
        """Whether assigning to ``target`` may write ``self``: only then is the value inferred."""
        if isinstance(target, cst.Attribute):
            return self._is_self(target.value)
        return isinstance(target, (cst.Tuple, cst.List))

    def visit_Assign(self, node: cst.Assign) -> None:
        if not any(self._may_write(target.target) for target in node.targets):
            return
        value = infer(node.value, self.ctx)
        for target in node.targets:
            self._record(target.target, node, value, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None and self._may_write(node.target):
            self._record(node.target, node, infer(node.value, self.ctx), node.value)

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if not isinstance(call, cst.Call):
            return
        func = call.func
        arguments = setattr_arguments(call)
        if arguments is not None:
            obj, key, value = arguments
            name = _string(key)
            if self._is_self(obj) and name is not None:
                self._add(name, AttributeWrite(node, call, infer(value, self.ctx), value))
        elif isinstance(func, cst.Attribute) and self._is_self(func.value) and func.attr.value in REGISTRATIONS:
            registers, keyword = REGISTRATIONS[func.attr.value]
            name = _string(_argument(call, 0, "name"))
            value = _argument(call, 1, keyword)
            if name is not None and value is not None:
                self._add(name, AttributeWrite(node, call, infer(value, self.ctx), value, registers))


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
                    self_name = first_parameter(method)
                    if self_name is None:
                        continue
                    ctx = InferenceContext(model=self.model, globals=self.globals)
                    finder = _Finder(self_name, ctx, self._found)
                    for statement in small_statements(method.body):
                        if isinstance(statement, cst.Assign):
                            finder.visit_Assign(statement)
                        elif isinstance(statement, cst.AnnAssign):
                            finder.visit_AnnAssign(statement)
                        elif isinstance(statement, cst.Expr):
                            finder.visit_Expr(statement)
        return self._found.get(name, [])
