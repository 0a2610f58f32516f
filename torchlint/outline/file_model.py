"""One pass over a parsed file: its imports, its classes (at any depth) and its top-level functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

import libcst as cst

from torchlint.outline.imports import ImportMap

Scope = Union[cst.Module, cst.ClassDef, cst.FunctionDef]


@dataclass(eq=False)
class ClassInfo:
    node: cst.ClassDef
    name: str
    scope: Scope  # the node whose body defines the class
    methods: dict[str, cst.FunctionDef] = field(default_factory=dict)
    class_attributes: dict[str, cst.BaseSmallStatement] = field(default_factory=dict)
    bases: list[Union[ClassInfo, str, None]] = field(default_factory=list)  # same-file class, qualified, or ?
    is_module: bool = False

    @property
    def same_file_bases(self) -> list[ClassInfo]:
        return [base for base in self.bases if isinstance(base, ClassInfo)]


@dataclass(eq=False)
class FileModel:
    module: cst.Module
    imports: ImportMap
    classes: list[ClassInfo]
    functions: dict[str, cst.FunctionDef]  # top-level functions by name
    package: Optional[str]
    parents: dict[cst.CSTNode, Scope]  # class/function node -> enclosing scope node
    path: Optional[str] = None
    # What other files say, when the analysis has a project to ask (see torchlint.analysis.project):
    external_is_module: Callable[[str], bool] = field(default=lambda qualified: False)
    external_returns_tensor: Callable[[str], bool] = field(default=lambda qualified: False)
    # how many tensors an outside function's ``-> tuple[Tensor, ...]`` annotation promises (None: not that)
    external_tensor_tuple: Callable[[str], Optional[int]] = field(default=lambda qualified: None)
    external_defines: Callable[[str, tuple[str, ...]], bool] = field(default=lambda qualified, names: False)
    # what an outside class's _apply/to/cuda overrides move (an OverrideEffect), None when unreadable
    external_override_effect: Callable[[str], object] = field(default=lambda qualified: None)
    # where an outside class (or a base of it) assigns ``self.<name>``: "`Base` (pkg/base.py:12)", or None
    external_assigns: Callable[[str, str], Optional[str]] = field(default=lambda qualified, name: None)
    # the qualified names of an outside class and of its bases in other project files
    external_ancestors: Callable[[str], frozenset[str]] = field(default=lambda qualified: frozenset({qualified}))
    # note other files an answer read (for the cache): the project's tracking, when there is a project
    depends_on: Callable[[tuple[str, ...]], None] = field(default=lambda paths: None)

    def classes_in(self, scope: Scope) -> dict[str, ClassInfo]:
        return {info.name: info for info in self.classes if info.scope is scope}


class _Collector:
    """Walks statements only (never expressions, which cannot hold classes, functions or imports): LibCST's
    generic visitor would visit every node of the file, which costs more than parsing it."""

    def __init__(self, module: cst.Module, package: Optional[str]) -> None:
        self.imports = ImportMap()
        self.package = package
        self.classes: list[ClassInfo] = []
        self.functions: dict[str, cst.FunctionDef] = {}
        self.parents: dict[cst.CSTNode, Scope] = {}
        self.module = module

    def run(self) -> None:
        self._body(self.module.body, self.module)

    def _body(self, statements: Sequence[cst.CSTNode], scope: Scope) -> None:
        for statement in statements:
            self._statement(statement, scope)

    def _suite(self, suite: Optional[cst.CSTNode], scope: Scope) -> None:
        if isinstance(suite, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            self._body(suite.body, scope)

    def _statement(self, node: cst.CSTNode, scope: Scope) -> None:
        if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in node.body:
                if isinstance(small, cst.Import):
                    self.imports.add_import(small)
                elif isinstance(small, cst.ImportFrom):
                    self.imports.add_import_from(small, self.package)
        elif isinstance(node, cst.ClassDef):
            self._class(node, scope)
        elif isinstance(node, cst.FunctionDef):
            self.parents[node] = scope
            if scope is self.module:
                self.functions[node.name.value] = node
            self._suite(node.body, node)
        elif isinstance(node, (cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar, cst.Else, cst.Finally,
                               cst.ExceptHandler, cst.ExceptStarHandler, cst.Match, cst.MatchCase)):
            self._suite(getattr(node, "body", None), scope)
            for child in _compound_children(node):
                self._statement(child, scope)

    def _class(self, node: cst.ClassDef, scope: Scope) -> None:
        info = ClassInfo(node=node, name=node.name.value, scope=scope)
        self.parents[node] = scope
        for statement in node.body.body if isinstance(node.body, cst.IndentedBlock) else ():
            if isinstance(statement, cst.FunctionDef):
                info.methods[statement.name.value] = statement
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    for name in _assigned_names(small):
                        info.class_attributes.setdefault(name, small)
        self.classes.append(info)
        self._suite(node.body, node)


def _compound_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The else/elif/except/finally/case parts of a compound statement."""
    children: list[cst.CSTNode] = []
    for name in ("orelse", "finalbody"):
        child = getattr(node, name, None)
        if child is not None:
            children.append(child)
    children.extend(getattr(node, "handlers", ()))
    if isinstance(node, cst.Match):
        children.extend(node.cases)
    return children


def _assigned_names(small: cst.BaseSmallStatement) -> list[str]:
    if isinstance(small, cst.Assign):
        return [t.target.value for t in small.targets if isinstance(t.target, cst.Name)]
    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
        return [small.target.value]
    return []


def build_file_model(module: cst.Module, package: Optional[str] = None) -> FileModel:
    collector = _Collector(module, package)
    collector.run()
    return FileModel(
        module=module,
        imports=collector.imports,
        classes=collector.classes,
        functions=collector.functions,
        package=package,
        parents=collector.parents,
    )
