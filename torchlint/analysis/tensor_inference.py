"""Decide what an expression evaluates to: a plain tensor, a Parameter, a module, or something else.

The rule is "when unsure, say UNKNOWN": a false positive costs more trust than a miss. A value is a tensor
only when it comes from a torch function the stubs say returns a Tensor, a legacy constructor, a Tensor
method on a known tensor, arithmetic or a comparison with a known tensor operand, indexing a known tensor,
a local or global name bound to a tensor, a parameter annotated ``Tensor``, or a call of a same-file function
annotated ``-> Tensor``; a ``functools.partial`` of one of those; or ``x if torch.is_tensor(x) else ...`` where
the test narrows ``x`` (:mod:`torchlint.analysis.narrowing`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Callable, Optional, Union

import libcst as cst

from torchlint.analysis.narrowing import narrow
from torchlint.analysis.partials import bound_call, partial_fact
from torchlint.analysis.tuple_returns import cst_tensor_tuple_arity
from torchlint.analysis.values import INTEGER, LITERAL, MODULE, NONE, PARAMETER, UNKNOWN, Kind, ValueFact, merge
from torchlint.outline.annotations import returns_tensor
from torchlint.outline.file_model import ClassInfo, FileModel
from torchlint.torch_facts.dtypes import (
    FLOATNESS_PRESERVING,
    FUNCTION_RESULT_NOT_FLOATING,
    METHOD_RESULT_FLOATING,
    dtype_is_floating,
)
from torchlint.torch_facts.torch_api import (
    BUFFER_CLASSES,
    EXTRA_TENSOR_FUNCTIONS,
    LEGACY_CONSTRUCTORS,
    PARAMETER_CLASSES,
    is_nn_module_class,
    mixed_overload_is_tensor,
    returns_its_argument,
    torch_api,
)

# Tensor methods that may hand back the very same object (a no-op move or cast). On a Parameter that means
# the result may still be the registered Parameter, so nothing can be said about it.
_MAY_RETURN_SELF = frozenset(
    {"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "type", "type_as", "contiguous", "requires_grad_",
     "share_memory_", "pin_memory"}
)
_NO_GRAD_METHODS = frozenset({"detach", "detach_"})
# torch functions that combine a sequence of tensors: their result is whatever the elements' type makes it
# (TensorDict and other __torch_function__ types return themselves), so it is a tensor only when every
# element is known to be one
_COMBINING = frozenset({
    "torch.stack", "torch.cat", "torch.concat", "torch.concatenate", "torch.hstack", "torch.vstack",
    "torch.dstack", "torch.column_stack", "torch.row_stack",
})
_TENSOR_KINDS = frozenset({Kind.TENSOR, Kind.PARAMETER, Kind.BUFFER})
_TRUE = "True"


@dataclass
class InferenceContext:
    """Everything name lookups need while inferring expressions inside one function of a class."""

    model: FileModel
    globals: Mapping[str, ValueFact]
    locals: dict[str, ValueFact] = field(default_factory=dict)
    self_name: Optional[str] = None
    self_attribute: Callable[[str], Optional[ValueFact]] = lambda name: None
    instance: Optional[ClassInfo] = None
    instance_mro: tuple[ClassInfo, ...] = ()
    module_classes: Mapping[str, ClassInfo] = field(default_factory=dict)
    call_results: Mapping[cst.Call, ValueFact] = field(default_factory=dict)  # facts of followed calls

    def lookup_method(self, name: str) -> Optional[cst.FunctionDef]:
        for cls in self.instance_mro:
            method = cls.methods.get(name)
            if method is not None:
                return method
        return None


def _keyword(call: cst.Call, name: str) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def _positional(call: cst.Call) -> list[cst.BaseExpression]:
    return [arg.value for arg in call.args if arg.keyword is None and not arg.star]


def _is_true(node: Optional[cst.BaseExpression]) -> bool:
    return isinstance(node, cst.Name) and node.value == _TRUE


def _dtype_floating(node: Optional[cst.BaseExpression], ctx: InferenceContext) -> Optional[bool]:
    if node is None:
        return None
    return dtype_is_floating(ctx.model.imports.qualify(node))


def _numeric_literal_kind(node: cst.BaseExpression) -> Optional[str]:
    """"int" / "float" / "bool" for a (possibly negated) number or bool literal."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        node = node.expression
    if isinstance(node, cst.Integer):
        return "int"
    if isinstance(node, (cst.Float, cst.Imaginary)):
        return "float"
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return "bool"
    return None


def _data_literal_floating(node: cst.BaseExpression) -> Optional[bool]:
    """torch.tensor([1, 2]) is int64, torch.tensor([1.0]) float32: look at every literal in the data."""
    kinds: set[Optional[str]] = set()

    def walk(value: cst.BaseExpression) -> None:
        if isinstance(value, (cst.List, cst.Tuple)):
            for element in value.elements:
                walk(element.value)
        else:
            kinds.add(_numeric_literal_kind(value))

    walk(node)
    if not kinds or None in kinds:
        return None
    return "float" in kinds


def _factory_fact(qualified: str, call: cst.Call, ctx: InferenceContext) -> ValueFact:
    """A tensor made by a torch function: its grad and floating facts from the arguments."""
    requires_grad = _is_true(_keyword(call, "requires_grad"))
    floating = _dtype_floating(_keyword(call, "dtype"), ctx)
    name = qualified.rsplit(".", 1)[-1]
    positional = _positional(call)
    if floating is None:
        if qualified in FUNCTION_RESULT_NOT_FLOATING:
            floating = False
        elif name == "arange" and positional:
            kinds = {"int" if infer(arg, ctx).integer else _numeric_literal_kind(arg) for arg in positional}
            if kinds <= {"int"}:
                floating = False
            elif "float" in kinds:
                floating = True
        elif name in ("tensor", "as_tensor") and positional:
            floating = _data_literal_floating(positional[0])
        elif name in ("zeros", "ones", "empty", "rand", "randn", "full", "eye", "linspace", "logspace"):
            floating = True if name != "full" else None
        elif name in FLOATNESS_PRESERVING and positional:
            first = positional[0]
            if name in ("cat", "stack", "concat", "concatenate") and isinstance(first, (cst.List, cst.Tuple)):
                facts = [infer(element.value, ctx) for element in first.elements]
                values = {fact.floating for fact in facts}
                floating = values.pop() if len(values) == 1 else None
            else:
                floating = infer(first, ctx).floating
    return ValueFact(Kind.TENSOR, requires_grad=requires_grad, leaf=True, floating=floating)


def _combines_tensors(call: cst.Call, ctx: InferenceContext) -> bool:
    """``torch.stack([a, b])``-like calls whose sequence is known to hold only tensors: a list or tuple
    display of tensors, or a sequence torch returned (``torch.chunk``, ``split``...)."""
    positional = _positional(call)
    if not positional:
        return False
    sequence = positional[0]
    if isinstance(sequence, (cst.List, cst.Tuple)):
        return bool(sequence.elements) and all(
            not isinstance(element, cst.StarredElement) and infer(element.value, ctx).kind in _TENSOR_KINDS
            for element in sequence.elements
        )
    fact = infer(sequence, ctx)
    if fact.kind is Kind.TENSOR_SEQUENCE:
        return True
    return fact.kind in (Kind.LIST, Kind.TUPLE) and bool(fact.elements) and all(
        element.kind in _TENSOR_KINDS for element in fact.elements
    )


def _call_fact(call: cst.Call, ctx: InferenceContext) -> ValueFact:
    func = call.func
    qualified = ctx.model.imports.qualify(func)
    api = torch_api()
    if qualified is not None:
        if qualified in PARAMETER_CLASSES:
            return PARAMETER
        if qualified in BUFFER_CLASSES:
            return ValueFact(Kind.BUFFER)
        if qualified in LEGACY_CONSTRUCTORS:
            return ValueFact(Kind.TENSOR, floating=LEGACY_CONSTRUCTORS[qualified])
        if qualified in _COMBINING and not _combines_tensors(call, ctx):
            return UNKNOWN
        if qualified in api.tensor_functions:
            return _factory_fact(qualified, call, ctx)
        if qualified in api.sequence_functions:
            return ValueFact(Kind.TENSOR_SEQUENCE)
        if qualified in EXTRA_TENSOR_FUNCTIONS:
            return ValueFact(Kind.TENSOR)
        if returns_its_argument(qualified):
            positional = _positional(call)
            return infer(positional[0], ctx) if positional else UNKNOWN
        namespace, _, name = qualified.rpartition(".")
        if namespace in ("torch", "torch.nn.functional") and _mixed_is_tensor(name, call, method=False):
            return _factory_fact(qualified, call, ctx)
        if is_nn_module_class(qualified) or ctx.model.external_is_module(qualified):
            return MODULE
        if ctx.model.external_returns_tensor(qualified):
            return ValueFact(Kind.TENSOR)
        arity = ctx.model.external_tensor_tuple(qualified)
        if arity:  # -> tuple[Tensor, Tensor] (torchlint.analysis.tuple_returns)
            return _tensor_tuple(arity)
        return partial_fact(call, ctx.model.imports) or UNKNOWN
    if isinstance(func, cst.Name) and func.value in ("list", "tuple") and func.value not in ctx.locals:
        positional = _positional(call)
        if len(positional) == 1 and len(call.args) == 1:
            inner = infer(positional[0], ctx)
            if inner.kind in (Kind.LIST, Kind.TUPLE):
                return inner.but(kind=Kind.LIST if func.value == "list" else Kind.TUPLE)
        return UNKNOWN
    if isinstance(func, cst.Name):
        if call in ctx.call_results:
            return ctx.call_results[call]
        if func.value in ctx.locals:  # make = partial(torch.zeros, 3); make()
            return _partial_call_fact(ctx.locals[func.value], call, ctx)
        local_class = ctx.module_classes.get(func.value)
        if local_class is not None and func.value not in ctx.locals:
            return MODULE
        function = ctx.model.functions.get(func.value)
        if function is not None and func.value not in ctx.locals and returns_tensor(function, ctx.model.imports):
            return ValueFact(Kind.TENSOR)
        arity = cst_tensor_tuple_arity(function, ctx.model.imports) if function is not None else None
        if arity and func.value not in ctx.locals:
            return _tensor_tuple(arity)
        return UNKNOWN
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        receiver_node = func.value
        if ctx.self_name is not None and isinstance(receiver_node, cst.Name) and receiver_node.value == ctx.self_name:
            if call in ctx.call_results:
                return ctx.call_results[call]
            own = ctx.lookup_method(method)
            if own is not None and returns_tensor(own, ctx.model.imports):
                return ValueFact(Kind.TENSOR)
            return _partial_call_fact(ctx.self_attribute(method), call, ctx)
        return _method_fact(infer(receiver_node, ctx), method, call, ctx)
    return UNKNOWN


def _tensor_tuple(arity: int) -> ValueFact:
    return ValueFact(Kind.TUPLE, elements=(ValueFact(Kind.TENSOR),) * arity)


def _partial_call_fact(callee: Optional[ValueFact], call: cst.Call, ctx: InferenceContext) -> ValueFact:
    """A call of a ``functools.partial`` object: what the direct call it stands for returns."""
    bound = bound_call(callee, call, ctx.model.imports, ctx.model.functions, ctx.locals)
    return UNKNOWN if bound is None else _call_fact(bound, ctx)


def _method_fact(receiver: ValueFact, method: str, call: cst.Call, ctx: InferenceContext) -> ValueFact:
    if not receiver.is_tensor_like:
        return UNKNOWN
    api = torch_api()
    if method in api.sequence_methods and method not in api.tensor_methods:
        return ValueFact(Kind.TENSOR_SEQUENCE)
    if method not in api.tensor_methods and not _mixed_is_tensor(method, call, method=True):
        return UNKNOWN
    if receiver.kind is Kind.PARAMETER and method in _MAY_RETURN_SELF:
        return UNKNOWN
    if receiver.requires_grad and method in _MAY_RETURN_SELF and _keyword(call, "dtype") is None and all(
        dtype_is_floating(ctx.model.imports.qualify(arg)) is None for arg in _positional(call)
    ):
        return receiver  # a device move or no-op cast hands back the same leaf on the CPU
    if method == "requires_grad_":
        flag = _positional(call)[:1] or [_keyword(call, "requires_grad")]
        grad = flag[0] is None or _is_true(flag[0])
        return receiver.but(kind=Kind.TENSOR, requires_grad=grad, leaf=receiver.leaf)
    if method in _NO_GRAD_METHODS:
        return ValueFact(Kind.TENSOR, floating=receiver.floating)
    if method in METHOD_RESULT_FLOATING:
        floating: Optional[bool] = METHOD_RESULT_FLOATING[method]
    elif method in ("to", "type"):
        dtype_arg = _keyword(call, "dtype")
        if dtype_arg is None:
            dtype_arg = next(
                (arg for arg in _positional(call) if dtype_is_floating(ctx.model.imports.qualify(arg)) is not None),
                None,
            )
        floating = receiver.floating if dtype_arg is None and method == "to" else _dtype_floating(dtype_arg, ctx)
    elif method in FLOATNESS_PRESERVING:
        floating = receiver.floating
    else:
        floating = None
    grad = receiver.requires_grad or receiver.kind is Kind.PARAMETER
    return ValueFact(Kind.TENSOR, requires_grad=grad, leaf=not grad, floating=floating)


def _mixed_is_tensor(name: str, call: cst.Call, method: bool) -> bool:
    keywords = frozenset(arg.keyword.value for arg in call.args if arg.keyword is not None)
    false_flags = frozenset(
        arg.keyword.value for arg in call.args
        if arg.keyword is not None and isinstance(arg.value, cst.Name) and arg.value.value == "False"
    )
    if any(arg.star for arg in call.args):
        return False
    return mixed_overload_is_tensor(name, len(_positional(call)), keywords, method, false_flags)


def _combine(operands: list[ValueFact], floating: Optional[bool]) -> ValueFact:
    grad = any(op.requires_grad or op.kind is Kind.PARAMETER for op in operands)
    return ValueFact(Kind.TENSOR, requires_grad=grad, leaf=not grad, floating=floating)


def _binary_fact(node: cst.BinaryOperation, ctx: InferenceContext) -> ValueFact:
    left, right = infer(node.left, ctx), infer(node.right, ctx)
    tensors = [fact for fact in (left, right) if fact.is_tensor_like]
    if not tensors:
        return UNKNOWN
    if isinstance(node.operator, cst.Divide):
        floating: Optional[bool] = True
    else:
        others = [fact for fact in (left, right) if not fact.is_tensor_like]
        values = {fact.floating for fact in tensors}
        floating = values.pop() if len(values) == 1 else None
        if floating is False and any(
            _numeric_literal_kind(n) == "float" for n in (node.left, node.right)
        ):
            floating = True
        if others and floating is False and any(o.kind is not Kind.LITERAL for o in others):
            floating = None
    return _combine(tensors, floating)


def _comparison_fact(node: cst.Comparison, ctx: InferenceContext) -> ValueFact:
    if any(
        isinstance(target.operator, (cst.Is, cst.IsNot, cst.In, cst.NotIn)) for target in node.comparisons
    ):
        return UNKNOWN
    operands = [infer(node.left, ctx)] + [infer(target.comparator, ctx) for target in node.comparisons]
    if not any(fact.is_tensor_like for fact in operands) or len(node.comparisons) != 1:
        return UNKNOWN
    return ValueFact(Kind.TENSOR, floating=False)


def infer(node: cst.BaseExpression, ctx: InferenceContext) -> ValueFact:
    """The facts known about the value of ``node``."""
    if isinstance(node, cst.Name):
        if node.value in ctx.locals:
            return ctx.locals[node.value]
        if node.value == "None":
            return NONE
        if node.value in ("True", "False"):
            return LITERAL
        return ctx.globals.get(node.value, UNKNOWN)
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return ValueFact(Kind.LITERAL, string=value) if isinstance(value, str) else LITERAL
    if isinstance(node, cst.Integer):
        return INTEGER
    if isinstance(node, (cst.Float, cst.Imaginary, cst.ConcatenatedString, cst.FormattedString)):
        return LITERAL
    if isinstance(node, cst.Call):
        return _call_fact(node, ctx)
    if isinstance(node, cst.Attribute):
        receiver_node = node.value
        if ctx.self_name is not None and isinstance(receiver_node, cst.Name) and receiver_node.value == ctx.self_name:
            return ctx.self_attribute(node.attr.value) or UNKNOWN
        if isinstance(receiver_node, cst.Name):  # m.stride = t just before (torchlint.analysis.field_facts)
            stored = ctx.locals.get(f"{receiver_node.value}.{node.attr.value}")
            if stored is not None:
                return stored
        receiver = infer(receiver_node, ctx)
        if receiver.is_tensor_like and node.attr.value in torch_api().tensor_properties:
            if node.attr.value == "data":
                return ValueFact(Kind.TENSOR, floating=receiver.floating)
            return _combine([receiver], receiver.floating)
        return UNKNOWN
    if isinstance(node, cst.Subscript):
        receiver = infer(node.value, ctx)
        if receiver.is_tensor_like:
            return _combine([receiver], receiver.floating)
        if receiver.kind is Kind.TENSOR_SEQUENCE:
            return UNKNOWN if _is_slice(node) else ValueFact(Kind.TENSOR)
        if receiver.is_container and len(node.slice) == 1 and not _is_slice(node):
            index = node.slice[0].slice
            if receiver.kind is Kind.TUPLE and isinstance(index, cst.Index) and isinstance(index.value, cst.Integer):
                position = int(index.value.value, 0)
                if -len(receiver.elements) <= position < len(receiver.elements):
                    return receiver.elements[position]
            if receiver.elements and all(element.is_tensor for element in receiver.elements):
                return ValueFact(Kind.TENSOR)
        return UNKNOWN
    if isinstance(node, cst.BinaryOperation):
        return _binary_fact(node, ctx)
    if isinstance(node, cst.Comparison):
        return _comparison_fact(node, ctx)
    if isinstance(node, cst.UnaryOperation):
        if isinstance(node.operator, cst.Not):
            return UNKNOWN
        operand = infer(node.expression, ctx)
        if operand.is_tensor_like:
            return _combine([operand], operand.floating)
        return LITERAL if operand.kind is Kind.LITERAL else UNKNOWN
    if isinstance(node, cst.IfExp):
        when_true, when_false = narrow(node.test, ctx.model.imports, ctx.locals)
        if when_true or when_false:  # x if torch.is_tensor(x) else torch.as_tensor(x)
            body = infer(node.body, replace(ctx, locals={**ctx.locals, **when_true}))
            orelse = infer(node.orelse, replace(ctx, locals={**ctx.locals, **when_false}))
            if body.is_tensor and orelse.is_tensor:
                return merge(body, orelse)
            return body if body == orelse else UNKNOWN
        body, orelse = infer(node.body, ctx), infer(node.orelse, ctx)
        if body.kind is orelse.kind is Kind.LITERAL and body.string is None and orelse.string is None:
            return INTEGER if body.integer and orelse.integer else LITERAL
        return body if body == orelse else UNKNOWN
    if isinstance(node, (cst.Tuple, cst.List)):
        if any(isinstance(element, cst.StarredElement) for element in node.elements):
            return UNKNOWN
        kind = Kind.TUPLE if isinstance(node, cst.Tuple) else Kind.LIST
        return ValueFact(kind, elements=tuple(infer(element.value, ctx) for element in node.elements))
    if isinstance(node, (cst.ListComp, cst.GeneratorExp)):
        return ValueFact(Kind.LIST, elements=(_comprehension_element(node, node.elt, ctx),))
    if isinstance(node, cst.Dict):
        if any(not isinstance(element, cst.DictElement) for element in node.elements):
            return UNKNOWN
        return ValueFact(
            Kind.DICT,
            elements=tuple(infer(element.value, ctx) for element in node.elements),
            string_keys=all(_string_literal(element.key) for element in node.elements),  # type: ignore[union-attr]
        )
    if isinstance(node, cst.DictComp):
        key = node.key
        string_key = _string_literal(key) or (
            isinstance(key, cst.Call) and isinstance(key.func, cst.Name) and key.func.value == "str"
        )
        return ValueFact(
            Kind.DICT, elements=(_comprehension_element(node, node.value, ctx),), string_keys=string_key
        )
    if isinstance(node, cst.NamedExpr):
        return infer(node.value, ctx)
    return UNKNOWN


def _string_literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))


def _comprehension_element(
    node: Union[cst.ListComp, cst.GeneratorExp, cst.DictComp], element: cst.BaseExpression, ctx: InferenceContext
) -> ValueFact:
    """The fact of a comprehension's element, with its loop variables unknown (they shadow outer names)."""
    shadowed = dict(ctx.locals)
    clause: Optional[cst.CompFor] = node.for_in
    while clause is not None:
        for name in _target_names(clause.target):
            shadowed[name] = UNKNOWN
        clause = clause.inner_for_in
    return infer(element, replace(ctx, locals=shadowed))


def _target_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _target_names(element.value)]
    return []


def _is_slice(node: cst.Subscript) -> bool:
    return any(isinstance(element.slice, cst.Slice) for element in node.slice)
