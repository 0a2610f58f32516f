"""Spell a ``torch.nn`` name the way the file already does, for code that fixes write."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from torchlint.outline.imports import ImportMap

_IMPORT_TORCH = cst.parse_statement("import torch\n")


def nn_reference(imports: ImportMap, attribute: str) -> Optional[str]:
    """``nn.Parameter`` / ``torch.nn.Parameter`` / ``Parameter``, using the file's imports, or None."""
    bindings = sorted(imports.bindings.items())
    for local, qualified in bindings:
        if qualified == "torch.nn":
            return f"{local}.{attribute}"
    for local, qualified in bindings:
        if qualified in (f"torch.nn.{attribute}", f"torch.nn.parameter.{attribute}"):
            return local
    for local, qualified in bindings:
        if qualified == "torch":
            return f"{local}.nn.{attribute}"
    return None


def nn_reference_or_import(imports: ImportMap, attribute: str) -> tuple[str, Optional[cst.SimpleStatementLine]]:
    """Like :func:`nn_reference`, falling back to ``torch.nn.<attribute>`` plus an ``import torch`` to add."""
    reference = nn_reference(imports, attribute)
    if reference is not None:
        return reference, None
    assert isinstance(_IMPORT_TORCH, cst.SimpleStatementLine)
    return f"torch.nn.{attribute}", _IMPORT_TORCH
