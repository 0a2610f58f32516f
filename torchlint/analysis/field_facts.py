"""What an attribute of another local object holds, right after the function stored it there.

``m.stride = torch.tensor(...)`` followed by ``self.stride = m.stride`` stores a tensor on ``self``: a detection
model copies the stride it just computed for its head. The class analysis keeps such a fact in the flow
state's locals under the key ``"m.stride"`` (no Python name contains a dot, so it never meets a real local)
and inference reads it back for the expression ``m.stride``.

A stored fact is forgotten as soon as anything might change the attribute behind the analysis's back, so it
only lives across plain statements: any statement with a call (a method of ``m``, or of anything that holds
``m``, may assign it), a compound statement, a ``del``, another store to an attribute of that name on any
object (an alias of ``m``), and rebinding ``m`` itself.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from torchlint.analysis.values import ValueFact
from torchlint.source.expression_walk import calls_in


def field_key(node: cst.BaseExpression) -> Optional[str]:
    """``"m.stride"`` for the expression ``m.stride`` (a plain name's attribute); None for anything else."""
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
        return f"{node.value.value}.{node.attr.value}"
    return None


def _has_fields(facts: dict[str, ValueFact]) -> bool:
    return any("." in key for key in facts)


def forget_all(facts: dict[str, ValueFact]) -> None:
    for key in [key for key in facts if "." in key]:
        del facts[key]


def forget_before(statement: cst.CSTNode, facts: dict[str, ValueFact]) -> None:
    """Drop every stored field fact that ``statement`` may invalidate before its own store happens."""
    if not _has_fields(facts) or isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return  # a line's small statements are checked one by one
    if isinstance(statement, (cst.Del, cst.Global, cst.Nonlocal)) or not isinstance(statement, cst.BaseSmallStatement):
        forget_all(facts)
    elif calls_in(statement):
        forget_all(facts)


def store(target: cst.BaseExpression, value: ValueFact, facts: dict[str, ValueFact], keep: bool = True) -> None:
    """Record ``name.attr = value`` (unless not ``keep``: a store on ``self``, whose attributes the analysis
    tracks itself); a store to ``attr`` of any object first forgets every ``*.attr`` fact."""
    if not isinstance(target, cst.Attribute):
        return
    attribute = target.attr.value
    if _has_fields(facts):
        for key in [key for key in facts if "." in key and key.rpartition(".")[2] == attribute]:
            del facts[key]
    key = field_key(target)
    if keep and key is not None:
        facts[key] = value


def rebind(name: str, facts: dict[str, ValueFact]) -> None:
    """``name`` now refers to another object: what was stored on the old one says nothing about it."""
    if _has_fields(facts):
        prefix = name + "."
        for key in [key for key in facts if key.startswith(prefix)]:
            del facts[key]
