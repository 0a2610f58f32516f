"""Whether a value may be a complex tensor: a fix must never make one a buffer.

``Module.to(torch.float64)`` (any ``.to(dtype)`` with a real floating dtype) casts complex buffers to that
dtype and drops their imaginary part; a plain attribute is never cast. Rotary tables built with
``torch.polar`` are the common case. The question is asked only of values a fix would register, so it
follows what is cheap and certain to be seen: the expression itself, the local names it reads (every
assignment of each in the same function), and the returns of same-file functions and methods it calls.
It answers "maybe" whenever any of them has a complex source.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from typing import Optional, Union

import libcst as cst

from torchlint.outline.file_model import ClassInfo, FileModel
from torchlint.source.syntax import first_parameter

# torch functions whose result is complex, and the namespaces of such functions
COMPLEX_FUNCTIONS = frozenset({"torch.polar", "torch.view_as_complex", "torch.complex", "torch.stft"})
COMPLEX_NAMESPACES = ("torch.fft.",)
COMPLEX_DTYPES = frozenset(
    {"torch.complex32", "torch.complex64", "torch.complex128", "torch.cfloat", "torch.cdouble", "torch.chalf"}
)
COMPLEX_METHODS = frozenset({"cfloat", "cdouble", "chalf"})
# what turns a complex tensor back into a real one (the search does not look inside these)
REAL_FUNCTIONS = frozenset({"torch.view_as_real", "torch.abs", "torch.angle", "torch.real", "torch.imag"})
REAL_METHODS = frozenset({"abs", "angle", "float", "double", "half", "bfloat16", "long", "int", "bool"})
REAL_ATTRIBUTES = frozenset({"real", "imag"})
_MAX_DEPTH = 8

Function = Union[cst.FunctionDef, cst.Lambda]


class _Bindings:
    """What one function assigns to each local name and what it returns, collected in one walk."""

    def __init__(self, function: cst.FunctionDef) -> None:
        self.function = function  # kept, so that the id the cache is keyed on stays this function's
        self.values: dict[str, list[cst.BaseExpression]] = {}
        self.returns: list[cst.BaseExpression] = []
        self._walk(function)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        for name in _bound_names(target):
            self.values.setdefault(name, []).append(value)

    def _walk(self, node: cst.CSTNode) -> None:
        """Every node of the function in source order, except nested functions and classes. It reads the
        nodes' fields directly: LibCST's visitor rebuilds every node it passes, several times slower."""
        kind = type(node)
        if kind in (cst.FunctionDef, cst.ClassDef) and node is not self.function:
            return
        if kind is cst.Assign:
            for target in node.targets:
                self._bind(target.target, node.value)
        elif kind in (cst.AnnAssign, cst.AugAssign, cst.NamedExpr):
            if node.value is not None:
                self._bind(node.target, node.value)
        elif kind is cst.For:
            self._bind(node.target, node.iter)
        elif kind is cst.Return and node.value is not None:
            self.returns.append(node.value)
        for name in node.__dataclass_fields__:
            value = getattr(node, name)
            for child in value if isinstance(value, (list, tuple)) else (value,):
                if hasattr(child, "__dataclass_fields__") and type(child) not in _WHITESPACE:
                    self._walk(child)


# what holds no expression (compared by exact type: isinstance against LibCST's abstract classes is slow)
_WHITESPACE = frozenset({
    cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.TrailingWhitespace, cst.EmptyLine, cst.Newline, cst.Comment,
})
_cache: weakref.WeakKeyDictionary[FileModel, dict[int, _Bindings]] = weakref.WeakKeyDictionary()


def _bindings(model: FileModel, function: cst.FunctionDef) -> _Bindings:
    """The bindings of ``function`` (of ``model``'s tree), collected once per file model: a file asks about
    the same ``__init__`` many times."""
    kept = _cache.get(model)
    if kept is None:
        kept = _cache[model] = {}
    found = kept.get(id(function))
    if found is None or found.function is not function:
        found = kept[id(function)] = _Bindings(function)
    return found


def _bound_names(target: cst.BaseExpression) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _bound_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _bound_names(target.value)


class _Search:
    def __init__(self, model: FileModel, classes: Sequence[ClassInfo]) -> None:
        self.model = model
        self.classes = classes
        self.seen: set[tuple[int, str]] = set()

    def qualify(self, node: cst.BaseExpression) -> Optional[str]:
        return self.model.imports.qualify(node)

    def method(self, name: str) -> Optional[cst.FunctionDef]:
        for cls in self.classes:
            if name in cls.methods:
                return cls.methods[name]
        return None

    def expression(self, node: cst.BaseExpression, function: Optional[cst.FunctionDef], depth: int) -> bool:
        if depth > _MAX_DEPTH:
            return False
        if isinstance(node, cst.Imaginary):
            return True
        if isinstance(node, cst.Name):
            return self.local(node.value, function, depth)
        if isinstance(node, cst.Attribute):
            if self.qualify(node) in COMPLEX_DTYPES:
                return True
            if node.attr.value in REAL_ATTRIBUTES:
                return False
            return self.expression(node.value, function, depth)
        if isinstance(node, cst.Call):
            return self.call(node, function, depth)
        return any(
            self.expression(child, function, depth)
            for child in node.children
            if isinstance(child, cst.BaseExpression)
        ) or any(self.nested(child, function, depth) for child in node.children)

    def nested(self, node: cst.CSTNode, function: Optional[cst.FunctionDef], depth: int) -> bool:
        """Expressions inside non-expression nodes (list elements, arguments, subscript slices...)."""
        if isinstance(node, cst.BaseExpression):
            return False  # handled by the caller
        if isinstance(node, (cst.Element, cst.Arg, cst.DictElement, cst.Index, cst.SubscriptElement, cst.Slice)):
            return any(
                self.expression(child, function, depth) if isinstance(child, cst.BaseExpression)
                else self.nested(child, function, depth)
                for child in node.children
            )
        return False

    def call(self, node: cst.Call, function: Optional[cst.FunctionDef], depth: int) -> bool:
        qualified = self.qualify(node.func)
        if qualified is not None:
            if qualified in COMPLEX_FUNCTIONS or qualified.startswith(COMPLEX_NAMESPACES) or qualified == "complex":
                return True
            if qualified in REAL_FUNCTIONS:
                return False
        func = node.func
        if isinstance(func, cst.Attribute):
            if func.attr.value in COMPLEX_METHODS:
                return True
            if func.attr.value in REAL_METHODS and not node.args:
                return False
        arguments = any(self.nested(arg, function, depth) for arg in node.args)
        if arguments:
            return True
        if isinstance(func, cst.Name) and func.value == "complex":
            return True
        if isinstance(func, cst.Name) and func.value in self.model.functions:
            return self.returns(self.model.functions[func.value], depth + 1)
        if isinstance(func, cst.Attribute):
            self_name = first_parameter(function) if function is not None else None
            receiver = func.value
            if self_name is not None and isinstance(receiver, cst.Name) and receiver.value == self_name:
                method = self.method(func.attr.value)
                return method is not None and self.returns(method, depth + 1)
            return self.expression(receiver, function, depth)
        return False

    def local(self, name: str, function: Optional[cst.FunctionDef], depth: int) -> bool:
        if function is None:
            return False
        key = (id(function), name)
        if key in self.seen:
            return False
        self.seen.add(key)
        values = _bindings(self.model, function).values.get(name, ())
        return any(self.expression(value, function, depth + 1) for value in values)

    def returns(self, function: cst.FunctionDef, depth: int) -> bool:
        key = (id(function), "<return>")
        if key in self.seen:
            return False
        self.seen.add(key)
        return any(self.expression(value, function, depth) for value in _bindings(self.model, function).returns)


def may_be_complex(
    value: cst.BaseExpression, function: Optional[cst.FunctionDef], model: FileModel, classes: Sequence[ClassInfo]
) -> bool:
    """Whether ``value``, evaluated in ``function`` of a class whose MRO is ``classes``, may be a complex tensor."""
    return _Search(model, classes).expression(value, function, 0)
