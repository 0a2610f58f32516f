"""One pass over a parsed file: its imports, its classes (at any depth) and its top-level functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Union

import libcst as cst

from torchlint.imports import ImportMap

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
    # What other files say, when the analysis has a project to ask (see torchlint.project):
    external_is_module: Callable[[str], bool] = field(default=lambda qualified: False)
    external_returns_tensor: Callable[[str], bool] = field(default=lambda qualified: False)
    external_defines: Callable[[str, tuple[str, ...]], bool] = field(default=lambda qualified, names: False)

    def classes_in(self, scope: Scope) -> dict[str, ClassInfo]:
        return {info.name: info for info in self.classes if info.scope is scope}


class _Collector(cst.CSTVisitor):
    def __init__(self, module: cst.Module, package: Optional[str]) -> None:
        self.imports = ImportMap()
        self.package = package
        self.classes: list[ClassInfo] = []
        self.functions: dict[str, cst.FunctionDef] = {}
        self.parents: dict[cst.CSTNode, Scope] = {}
        self.stack: list[Scope] = [module]
        self.class_stack: list[Optional[ClassInfo]] = [None]

    def visit_Import(self, node: cst.Import) -> bool:
        self.imports.add_import(node)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        self.imports.add_import_from(node, self.package)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        info = ClassInfo(node=node, name=node.name.value, scope=self.stack[-1])
        self.parents[node] = self.stack[-1]
        for statement in node.body.body if isinstance(node.body, cst.IndentedBlock) else ():
            if isinstance(statement, cst.FunctionDef):
                info.methods[statement.name.value] = statement
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    for name in _assigned_names(small):
                        info.class_attributes.setdefault(name, small)
        self.classes.append(info)
        self.stack.append(node)
        self.class_stack.append(info)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.stack.pop()
        self.class_stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.parents[node] = self.stack[-1]
        if len(self.stack) == 1:
            self.functions[node.name.value] = node
        self.stack.append(node)
        self.class_stack.append(None)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()
        self.class_stack.pop()

    # Expressions never hold statements; skipping them keeps the pass cheap.
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return any(isinstance(small, (cst.Import, cst.ImportFrom)) for small in node.body)


def _assigned_names(small: cst.BaseSmallStatement) -> list[str]:
    if isinstance(small, cst.Assign):
        return [t.target.value for t in small.targets if isinstance(t.target, cst.Name)]
    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
        return [small.target.value]
    return []


def build_file_model(module: cst.Module, package: Optional[str] = None) -> FileModel:
    collector = _Collector(module, package)
    module.visit(collector)
    return FileModel(
        module=module,
        imports=collector.imports,
        classes=collector.classes,
        functions=collector.functions,
        package=package,
        parents=collector.parents,
    )
