"""What the analysis knows about a value: the facts that tensor inference produces and rules read."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Optional


class Kind(enum.Enum):
    """The broad kind of a Python value, as far as registration on an ``nn.Module`` is concerned."""

    TENSOR = "tensor"  # a plain torch.Tensor (not a Parameter)
    TENSOR_SEQUENCE = "tensor sequence"  # a tuple/list of tensors returned by torch (chunk, split, ...)
    PARAMETER = "parameter"  # an nn.Parameter
    BUFFER = "buffer"  # an nn.Buffer (torch >= 2.5): registers itself as a buffer on assignment
    MODULE = "module"  # an nn.Module instance
    NONE = "None"
    LITERAL = "literal"  # a number, string, bytes or bool literal
    TUPLE = "tuple"  # a tuple display whose elements are known one by one
    LIST = "list"  # a list display, list comprehension or list(...) of one
    DICT = "dict"  # a dict display or dict comprehension; ``elements`` are the values
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ValueFact:
    """Facts about one value.

    ``requires_grad`` is True only when the value is known to require grad; ``leaf`` tells whether such a
    tensor is a leaf (a factory call with ``requires_grad=True``) or the result of an operation on one.
    ``floating`` is True/False when the dtype is known to be floating point or not, None when unknown.
    """

    kind: Kind
    requires_grad: bool = False
    leaf: bool = True
    floating: Optional[bool] = None
    elements: tuple[ValueFact, ...] = field(default=())  # of a tuple/list/dict (one for a comprehension)
    string_keys: bool = False  # a dict whose keys are all string literals (or a comprehension over str keys)
    string: Optional[str] = None  # the value of a string literal
    # For an UNKNOWN value, what its annotation declares (torchlint.analysis.parameters): "optional tensor"
    # for ``Optional[Tensor]``, a tensor unless it is None.
    declared: Optional[str] = None
    partial: Optional[object] = None  # the ``functools.partial(f, ...)`` call that made this callable
    integer: bool = False  # a Python int: an integer literal, or a parameter annotated ``int``

    @property
    def is_tensor(self) -> bool:
        return self.kind is Kind.TENSOR

    @property
    def is_container(self) -> bool:
        return self.kind in (Kind.TUPLE, Kind.LIST, Kind.DICT)

    @property
    def is_tensor_like(self) -> bool:
        """A tensor of any flavour: plain, Parameter or nn.Buffer."""
        return self.kind in (Kind.TENSOR, Kind.PARAMETER, Kind.BUFFER)

    def but(self, **changes: object) -> ValueFact:
        return replace(self, **changes)  # type: ignore[arg-type]


UNKNOWN = ValueFact(Kind.UNKNOWN)
NONE = ValueFact(Kind.NONE)
LITERAL = ValueFact(Kind.LITERAL)
INTEGER = ValueFact(Kind.LITERAL, integer=True)
INT_PARAMETER = ValueFact(Kind.UNKNOWN, integer=True)  # its value is unknown, its type is not
TENSOR = ValueFact(Kind.TENSOR)
PARAMETER = ValueFact(Kind.PARAMETER, floating=True)
MODULE = ValueFact(Kind.MODULE)


def merge(a: ValueFact, b: ValueFact) -> ValueFact:
    """The fact that holds after control flow joins two paths that produced ``a`` and ``b``."""
    if a == b:
        return a
    if a.kind is b.kind and not a.is_container:
        return ValueFact(
            a.kind,
            requires_grad=a.requires_grad and b.requires_grad,
            leaf=a.leaf and b.leaf,
            floating=a.floating if a.floating == b.floating else None,
        )
    return UNKNOWN
