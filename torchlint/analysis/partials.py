"""Callables made by ``functools.partial``: calling one calls its function with the bound arguments first.

``make = partial(torch.zeros, 3)`` then ``make()`` is ``torch.zeros(3)``; ``self.cis = partial(compute_cis,
dim=8)`` then ``self.cis(end=4)`` is ``compute_cis(dim=8, end=4)``. The partial's value is UNKNOWN (a
callable, a plain attribute) carrying its ``partial(...)`` call; a call of it is inferred, or followed by the
class analysis, as the equivalent direct call that :func:`bound_call` builds.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Optional

import libcst as cst

from torchlint.analysis.values import Kind, ValueFact
from torchlint.outline.imports import ImportMap

_PARTIAL = "functools.partial"


def partial_fact(call: cst.Call, imports: ImportMap) -> Optional[ValueFact]:
    """The fact of ``functools.partial(f, ...)``, when its function is spelled out and nothing is unpacked."""
    if imports.qualify(call.func) != _PARTIAL or not call.args:
        return None
    if call.args[0].keyword is not None or any(arg.star for arg in call.args):
        return None
    return ValueFact(Kind.UNKNOWN, partial=call)


def bound_call(
    fact: Optional[ValueFact],
    call: cst.Call,
    imports: ImportMap,
    functions: Collection[str],
    local_names: Collection[str],
) -> Optional[cst.Call]:
    """The direct call that calling the partial ``fact`` with ``call``'s arguments makes, or None.

    Only a function named by an import (``torch.zeros``) or a top-level function of the file that no local
    shadows: a partial of a local or of an attribute could refer back to itself."""
    partial = fact.partial if fact is not None else None
    if not isinstance(partial, cst.Call) or any(arg.star for arg in call.args):
        return None
    func = partial.args[0].value
    named = imports.qualify(func) is not None
    if not named and not (isinstance(func, cst.Name) and func.value in functions and func.value not in local_names):
        return None
    positional = [arg for arg in (*partial.args[1:], *call.args) if arg.keyword is None]
    keywords: dict[str, cst.Arg] = {}
    for arg in (*partial.args[1:], *call.args):  # the call's keywords override the partial's
        if arg.keyword is not None:
            keywords[arg.keyword.value] = arg
    return cst.Call(func=func, args=[*positional, *keywords.values()])
