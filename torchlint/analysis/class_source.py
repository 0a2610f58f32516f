"""The syntax tree of a class of another file (of the project or an installed package), read with Python's own
parser, for the analyses that need more of it than its outline keeps."""

from __future__ import annotations

import ast
from typing import Optional

from torchlint.outline.outline import ClassOutline
from torchlint.source.decoding import SourceError, read
from torchlint.source.parsing import python_tree


def class_node(path: str, cls: ClassOutline) -> Optional[ast.ClassDef]:
    """The ``class`` statement of the outlined ``cls`` in the file ``path``; None when the file cannot be read
    or parsed, or no longer holds that class where its outline says."""
    try:
        tree = python_tree(read(path).text)
    except SourceError:
        return None
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.lineno == cls.line and node.name == cls.name:
            return node
    return None
