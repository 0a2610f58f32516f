"""A file's outline, read with Python's own parser: its imports, classes and top-level functions.

CPython's ``ast`` parses about eight times faster than LibCST and its tree is dropped at once, so the outline
is what torchlint keeps about a file: it answers other files' questions (is ``pkg.base.Block`` an
``nn.Module``? does ``pkg.utils.make_mask`` return a tensor?) and tells whether a file has a module class at
all. Only files that do are parsed with LibCST and analysed; every rule needs a module class.

The outline mirrors :mod:`torchlint.outline.file_model` (the LibCST model of a file being analysed): the same
statements are walked (never expressions), imports anywhere in the file count, a class's bases are
qualified names, same-file classes or unknown. tests/test_outline.py checks that both find the same module
classes.
"""

from __future__ import annotations

import ast
import enum
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

from torchlint.outline.annotations import TENSOR_TYPES
from torchlint.outline.ast_names import dotted
from torchlint.outline.class_lookup import lookup_class
from torchlint.outline.imports import ImportMap, relative_module
from torchlint.outline.outside_writes import constructor_of_attribute_write
from torchlint.source.ast_walk import walk
from torchlint.source.parsing import python_tree
from torchlint.torch_facts.known_bases import is_module_base

MODULE_SCOPE = 0


@dataclass(eq=False)
class ClassOutline:
    name: str
    scope: int  # the scope whose body defines the class (MODULE_SCOPE, or a class's or function's own id)
    own_scope: int  # the scope of the class body itself
    base_names: tuple[Optional[str], ...]  # each base as written (``nn.Module``), None when not a dotted name
    methods: frozenset[str]
    bases: list[Union[ClassOutline, str, None]] = field(default_factory=list)  # once resolved
    line: int = 0  # of the ``class`` statement, to find it again in the file's tree
    # the names its methods assign as ``self.<name> = ...`` (or setattr(self, "name", ...)), with the line of
    # the first such assignment: what a subclass in another file must know before it registers the name
    assigned: dict[str, int] = field(default_factory=dict)
    # whether an outside base (a qualified name) is a module class; set by resolve()
    outside_is_module: Optional[Callable[[str], bool]] = field(default=None, repr=False)
    _module: Optional[bool] = field(default=None, repr=False)

    @property
    def is_module(self) -> bool:
        """Whether one of its bases is a module class: asked of the bases only when first needed, since an
        outline read for one name (a function another file imports) would otherwise resolve the bases of
        every class of its file, and theirs, through installed packages."""
        if self._module is None:
            self._module = False  # while it is being decided: a cycle of bases makes no module
            outside = self.outside_is_module
            self._module = outside is not None and any(
                outside(base) if isinstance(base, str) else base is not None and base.is_module for base in self.bases
            )
        return self._module

    @is_module.setter
    def is_module(self, value: bool) -> None:
        self._module = value


@dataclass(eq=False)
class Outline:
    imports: ImportMap
    classes: list[ClassOutline]
    functions: dict[str, Returns]  # what each top-level function returns
    parents: dict[int, int]  # scope id -> enclosing scope id
    # callees (as written) of ``x = Callee(...)`` at the top level or in a top-level function, where ``x.y``
    # is then set: the file needs analysis when one of them is a module class
    outside_constructors: frozenset[str] = frozenset()
    star_imports: tuple[str, ...] = ()  # ``from m import *`` at the top level: where else a name may come from

    def classes_in(self, scope: int) -> dict[str, ClassOutline]:
        return {info.name: info for info in self.classes if info.scope == scope}

    def top_level(self, name: str) -> Optional[ClassOutline]:
        return self.classes_in(MODULE_SCOPE).get(name)

    @property
    def has_module_class(self) -> bool:
        return any(info.is_module for info in self.classes)


class _Collector:
    def __init__(self, package: Optional[str], setattr_spelled: bool = True) -> None:
        self.package = package
        self.setattr_spelled = setattr_spelled
        self.imports = ImportMap()
        self.classes: list[ClassOutline] = []
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.parents: dict[int, int] = {}
        self.next_scope = MODULE_SCOPE + 1
        # the top level and top-level functions, whose code may set attributes on module instances
        self.outside_scopes = {MODULE_SCOPE}
        self.bound_calls: dict[str, str] = {}  # name -> the dotted callee last bound to it (``net = Net()``)
        self.outside_constructors: set[str] = set()
        self.star_imports: list[str] = []  # modules of ``from m import *`` at the top level

    def new_scope(self, parent: int) -> int:
        scope = self.next_scope
        self.next_scope += 1
        self.parents[scope] = parent
        return scope

    def body(self, statements: Iterable[ast.stmt], scope: int) -> None:
        for statement in statements:
            self.statement(statement, scope)

    def statement(self, node: ast.stmt, scope: int) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.imports.bind_import(alias.name, alias.asname)
        elif isinstance(node, ast.ImportFrom):
            module = relative_module(node.module or "", node.level, self.package)
            if module is not None:
                for alias in node.names:
                    if alias.name != "*":
                        self.imports.bind_from(module, alias.name, alias.asname)
                    elif scope == MODULE_SCOPE:
                        self.star_imports.append(module)
        elif isinstance(node, ast.ClassDef):
            self.class_(node, scope)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner = self.new_scope(scope)
            if scope == MODULE_SCOPE:
                self.functions[node.name] = node
                self.outside_scopes.add(inner)
            self.body(node.body, inner)
        else:
            if scope in self.outside_scopes:
                self.outside_constructors.update(constructor_of_attribute_write(node, self.bound_calls))
            for name in ("body", "orelse", "finalbody"):
                self.body(getattr(node, name, ()), scope)
            for handler in getattr(node, "handlers", ()):
                self.body(handler.body, scope)
            for case in getattr(node, "cases", ()):
                self.body(case.body, scope)

    def class_(self, node: ast.ClassDef, scope: int) -> None:
        own = self.new_scope(scope)
        methods = frozenset(
            statement.name for statement in node.body if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))
        )
        base_names = tuple(
            dotted(base.value if isinstance(base, ast.Subscript) else base)
            for base in node.bases if not isinstance(base, ast.Starred)
        )
        info = ClassOutline(
            node.name, scope, own, base_names, methods, line=node.lineno,
            assigned=self_assignments(node, self.setattr_spelled),
        )
        self.classes.append(info)
        self.body(node.body, own)


def _self_name(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Optional[str]:
    if any(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod") for d in function.decorator_list):
        return None
    arguments = [*function.args.posonlyargs, *function.args.args]
    return arguments[0].arg if arguments else None


def _assigned_attributes(target: ast.expr, self_name: str) -> Iterator[tuple[str, int]]:
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == self_name:
        yield target.attr, target.lineno
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _assigned_attributes(element.value if isinstance(element, ast.Starred) else element, self_name)


_BLOCK_FIELDS = frozenset({"body", "orelse", "handlers", "finalbody", "cases"})
_block_fields: dict[type, tuple[str, ...]] = {}


def _statements(function: ast.AST) -> Iterator[ast.AST]:
    """The statements under ``function`` (and the except handlers and match cases between them), in the
    order :func:`torchlint.source.ast_walk.walk` yields them: no statement is inside an expression, so the
    walk over everything, which is several times longer, meets the statements in this same order."""
    todo = deque([function])
    while todo:
        current = todo.popleft()
        kind = type(current)
        names = _block_fields.get(kind)
        if names is None:  # in the node type's own field order, as the whole walk reads them
            names = _block_fields[kind] = tuple(name for name in kind._fields if name in _BLOCK_FIELDS)
        for name in names:
            value = getattr(current, name)
            if type(value) is list:
                todo.extend(value)
        yield current


def self_assignments(node: ast.ClassDef, setattr_spelled: bool = True) -> dict[str, int]:
    """The names the class's own methods assign on ``self`` (by any statement form or ``setattr`` with a literal
    name), each with the line of its first assignment. Registration calls are not assignments: a name
    registered as a buffer may be registered again. Without ``setattr_spelled`` (the file never spells
    ``setattr``), only statements are read."""
    found: dict[str, int] = {}
    for method in node.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        self_name = _self_name(method)
        if self_name is None:
            continue
        for inner in walk(method) if setattr_spelled else _statements(method):
            pairs: Iterable[tuple[str, int]] = ()
            if isinstance(inner, ast.Assign):
                pairs = (pair for target in inner.targets for pair in _assigned_attributes(target, self_name))
            elif isinstance(inner, (ast.AnnAssign, ast.AugAssign)) and (
                not isinstance(inner, ast.AnnAssign) or inner.value is not None
            ):
                pairs = _assigned_attributes(inner.target, self_name)
            elif (
                isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == "setattr"
                and len(inner.args) >= 2 and isinstance(inner.args[0], ast.Name) and inner.args[0].id == self_name
                and isinstance(inner.args[1], ast.Constant) and isinstance(inner.args[1].value, str)
            ):
                pairs = ((inner.args[1].value, inner.lineno),)
            for name, line in pairs:
                found.setdefault(name, line)
    return found


class Returns(enum.Enum):
    """What calling a top-level function gives, as far as its outline can tell."""

    TENSOR = "tensor"  # annotated to return torch.Tensor
    NOT_TENSOR = "not a tensor"  # annotated with a type no tensor has, or a return is plainly no tensor
    UNKNOWN = "unknown"  # only following its body (with LibCST) can tell


# Return annotations that do not promise a tensor on every path: builtins, the typing names of containers and
# callables, and optional or union types (a function "returns a tensor" when every path returns one).
_NOT_TENSOR_TYPES = frozenset({
    "None", "bool", "int", "float", "complex", "str", "bytes", "list", "dict", "tuple", "set", "frozenset",
    "typing.List", "typing.Dict", "typing.Tuple", "typing.Set", "typing.FrozenSet", "typing.Callable",
    "typing.Iterator", "typing.Iterable", "typing.Generator", "typing.NoReturn", "typing.Never",
    "typing.Optional", "typing.Union", "|",
})
# Return values that are plainly not a tensor.
_PLAIN_VALUES = (ast.Constant, ast.Tuple, ast.List, ast.Dict, ast.Set, ast.ListComp, ast.SetComp, ast.DictComp,
                 ast.GeneratorExp, ast.JoinedStr, ast.Lambda)


def _annotation_type(annotation: ast.expr, imports: ImportMap) -> Optional[str]:
    """The qualified name of an annotation's outermost type (``Optional[X]`` -> ``typing.Optional``);
    builtins keep their plain names."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(annotation, ast.Constant) and annotation.value is None:
        return "None"
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return "|"
    if isinstance(annotation, ast.Subscript):
        annotation = annotation.value
    name = dotted(annotation)
    if name is None:
        return None
    return imports.qualify_dotted(name) or name


def _own_returns(statements: Sequence[ast.stmt]) -> Iterator[ast.Return]:
    """The return statements of a function body (not those of nested functions or classes): a walk over
    statements only, as the class analysis follows a function."""
    for statement in statements:
        if isinstance(statement, ast.Return):
            yield statement
        elif not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for name in ("body", "orelse", "finalbody"):
                yield from _own_returns(getattr(statement, name, ()))
            for part in [*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())]:
                yield from _own_returns(part.body)


def _returns(function: ast.FunctionDef | ast.AsyncFunctionDef, imports: ImportMap) -> Returns:
    if function.returns is not None:
        declared = _annotation_type(function.returns, imports)
        if declared in TENSOR_TYPES:
            return Returns.TENSOR
        if declared in _NOT_TENSOR_TYPES:
            return Returns.NOT_TENSOR
    if isinstance(function, ast.AsyncFunctionDef):
        return Returns.NOT_TENSOR  # a coroutine
    returns = list(_own_returns(function.body))
    if not returns or any(node.value is None or isinstance(node.value, _PLAIN_VALUES) for node in returns):
        return Returns.NOT_TENSOR  # None on some path, or a plain value
    return Returns.UNKNOWN


def outline(tree: ast.Module, package: Optional[str] = None, setattr_spelled: bool = True) -> Outline:
    """The outline of a parsed file; its classes' bases are resolved by :func:`resolve`. Without
    ``setattr_spelled`` (the file's text never spells ``setattr``), only statements of methods are read for
    the names they assign."""
    collector = _Collector(package, setattr_spelled)
    collector.body(tree.body, MODULE_SCOPE)
    functions = {name: _returns(node, collector.imports) for name, node in collector.functions.items()}
    return Outline(
        collector.imports, collector.classes, functions, collector.parents,
        frozenset(collector.outside_constructors), tuple(collector.star_imports),
    )


def _lookup_class(model: Outline, scope: int, dotted: str) -> Optional[ClassOutline]:
    """A same-file class named ``dotted`` (``Base`` or ``Outer.Inner``) visible from ``scope``."""
    return lookup_class(scope, dotted, model.classes_in, model.parents, lambda found: found.own_scope)


def resolve(model: Outline, extra_bases: frozenset[str], external_is_module: Callable[[str], bool]) -> None:
    """Fill each class's ``bases``, and let its ``is_module`` be decided when first asked, as
    :func:`torchlint.outline.module_classes.resolve_bases` decides it for a file's classes."""

    def outside(base: str) -> bool:
        return is_module_base(base, extra_bases) or external_is_module(base)

    for info in model.classes:
        bases: list[Union[ClassOutline, str, None]] = []
        for name in info.base_names:
            qualified = model.imports.qualify_dotted(name) if name is not None else None
            if qualified is not None:
                bases.append(qualified)
            else:
                bases.append(_lookup_class(model, info.scope, name) if name else None)
        info.bases = bases
        info.outside_is_module = outside
        info._module = None


def builds_modules_outside(model: Outline, extra: frozenset[str], external_is_module: Callable[[str], bool]) -> bool:
    """Whether top-level code (or a top-level function) sets an attribute on what a module class built."""
    for callee in model.outside_constructors:
        qualified = model.imports.qualify_dotted(callee)
        if qualified is not None and (is_module_base(qualified, extra) or external_is_module(qualified)):
            return True
    return False


def parse_outline(text: str, package: Optional[str] = None) -> Optional[Outline]:
    """The outline of ``text``, or None when Python's parser rejects it."""
    tree = python_tree(text)
    return None if tree is None else outline(tree, package, "setattr" in text)


def defines(info: ClassOutline, names: Sequence[str], external: Callable[[str], bool], seen: set[int]) -> bool:
    """Whether ``info`` or one of its bases defines a method named in ``names`` (``external`` answers for
    bases in other files)."""
    if id(info) in seen:
        return False
    seen.add(id(info))
    if any(name in info.methods for name in names):
        return True
    return any(
        (isinstance(base, ClassOutline) and defines(base, names, external, seen))
        or (isinstance(base, str) and external(base))
        for base in info.bases
    )
