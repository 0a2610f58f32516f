"""Resolve the names a file binds through its imports to fully qualified names.

``import torch.nn as nn`` binds ``nn`` to ``torch.nn``; ``from torch import nn as tnn`` binds ``tnn`` to
``torch.nn``; ``import torch.nn`` binds ``torch``. :func:`qualify` then turns ``tnn.Module`` into
``torch.nn.Module``. The map is scope-insensitive: an import anywhere in the file counts, which is what
``try: import x`` / ``if TYPE_CHECKING:`` blocks and function-local imports need in practice.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst


def dotted_name(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted_name(node.value)
        return None if head is None else f"{head}.{node.attr.value}"
    return None


def relative_module(name: str, dots: int, package: Optional[str]) -> Optional[str]:
    """The module ``from <dots><name> import ...`` names in a file of ``package``."""
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


def _asname(alias: cst.ImportAlias) -> Optional[str]:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None


class ImportMap:
    """Maps local names bound by import statements to qualified names."""

    def __init__(self) -> None:
        self.bindings: dict[str, str] = {}

    def bind_import(self, full: str, asname: Optional[str]) -> None:
        """``import <full> [as <asname>]``."""
        if asname is not None:
            self.bindings[asname] = full
        else:
            top = full.split(".", 1)[0]
            self.bindings[top] = top

    def bind_from(self, module: str, name: str, asname: Optional[str]) -> None:
        """``from <module> import <name> [as <asname>]``, ``module`` already made absolute."""
        self.bindings[asname or name] = f"{module}.{name}" if module else name

    def add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            asname = _asname(alias)
            self.bind_import(full, asname)

    def add_import_from(self, node: cst.ImportFrom, package: Optional[str] = None) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        name = dotted_name(node.module) if node.module is not None else ""
        module = relative_module(name, len(node.relative), package) if name is not None else None
        if module is None:
            return
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            asname = _asname(alias)
            self.bind_from(module, alias.name.value, asname)

    def qualify(self, node: cst.BaseExpression) -> Optional[str]:
        """The qualified name of a Name/Attribute chain whose head is an imported name, else None."""
        name = dotted_name(node)
        return None if name is None else self.qualify_dotted(name)

    def qualify_dotted(self, name: str) -> Optional[str]:
        """``nn.Module`` -> ``torch.nn.Module`` when the head is an imported name, else None."""
        head, _, rest = name.partition(".")
        target = self.bindings.get(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target
