"""What torch's API returns, as far as the linter needs to know, without importing torch.

The tables of tensor-returning functions, methods and properties are derived from torch's own type stubs by
``tools/generate_torch_api.py`` into ``data/torch_api.json``. The few facts the stubs cannot express (legacy
constructors, Parameter/Buffer classes, which ``torch.nn`` names are layers) are listed here by hand.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

# torch.FloatTensor(...) and friends construct tensors; the stubs declare them as classes.
_LEGACY_FLOATING = ("FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor")
_LEGACY_INTEGRAL = ("ByteTensor", "CharTensor", "ShortTensor", "IntTensor", "LongTensor", "BoolTensor")
LEGACY_CONSTRUCTORS: dict[str, bool] = {
    **{f"{ns}.{name}": True for ns in ("torch", "torch.cuda") for name in _LEGACY_FLOATING},
    **{f"{ns}.{name}": False for ns in ("torch", "torch.cuda") for name in _LEGACY_INTEGRAL},
    "torch.Tensor": True,
}

PARAMETER_CLASSES = frozenset(
    {"torch.nn.Parameter", "torch.nn.parameter.Parameter", "torch.nn.UninitializedParameter",
     "torch.nn.parameter.UninitializedParameter"}
)
BUFFER_CLASSES = frozenset(
    {"torch.nn.Buffer", "torch.nn.parameter.Buffer", "torch.nn.UninitializedBuffer",
     "torch.nn.parameter.UninitializedBuffer"}
)
# Capitalised names under torch.nn that are not nn.Module subclasses.
_NN_NON_MODULES = frozenset({"Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer"})


def is_nn_module_class(qualified: str) -> bool:
    """``torch.nn.Linear``, ``torch.nn.modules.conv.Conv2d``: a layer class shipped with torch.nn."""
    if not qualified.startswith("torch.nn."):
        return False
    parts = qualified.split(".")
    last = parts[-1]
    if not last[:1].isupper() or last in _NN_NON_MODULES:
        return False
    return len(parts) == 3 or parts[2] == "modules"


@dataclass(frozen=True)
class TorchApi:
    tensor_functions: frozenset[str]  # qualified names, e.g. "torch.zeros", "torch.nn.functional.pad"
    sequence_functions: frozenset[str]  # return a tuple/list of tensors, e.g. "torch.chunk"
    tensor_methods: frozenset[str]  # Tensor method names returning a Tensor, e.g. "float", "masked_fill"
    sequence_methods: frozenset[str]
    tensor_properties: frozenset[str]  # e.g. "T", "mT", "data"
    torch_version: str


def _qualified(table: dict[str, list[str]]) -> frozenset[str]:
    return frozenset(f"{namespace}.{name}" for namespace, names in table.items() for name in names)


@functools.cache
def torch_api() -> TorchApi:
    data = json.loads(resources.files("torchlint.torch_facts").joinpath("data/torch_api.json").read_text("utf-8"))
    return TorchApi(
        tensor_functions=_qualified(data["tensor_functions"]),
        sequence_functions=_qualified(data["tensor_sequence_functions"]),
        tensor_methods=frozenset(data["tensor_methods"]),
        sequence_methods=frozenset(data["tensor_sequence_methods"]),
        tensor_properties=frozenset(data["tensor_properties"]),
        torch_version=data["torch_version"],
    )


# Functions the stubs cannot classify as a whole because some overloads return tuples; the calls below
# pick a Tensor-returning overload, judged from the call's shape alone.
_REDUCTIONS = frozenset({"max", "min", "median", "nanmedian"})
_POOLS_WITH_INDICES = frozenset(
    {"max_pool1d", "max_pool2d", "max_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
     "adaptive_max_pool3d", "fractional_max_pool2d", "fractional_max_pool3d"}
)
# Static helpers on torch classes that return tensors (not in the function stubs).
EXTRA_TENSOR_FUNCTIONS = frozenset(
    {"torch.nn.Transformer.generate_square_subsequent_mask"}
)


def mixed_overload_is_tensor(
    name: str, positional: int, keywords: frozenset[str], method: bool, flags_false: frozenset[str]
) -> bool:
    """Whether a call of a mixed-overload torch function or Tensor method surely returns one Tensor.

    ``positional`` counts positional arguments (the receiver excluded for methods); ``flags_false`` holds the
    keyword arguments whose value is the literal False.
    """
    inputs = positional + (0 if method else -1)  # arguments besides the tensor itself
    if name in _REDUCTIONS:
        return inputs == 0 and "dim" not in keywords
    if name == "where":
        return (positional == 3 and not method) or (method and positional == 2)
    if name == "nonzero":
        return "as_tuple" not in keywords or "as_tuple" in flags_false
    if name in _POOLS_WITH_INDICES:
        return not method and ("return_indices" not in keywords or "return_indices" in flags_false)
    return False


def returns_its_argument(qualified: str) -> bool:
    """``torch.nn.init.xavier_uniform_(t)`` and friends fill ``t`` in place and return it."""
    return qualified.startswith("torch.nn.init.") and qualified.endswith("_")
