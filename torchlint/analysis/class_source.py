"""The syntax tree of a class of another file (of the project or an installed package), read with Python's own
parser, for the analyses that need more of it than its outline keeps.

The classes of the last files read are kept, so that a base asked about by many files (transformers'
``PreTrainedModel`` lives in a 5,000-line file) is parsed once; a file is read again on every question, and
parsed again when its text has changed.
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from typing import Optional

from torchlint.outline.outline import ClassOutline
from torchlint.source.ast_walk import walk
from torchlint.source.decoding import SourceError, read
from torchlint.source.parsing import python_tree

_FILES_KEPT = 32
# by path: the (length, hash) of the text parsed, and its classes by (line, name)
_kept: OrderedDict[str, tuple[tuple[int, int], dict[tuple[int, str], ast.ClassDef]]] = OrderedDict()


def _classes(path: str) -> Optional[dict[tuple[int, str], ast.ClassDef]]:
    try:
        text = read(path).text
    except SourceError:
        return None
    fingerprint = (len(text), hash(text))
    kept = _kept.get(path)
    if kept is not None and kept[0] == fingerprint:
        _kept.move_to_end(path)
        return kept[1]
    tree = python_tree(text)
    if tree is None:
        return None
    classes = {(node.lineno, node.name): node for node in walk(tree) if isinstance(node, ast.ClassDef)}
    _kept[path] = (fingerprint, classes)
    while len(_kept) > _FILES_KEPT:
        _kept.popitem(last=False)
    return classes


def class_node(path: str, cls: ClassOutline) -> Optional[ast.ClassDef]:
    """The ``class`` statement of the outlined ``cls`` in the file ``path``; None when the file cannot be read
    or parsed, or no longer holds that class where its outline says."""
    classes = _classes(path)
    return None if classes is None else classes.get((cls.line, cls.name))
