"""Shapes of LibCST syntax that several stages read: a method's ``self``, a ``setattr(obj, name, value)`` call."""

from __future__ import annotations

from typing import Optional

import libcst as cst


def first_parameter(function: cst.FunctionDef) -> Optional[str]:
    """The name of the first positional parameter (``self`` of a method), if there is one."""
    parameters = [*function.params.posonly_params, *function.params.params]
    return parameters[0].name.value if parameters else None


def setattr_arguments(
    call: cst.Call,
) -> Optional[tuple[cst.BaseExpression, cst.BaseExpression, cst.BaseExpression]]:
    """``(obj, name, value)`` of ``setattr(obj, name, value)`` written with three plain positional arguments;
    None for any other call (a star or keyword argument, another arity, another function)."""
    func = call.func
    if not (isinstance(func, cst.Name) and func.value == "setattr") or len(call.args) != 3:
        return None
    if any(arg.star or arg.keyword is not None for arg in call.args):
        return None
    obj, name, value = (arg.value for arg in call.args)
    return obj, name, value
