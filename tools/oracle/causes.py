"""Why a site was missed (FN) or wrongly reported (FP): heuristics on the runtime flags and the source.

The categories are the ones the inference work is organised by; each is decided from what the runtime saw
(the assigning frame, the class's bases, what the line stored) first and from the statement's shape second.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from oracle.scoring import Row

TORCH_ROOTS = ("torch", "nn", "F", "np", "numpy", "math")
TORCH_CALL = "direct torch call"  # as a value shape only; as the cause of a miss it is "not recognised"


@dataclass
class Context:
    cls: Optional[ast.ClassDef]
    function: Optional[ast.FunctionDef]
    statement: Optional[ast.stmt]
    branches: list[ast.expr]  # tests of the if/while statements around the statement, innermost last


class SourceIndex:
    def __init__(self, base: str) -> None:
        self.base = base
        self._lines: dict[str, list[str]] = {}
        self._trees: dict[str, Optional[ast.Module]] = {}

    def path(self, relative: str) -> str:
        return os.path.join(self.base, relative)

    def line(self, relative: str, number: int) -> str:
        path = self.path(relative)
        if path not in self._lines:
            try:
                self._lines[path] = Path(path).read_text("utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                self._lines[path] = []
        lines = self._lines[path]
        return lines[number - 1].strip() if 0 < number <= len(lines) else ""

    def context(self, relative: str, number: int) -> Context:
        path = self.path(relative)
        if path not in self._trees:
            try:
                self._trees[path] = ast.parse(Path(path).read_text("utf-8"))
            except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
                self._trees[path] = None
        tree = self._trees[path]
        context = Context(None, None, None, [])
        if tree is None:
            return context

        def visit(node: ast.AST) -> None:
            for child in ast.iter_child_nodes(node):
                start, end = getattr(child, "lineno", None), getattr(child, "end_lineno", None)
                if start is None or end is None or not start <= number <= end:
                    continue
                if isinstance(child, ast.ClassDef):
                    context.cls, context.function, context.branches = child, None, []
                elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    context.function, context.branches = child, []  # type: ignore[assignment]
                elif isinstance(child, (ast.If, ast.While)) and not (child.test.lineno <= number <= (
                        child.test.end_lineno or child.test.lineno)):
                    context.branches.append(child.test)
                if isinstance(child, ast.stmt) and not isinstance(child, (ast.ClassDef, ast.FunctionDef,
                                                                           ast.AsyncFunctionDef, ast.If, ast.While,
                                                                           ast.For, ast.With, ast.Try)):
                    context.statement = child
                    return
                visit(child)

        visit(tree)
        return context

    def scope(self, relative: str, number: int) -> str:
        context = self.context(relative, number)
        parts = [node.name for node in (context.cls, context.function) if node is not None]
        return ".".join(parts)


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001
        return ""


def _value(statement: Optional[ast.stmt]) -> Optional[ast.expr]:
    if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        return statement.value
    if isinstance(statement, ast.Expr):
        return statement.value
    return None


def _targets_self(statement: Optional[ast.stmt]) -> Optional[bool]:
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        targets = [statement.target]
    else:
        return None
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
                return True
    return False


def _parameter(function: Optional[ast.FunctionDef], name: str) -> Optional[tuple[ast.arg, Optional[ast.expr]]]:
    if function is None:
        return None
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    pairs = list(zip(positional, defaults)) + list(zip(args.kwonlyargs, args.kw_defaults))
    for arg, default in pairs:
        if arg.arg == name:
            return arg, default
    return None


def _narrowing(tests: list[ast.expr], names: set[str]) -> bool:
    for test in tests:
        text = _dotted(test)
        if ("isinstance(" in text or " is None" in text or " is not None" in text or "torch.is_tensor" in text) and (
                not names or any(name in text for name in names)):
            return True
    return False


def _binds(target: ast.expr, name: str) -> bool:
    if isinstance(target, ast.Name):
        return target.id == name
    if isinstance(target, (ast.Tuple, ast.List)):
        return any(_binds(element, name) for element in target.elts)
    return False


def _local_origin(function: Optional[ast.FunctionDef], name: str, before: int) -> Optional[ast.expr]:
    """The value of the last assignment binding the local ``name`` (also in a tuple) above line ``before``."""
    if function is None:
        return None
    best: Optional[ast.Assign] = None
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and node.lineno < before and any(_binds(t, name) for t in node.targets):
            if best is None or node.lineno > best.lineno:
                best = node
    return best.value if best is not None else None


def _narrowed_local(function: Optional[ast.FunctionDef], name: str, before: int) -> Optional[str]:
    """The test of an ``if`` above ``before`` that checks ``name`` (isinstance / None) and re-binds it."""
    if function is None:
        return None
    for node in ast.walk(function):
        if not isinstance(node, ast.If) or node.lineno >= before:
            continue
        test = _dotted(node.test)
        if name not in test or not any(word in test for word in ("isinstance(", " is None", " is not None",
                                                                 "is_tensor(")):
            continue
        if any(isinstance(inner, ast.Assign) and any(_binds(t, name) for t in inner.targets)
               for branch in (node.body, node.orelse) for statement in branch for inner in ast.walk(statement)):
            return test
    return None


def _is_partial_attribute(cls: Optional[ast.ClassDef], callee: str) -> bool:
    """``self.f(...)`` where the class assigns ``self.f = partial(...)``."""
    if cls is None or not callee.startswith("self."):
        return False
    attribute = callee[len("self."):]
    for node in ast.walk(cls):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and "partial" in _dotted(
                node.value.func) and any(_dotted(target) == f"self.{attribute}" for target in node.targets):
            return True
    return False


def _forward_runs(cls: Optional[ast.ClassDef], method: str) -> bool:
    """Whether ``forward`` of the class (or a method it calls as ``self.m(...)``, transitively) is ``method``."""
    if cls is None:
        return False
    methods = {node.name: node for node in cls.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    pending, reached = ["forward"], set()
    while pending:
        name = pending.pop()
        if name in reached or name not in methods:
            continue
        reached.add(name)
        for node in ast.walk(methods[name]):
            if isinstance(node, ast.Call) and _dotted(node.func).startswith("self."):
                pending.append(_dotted(node.func)[len("self."):])
    return method in reached


def classify_miss(row: Row, index: SourceIndex, static_codes_here: set[str]) -> tuple[str, str]:
    """(cause, detail) of a runtime-positive site with no finding.

    The cause is the first that applies: what the runtime saw (code, overriding base, assigning frame, time of
    assignment, foreign bases), else the shape of the assigned value. When a runtime cause applies, the value's
    shape is appended to the detail (``| value: ...``): a fix for the first cause may still need it."""
    flags = set(row.flags)
    functions = ", ".join(sorted(flag.split(":", 1)[1] for flag in flags if flag.startswith("function:")))
    foreign = ", ".join(sorted(flag.split(":", 1)[1] for flag in flags if flag.startswith("foreign-base:")))
    context = index.context(row.path, row.line)
    shape, shape_detail = _value_cause(row, context)
    primary = _runtime_cause(row, context, flags, static_codes_here, functions, foreign)
    if primary is None:
        return ("other: torch call not recognised" if shape == TORCH_CALL else shape), shape_detail
    cause, detail = primary
    return cause, f"{detail} | value: {shape}" + (f" ({shape_detail})" if shape_detail else "")


def _runtime_cause(row: Row, context: Context, flags: set[str], static_codes_here: set[str], functions: str,
                   foreign: str) -> Optional[tuple[str, str]]:
    others = static_codes_here - {row.code}
    if others:
        return "code mismatch", f"linter reported {', '.join(sorted(others))} at this line"
    if any(reason.startswith("base overrides") for reason in row.reasons):
        return "base overrides to/_apply/cuda without moving plain attributes", "; ".join(row.reasons)
    targets_self = _targets_self(context.statement)
    dynamic = targets_self is False and "setattr(" in _dotted(context.statement or ast.Pass())
    if dynamic:
        return "assigned through setattr() with a computed name", functions
    if "outside-instance" in flags:
        return "tensor set on an instance from outside the class", functions
    if "before-init" in flags:
        return "assigned before super().__init__()", functions
    if context.function is not None and context.function.name != "__init__" and _forward_runs(
            context.cls, context.function.name):
        return ("assigned in a method that forward runs (TL010's scope: a forward-time cache, not TL001's)",
                f"{context.cls.name if context.cls else '?'}.{context.function.name}")
    if context.function is not None and context.function.name != "__init__":
        return ("assigned in a method other than __init__ (called during construction or later)",
                f"{context.cls.name if context.cls else '?'}.{context.function.name}")
    if foreign:
        return "base class is a module only through another installed package", foreign
    return None


def _value_cause(row: Row, context: Context) -> tuple[str, str]:
    value = _value(context.statement)
    container = row.code in ("TL003", "TL004")
    if value is None:
        return "other: statement shape", type(context.statement).__name__
    if isinstance(value, ast.IfExp):
        return "value narrowed by isinstance/None check", _dotted(value)[:80]
    if isinstance(value, ast.Name) and (_narrowing(context.branches, {value.id}) or _narrowed_local(
            context.function, value.id, row.line)):
        test = _narrowed_local(context.function, value.id, row.line) or "enclosing if"
        return "value narrowed by isinstance/None check", f"{value.id} re-bound under `if {test}`"
    if isinstance(value, ast.Name):
        parameter = _parameter(context.function, value.id)
        if parameter is not None:
            arg, default = parameter
            annotation = _dotted(arg.annotation) if arg.annotation is not None else ""
            if "Tensor" in annotation and default is not None and not _dotted(default) == "None":
                detail = f"{value.id}: {annotation} = {_dotted(default)}"
                return "annotated Tensor parameter with tensor default", detail
            return "value is a constructor argument (type known only to callers)", (
                f"{value.id}: {annotation or '<no annotation>'} = {_dotted(default) if default else '<required>'}")
        origin = _local_origin(context.function, value.id, row.line)
        if isinstance(origin, ast.Call):
            callee = _dotted(origin.func)
            if "partial" in callee or _is_partial_attribute(context.cls, callee):
                return "functools.partial factory", f"{value.id} = {callee}(...)"
            if callee.split(".")[0] not in TORCH_ROOTS:
                what = "container built by helper" if container else "tensor built by helper (function or method)"
                return what, f"via local {value.id} = {callee}(...)"
        return "value from a local variable built earlier", f"{value.id} = {_dotted(origin)[:70] if origin else '?'}"
    if isinstance(value, ast.Call):
        callee = _dotted(value.func)
        if callee.split(".")[0] in TORCH_ROOTS:
            return TORCH_CALL, callee
        if "partial" in callee or _is_partial_attribute(context.cls, callee):
            return "functools.partial factory", callee
        what = "container built by helper" if container else "tensor built by helper (function or method)"
        return what, callee
    if isinstance(value, (ast.List, ast.Tuple, ast.Dict, ast.ListComp, ast.DictComp, ast.GeneratorExp)):
        return "container literal/comprehension not recognised", _dotted(value)[:80]
    if isinstance(value, (ast.Attribute, ast.Subscript)):
        return "value read from another object (attribute/subscript)", _dotted(value)[:80]
    if isinstance(value, ast.BinOp):
        return "arithmetic on values of unknown type", _dotted(value)[:80]
    return f"other: {type(value).__name__}", _dotted(value)[:80]


def classify_false_positive(row: Row, index: SourceIndex, runtime_codes_here: set[str]) -> tuple[str, str]:
    """(cause, detail) of a finding at an executed line with no runtime site of its code."""
    if runtime_codes_here - {row.code}:
        return "code mismatch", f"runtime recorded {', '.join(sorted(runtime_codes_here))} at this line"
    if row.stored:
        return "line stored another kind of value at runtime", ", ".join(row.stored)
    context = index.context(row.path, row.line)
    if context.cls is None:
        return "finding outside any class", ""
    return "no module attribute stored at this line at runtime (class not an nn.Module, or not this statement)", ""
