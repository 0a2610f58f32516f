"""Replacing a plain list, tuple or dict attribute by ``nn.ModuleList``, ``nn.ModuleDict``, ``nn.ParameterList``
or ``nn.ParameterDict``: when that cannot work, and the edit that does it.

The registered containers are not drop-in replacements. They accept only their element type (``ModuleList``
raises ``TypeError: int is not a Module subclass``), their dict keys must be strings that are neither empty,
dotted nor already an attribute of the container (``KeyError: "attribute 'train' already exists"``), and they
lack some list/dict methods. The tables below were taken from torch 2.13 (``dir()`` of each class).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import libcst as cst

from torchlint.analysis.events import AttributeAssignment, SuperInit, TargetForm
from torchlint.analysis.value_sources import Element, methods_called_on
from torchlint.analysis.values import Kind
from torchlint.contract.edits import Edit, InsertImport, Replace
from torchlint.outline.torch_names import nn_reference_or_import

# Public attributes of an nn.ModuleDict instance; a key equal to one of them raises KeyError.
_MODULE_DICT_ATTRIBUTES = frozenset(
    "T_destination add_module apply bfloat16 buffers call_super_init children clear compile cpu cuda double "
    "dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule half ipu "
    "items keys load_state_dict modules mtia named_buffers named_children named_modules named_parameters "
    "parameters pop register_backward_hook register_buffer register_forward_hook register_forward_pre_hook "
    "register_full_backward_hook register_full_backward_pre_hook register_load_state_dict_post_hook "
    "register_load_state_dict_pre_hook register_module register_parameter register_state_dict_post_hook "
    "register_state_dict_pre_hook requires_grad_ set_extra_state set_submodule share_memory state_dict to "
    "to_empty train training type update values xpu zero_grad".split()
)
_PARAMETER_DICT_ATTRIBUTES = _MODULE_DICT_ATTRIBUTES | {"copy", "fromkeys", "get", "popitem", "setdefault"}
# Methods of list/dict that the registered container lacks.
_MISSING_METHODS = {
    "ModuleList": frozenset({"clear", "copy", "count", "index", "remove", "reverse", "sort"}),
    "ModuleDict": frozenset({"copy", "fromkeys", "get", "popitem", "setdefault"}),
    "ParameterList": frozenset({"clear", "copy", "count", "index", "insert", "pop", "remove", "reverse", "sort"}),
    "ParameterDict": frozenset(),
}
ELEMENT_KINDS = {
    "ModuleList": (Kind.MODULE, Kind.NONE),
    "ModuleDict": (Kind.MODULE, Kind.NONE),
    "ParameterList": (Kind.PARAMETER,),
    "ParameterDict": (Kind.PARAMETER,),
}
_COPY_CALLS = ("list", "tuple")


def _string_parts(key: cst.BaseExpression) -> Optional[list[str]]:
    """The literal text of a string key (for an f-string, its literal parts); None when it is not a string."""
    if isinstance(key, cst.SimpleString):
        value = key.evaluated_value
        return [value] if isinstance(value, str) else None
    if isinstance(key, cst.ConcatenatedString):
        left, right = _string_parts(key.left), _string_parts(key.right)  # type: ignore[arg-type]
        return None if left is None or right is None else left + right
    if isinstance(key, cst.FormattedString):
        return [part.value for part in key.parts if isinstance(part, cst.FormattedStringText)]
    if isinstance(key, cst.Call) and isinstance(key.func, cst.Name) and key.func.value == "str":
        return []
    return None


def _key_problem(key: Optional[cst.BaseExpression], container: str) -> Optional[str]:
    if key is None:
        return "a key is not visible"
    parts = _string_parts(key)
    if parts is None:
        return f"a key is not known to be a string ({container} accepts only string keys)"
    text = "".join(parts)
    exact = isinstance(key, cst.SimpleString) or (
        isinstance(key, cst.ConcatenatedString) and "{" not in cst.Module(body=[]).code_for_node(key)
    )
    if "." in text:
        return f"the key {text!r} contains a dot, which {container} rejects"
    if exact and not text:
        return f"a key is the empty string, which {container} rejects"
    attributes = _MODULE_DICT_ATTRIBUTES if container == "ModuleDict" else _PARAMETER_DICT_ATTRIBUTES
    if exact and (text in attributes or text.startswith("_")):
        return f"the key {text!r} is an attribute of {container}, which raises KeyError"
    return None


def no_fix_reason(event: AttributeAssignment, container: str, elements: Sequence[Element]) -> Optional[str]:
    """Why replacing the plain container with ``container`` ("ModuleList", ...) could break, or None."""
    name = event.name
    if name is None:
        return "the attribute name is computed"
    if event.value_node is None or event.form in (TargetForm.TUPLE, TargetForm.AUGMENTED):
        return "the value is not a single expression"
    if event.chained:
        return "chained assignment"
    if event.super_init is not SuperInit.YES:
        return f"assigned before super().__init__() has run, where assigning an nn.{container} would raise"
    taken = event.name_conflict()
    if taken is not None:
        return f"{taken}, which an nn.{container} attribute cannot use"
    kinds = ELEMENT_KINDS[container]
    if any(element.fact.is_container for element in elements):
        return "an element is a plain container itself, which needs wrapping first"
    if any(element.fact.kind not in kinds for element in elements):
        what = "an nn.Module" if container.startswith("Module") else "an nn.Parameter"
        return f"not every element is known to be {what}, and nn.{container} rejects anything else"
    if container.endswith("Dict"):
        for element in elements:
            problem = _key_problem(element.key, container)
            if problem is not None:
                return problem
    missing = sorted(methods_called_on(event.context, name) & _MISSING_METHODS[container])
    if missing:
        return f"`self.{name}.{missing[0]}()` is called, and nn.{container} has no `{missing[0]}`"
    accepted = (Kind.MODULE, Kind.NONE, Kind.UNKNOWN) if container.startswith("Module") else (
        Kind.PARAMETER, Kind.NONE, Kind.UNKNOWN
    )
    if any(write.rejected_by("module", accepted) for write in event.other_writes()):
        return f"`self.{name}` is also assigned a plain value elsewhere, which an nn.{container} attribute rejects"
    return None


def wrap(event: AttributeAssignment, container: str) -> tuple[Edit, ...]:
    """Edits that turn the assigned value into ``nn.<container>(value)``."""
    value = event.value_node
    assert value is not None
    reference, missing_import = nn_reference_or_import(event.context.model.imports, container)
    args: list[cst.Arg]
    if isinstance(value, (cst.List, cst.Dict)) and not value.elements and not value.lpar:
        args = []
    elif (
        isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value in _COPY_CALLS
        and len(value.args) == 1 and value.args[0].keyword is None and not value.args[0].star
    ):
        args = [value.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
    elif isinstance(value, cst.Tuple) and not value.lpar:
        args = [cst.Arg(value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))]
    else:
        args = [cst.Arg(value)]
    edits: list[Edit] = [Replace(value, cst.Call(func=cst.parse_expression(reference), args=args))]
    if missing_import is not None:
        edits.append(InsertImport(missing_import))
    return tuple(edits)
