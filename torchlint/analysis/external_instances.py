"""What an instance of a module class defined in another file (of the project or an installed package) holds
by name once constructed, read from the class's source with Python's own parser.

Asked only for classes whose instances the file sets attributes on from outside
(:mod:`torchlint.analysis.outside_assignments`), so a file is re-read only for those. The answer is
conservative: every name a method of the class or of a base assigns on ``self``, or registers with a literal
name, counts as taken (it may be a buffer, a parameter or a submodule); a registration or ``setattr`` under a
computed name, or a base whose source cannot be read (other than ``nn.Module`` itself), makes the answer
unknown (None), and nothing is reported.
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from typing import Optional

from torchlint.analysis.class_source import class_node
from torchlint.analysis.outside_assignments import InstanceNames
from torchlint.analysis.project import Found, Project
from torchlint.outline.outline import ClassOutline
from torchlint.source.ast_walk import walk
from torchlint.torch_facts.known_bases import MODULE_CLASS_PATHS

_REGISTERING = frozenset({"register_buffer", "register_parameter", "register_module", "add_module", "setattr"})
_MAX_BASES = 64


_NAMES_KEPT = 256
_names_kept: OrderedDict[int, tuple[ast.ClassDef, Optional[tuple[frozenset[str], frozenset[str]]]]] = OrderedDict()


def _names(node: ast.ClassDef) -> Optional[tuple[frozenset[str], frozenset[str]]]:
    """``(taken, class_names)`` of one class body; None when it registers a name it computes. Kept for the
    last classes asked about: a base of many classes is asked about by each."""
    kept = _names_kept.get(id(node))
    if kept is not None and kept[0] is node:
        return kept[1]
    found = _class_names(node)
    _names_kept[id(node)] = (node, found)
    while len(_names_kept) > _NAMES_KEPT:
        _names_kept.popitem(last=False)
    return found


def _class_names(node: ast.ClassDef) -> Optional[tuple[frozenset[str], frozenset[str]]]:
    taken: set[str] = set()
    class_names: set[str] = set()
    for statement in node.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            class_names.add(statement.name)
        elif isinstance(statement, ast.Assign):
            class_names.update(target.id for target in statement.targets if isinstance(target, ast.Name))
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            class_names.add(statement.target.id)
    for method in node.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or not method.args.args:
            continue
        self_name = method.args.args[0].arg
        for inner in walk(method):
            if (
                isinstance(inner, ast.Attribute) and isinstance(inner.ctx, ast.Store)
                and isinstance(inner.value, ast.Name) and inner.value.id == self_name
            ):
                taken.add(inner.attr)
            elif isinstance(inner, ast.Call):
                func = inner.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if called not in _REGISTERING:
                    continue
                arguments = inner.args[1:] if called == "setattr" else inner.args
                if called == "setattr" and not (
                    inner.args and isinstance(inner.args[0], ast.Name) and inner.args[0].id == self_name
                ):
                    continue
                first = arguments[0] if arguments else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    taken.add(first.value)
                else:
                    return None
    return frozenset(taken), frozenset(class_names)


def instance_names(project: Project, qualified: str, roots: tuple[str, ...]) -> Optional[InstanceNames]:
    """What an instance of the class ``qualified`` holds by name, or None when its source does not tell; kept
    per project, as every file that builds the class asks again."""
    return project.derived("instance names", qualified, roots, lambda: _instance_names(project, qualified, roots))


def _instance_names(project: Project, qualified: str, roots: tuple[str, ...]) -> Optional[InstanceNames]:
    taken: set[str] = set()
    class_names: set[str] = set()
    pending: list[tuple[Found, ClassOutline]] = []
    found = project.lookup(qualified, roots)
    if found is None or found.cls is None:
        return None
    pending.append((found, found.cls))
    seen: set[int] = set()
    while pending:
        where, cls = pending.pop()
        if id(cls) in seen:
            continue
        seen.add(id(cls))
        if len(seen) > _MAX_BASES:
            return None
        node = class_node(where.path, cls)
        names = _names(node) if node is not None else None
        if names is None:
            return None
        taken.update(names[0])
        class_names.update(names[1])
        for base in cls.bases:
            if isinstance(base, ClassOutline):
                pending.append((where, base))
            elif isinstance(base, str) and base in MODULE_CLASS_PATHS:
                continue
            elif isinstance(base, str):
                outer = project.lookup(base, project.source_roots(where.path))
                if outer is None or outer.cls is None:
                    return None
                pending.append((outer, outer.cls))
            else:
                return None
    return InstanceNames(frozenset(taken), frozenset(), frozenset(class_names))
