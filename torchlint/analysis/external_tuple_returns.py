"""What ``-> tuple[Tensor, ...]`` annotations of functions in other project files or installed packages
promise (:mod:`torchlint.analysis.tuple_returns`), read from their source with Python's parser; answers are
kept per project."""

from __future__ import annotations

import ast
from typing import Optional

from torchlint.analysis.project import Project
from torchlint.analysis.tuple_returns import tensor_tuple_arity
from torchlint.outline.imports import ImportMap
from torchlint.outline.outline import Returns
from torchlint.source.decoding import SourceError, read
from torchlint.source.parsing import python_tree


def external_tensor_tuple_arity(project: Project, qualified: str, roots: tuple[str, ...]) -> Optional[int]:
    """The arity for a top-level function of another project file or an installed package. Its outline says
    ``NOT_TENSOR`` for any ``tuple`` annotation; only then is the file parsed to read the elements."""
    return project.derived("tensor tuple arity", qualified, roots, lambda: _arity(project, qualified, roots))


def _arity(project: Project, qualified: str, roots: tuple[str, ...]) -> Optional[int]:
    found = project.lookup(qualified, roots)
    if found is None or found.function is None or found.outline.functions[found.function] is not Returns.NOT_TENSOR:
        return None
    return _arity_in_file(found.path, found.function, found.outline.imports)


def _arity_in_file(path: str, name: str, imports: ImportMap) -> Optional[int]:
    try:
        tree = python_tree(read(path).text)
    except SourceError:
        return None
    if tree is None:
        return None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return None if isinstance(node, ast.AsyncFunctionDef) else tensor_tuple_arity(node.returns, imports)
    return None
