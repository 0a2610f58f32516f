"""Resolve the names a file binds through its imports to fully qualified names.

``import torch.nn as nn`` binds ``nn`` to ``torch.nn``; ``from torch import nn as tnn`` binds ``tnn`` to
``torch.nn``; ``import torch.nn`` binds ``torch``. :func:`qualify` then turns ``tnn.Module`` into
``torch.nn.Module``. The map is scope-insensitive: an import anywhere in the file counts, which is what
``try: import x`` / ``if TYPE_CHECKING:`` blocks and function-local imports need in practice.
"""

from __future__ import annotations

from typing import Optional, Union

import libcst as cst


def dotted_name(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted_name(node.value)
        return None if head is None else f"{head}.{node.attr.value}"
    return None


def _module_name(node: Union[cst.Attribute, cst.Name, None], dots: int, package: Optional[str]) -> Optional[str]:
    name = dotted_name(node) if node is not None else ""
    if name is None:
        return None
    if dots == 0:
        return name
    if package is None:
        # A relative import in a file whose package we do not know: keep it recognisable but unresolvable.
        return "." * dots + name
    parts = package.split(".") if package else []
    if dots - 1 > len(parts):
        return None
    base = parts[: len(parts) - (dots - 1)]
    return ".".join([*base, name] if name else base)


class ImportMap:
    """Maps local names bound by import statements to qualified names."""

    def __init__(self) -> None:
        self.bindings: dict[str, str] = {}

    def add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.bindings[alias.asname.name.value] = full
            else:
                top = full.split(".", 1)[0]
                self.bindings[top] = top

    def add_import_from(self, node: cst.ImportFrom, package: Optional[str] = None) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        module = _module_name(node.module, len(node.relative), package)
        if module is None:
            return
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            local = alias.name.value
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.bindings[local] = f"{module}.{alias.name.value}" if module else alias.name.value

    def qualify(self, node: cst.BaseExpression) -> Optional[str]:
        """The qualified name of a Name/Attribute chain whose head is an imported name, else None."""
        name = dotted_name(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        target = self.bindings.get(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target
