"""Calls whose tensor is only a method's result, and methods whose every caller in the class moves that
result again at once.

In ::

    def positions(self, batch):
        positions = torch.arange(self.length)
        positions = positions.repeat(batch, 1).to(self.device)
        return positions

the tensor that ``.to(self.device)`` makes reaches nothing but the result of ``positions``: between the call
and the ``return`` there are only methods that keep the values where they are (``repeat``, ``unsqueeze``,
``view``, ``to``, ...), reached through the result of the call itself or through a local name assigned by the
statement right before. When every ``self.positions(...)`` of the class is written
``self.positions(...).to(device)``, with a device that is not the cached attribute, each caller moves the
tensor again before using it, and where ``.to(self.device)`` put it does not matter.

Everything else (a use in an argument of another call, a local read by another statement, a return in a
nested function, a method referred to without being called, a method no code of the class calls) is not
provably harmless, and the functions below say no.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Optional, Union

import libcst as cst

from torchlint.outline.file_model import ClassInfo
from torchlint.source.syntax import first_parameter

# tensor methods that keep the values on the device and in the dtype they are (or move them, as ``to``)
_LAYOUT = frozenset(
    {"to", "repeat", "unsqueeze", "squeeze", "view", "reshape", "expand", "flatten", "permute", "transpose",
     "contiguous", "clone", "detach", "long", "int", "float", "double", "half", "bool"}
)
_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
Block = Union[cst.IndentedBlock, cst.SimpleStatementSuite]


def _flat(block: Block) -> list[cst.CSTNode]:
    """The statements of ``block`` in order, each simple statement line split into its small statements."""
    flat: list[cst.CSTNode] = []
    for statement in block.body:
        if isinstance(statement, cst.SimpleStatementLine):
            flat.extend(statement.body)
        else:
            flat.append(statement)
    return flat


class _Blocks(cst.CSTVisitor):
    """The blocks of one function, not those of the functions, lambdas and classes inside it."""

    def __init__(self, function: cst.FunctionDef) -> None:
        self.function = function
        self.blocks: list[Block] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _SCOPES) and node is not self.function:
            return False
        if isinstance(node, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            self.blocks.append(node)
        return True


def _assigned_value(statement: cst.CSTNode, name: str) -> Optional[cst.BaseExpression]:
    """The value of ``name = value``, when ``statement`` is that and nothing else."""
    if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
        target = statement.targets[0].target
        if isinstance(target, cst.Name) and target.value == name:
            return statement.value
    return None


def _result_calls(value: cst.BaseExpression, earlier: Sequence[cst.CSTNode]) -> Iterator[cst.Call]:
    """The calls whose result is ``value`` after layout methods only; ``earlier`` holds the statements before
    it in its block, nearest first, through which a local name is followed to the value assigned to it."""
    expression: cst.BaseExpression = value
    while True:
        if isinstance(expression, cst.Call):
            yield expression
            func = expression.func
            if not (isinstance(func, cst.Attribute) and func.attr.value in _LAYOUT):
                return
            expression = func.value
        elif isinstance(expression, cst.Name) and earlier:
            assigned = _assigned_value(earlier[0], expression.value)
            if assigned is None:
                return
            expression, earlier = assigned, earlier[1:]
        else:
            return


def returned_calls(function: cst.FunctionDef) -> frozenset[int]:
    """The ``id`` of every call of ``function`` whose tensor is only its result (see the module docstring)."""
    finder = _Blocks(function)
    function.body.visit(finder)
    found: set[int] = set()
    for block in finder.blocks:
        statements = _flat(block)
        for index, statement in enumerate(statements):
            if isinstance(statement, cst.Return) and statement.value is not None:
                earlier = statements[index - 1::-1] if index else []
                found.update(id(call) for call in _result_calls(statement.value, earlier))
    return frozenset(found)


def _own(node: cst.BaseExpression, self_name: str) -> bool:
    """``self`` or ``super()``."""
    if isinstance(node, cst.Name):
        return node.value == self_name
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "super"


class _Callers(cst.CSTVisitor):
    def __init__(self, self_name: str, method: str, target: Callable[[cst.Arg], bool]) -> None:
        self.self_name = self_name
        self.method = method
        self.target = target
        self.references = 0
        self.moved = 0

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == self.method and _own(node.value, self.self_name):
            self.references += 1

    def _own_attribute(self, node: cst.BaseExpression) -> bool:
        """``self.x``: a plain attribute of the instance may be a cached value of its own."""
        value = node.value if isinstance(node, cst.Attribute) else None
        return isinstance(value, cst.Name) and value.value == self.self_name

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "to" and isinstance(func.value, cst.Call)):
            return
        inner = func.value.func
        if (
            isinstance(inner, cst.Attribute) and inner.attr.value == self.method
            and _own(inner.value, self.self_name)
            and any(self.target(arg) and not self._own_attribute(arg.value) for arg in node.args)
        ):
            self.moved += 1


def moved_again_by_every_caller(
    class_order: Sequence[ClassInfo], method: str, target: Callable[[cst.Arg], bool]
) -> bool:
    """Whether the class calls ``method`` somewhere, and every ``self.method`` / ``super().method`` of its
    methods is ``self.method(...).to(...)`` with an argument for which ``target`` holds that is not an attribute
    ``self.x`` of the instance."""
    references = moved = 0
    for cls in class_order:
        for function in cls.methods.values():
            self_name = first_parameter(function)
            if self_name is None:
                continue
            callers = _Callers(self_name, method, target)
            function.body.visit(callers)
            references += callers.references
            moved += callers.moved
    return references > 0 and moved == references
