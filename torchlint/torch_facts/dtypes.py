"""Which dtypes are floating point: ``Module.half()`` / ``.to(dtype)`` cast floating tensors only.

Used to tell whether registering a tensor as a buffer could change its numbers (see TL001's fix safety).
"""

from __future__ import annotations

from typing import Optional

_FLOATING = {"float", "float16", "float32", "float64", "half", "double", "bfloat16",
             "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz"}
# Complex dtypes are neither: Module.half() leaves complex tensors alone, but Module.to(torch.float64) casts
# them (dropping the imaginary part), so a complex buffer is not safe from dtype casts.
_NOT_FLOATING = {"bool", "uint8", "int8", "int16", "int32", "int64", "short", "int", "long",
                 "uint16", "uint32", "uint64"}


def dtype_is_floating(qualified: Optional[str]) -> Optional[bool]:
    """``torch.bool`` -> False, ``torch.float16`` -> True, anything else -> None (unknown)."""
    if qualified is None or not qualified.startswith("torch.") or qualified.count(".") != 1:
        return None
    name = qualified[len("torch."):]
    if name in _FLOATING:
        return True
    if name in _NOT_FLOATING:
        return False
    return None


# Tensor methods whose result dtype is fixed by the method itself.
METHOD_RESULT_FLOATING: dict[str, bool] = {
    "float": True, "double": True, "half": True, "bfloat16": True,
    "bool": False, "byte": False, "char": False, "short": False, "int": False, "long": False,
    "argmax": False, "argmin": False, "argsort": False, "nonzero": False, "eq": False, "ne": False,
    "lt": False, "le": False, "gt": False, "ge": False, "isnan": False, "isinf": False,
    "isfinite": False, "logical_not": False, "logical_and": False, "logical_or": False,
    "logical_xor": False,
}

# torch functions whose result is never floating point, whatever their arguments.
FUNCTION_RESULT_NOT_FLOATING = frozenset(
    {"torch.randint", "torch.randperm", "torch.randint_like", "torch.argmax", "torch.argmin",
     "torch.argsort", "torch.nonzero", "torch.eq", "torch.ne", "torch.lt", "torch.le", "torch.gt",
     "torch.ge", "torch.isnan", "torch.isinf", "torch.isfinite", "torch.logical_not",
     "torch.logical_and", "torch.logical_or", "torch.logical_xor", "torch.tril_indices",
     "torch.triu_indices", "torch.bucketize", "torch.searchsorted"}
)

# torch functions and Tensor methods whose result is floating point exactly when their first tensor
# argument is (the dtype itself may change, e.g. cumsum of bool gives int64, which is still not floating).
FLOATNESS_PRESERVING = frozenset(
    {"tril", "triu", "flip", "roll", "transpose", "reshape", "view", "unsqueeze", "squeeze", "expand",
     "repeat", "clone", "contiguous", "t", "permute", "masked_fill", "flatten", "narrow", "select",
     "index_select", "repeat_interleave", "detach", "cpu", "cuda", "diag", "zeros_like", "ones_like",
     "empty_like", "full_like", "cat", "stack", "concat", "concatenate", "expand_as", "view_as",
     "reshape_as", "unfold", "movedim", "swapaxes", "tile", "cumsum", "abs", "neg", "maximum",
     "minimum", "clamp", "clip", "sort", "gather"}
)
