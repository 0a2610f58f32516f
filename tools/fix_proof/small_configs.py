"""Small configurations of config-driven model classes (diffusers ``ModelMixin`` / ``ConfigMixin``).

A diffusers model's ``__init__`` arguments are its config (``@register_to_config``), and their defaults
describe the released model: hundreds of millions of parameters, too big to build twice per class on CPU.
:func:`profiles` derives smaller argument sets from the ``__init__`` signature alone, driven by each
argument's name and default, with no per-class table:

- *depth* (an int whose name says layers, blocks or depth, ``num_res_blocks``): 1;
- *width* (an int whose name says dim, channels, hidden, width, ``ch``, ``ff``, ``mlp``, or a tuple/list of
  such ints, ``axes_dims``): divided by one factor for the whole class, so that ratios between widths
  (hidden size / head dimension, the sum of rotary axis dimensions = head dimension) stay what the
  defaults make them. Only defaults that the factor divides and that stay at least 4 are divided; small
  widths (3 input channels, 4 latent channels) are left as they are.

Heads, kernel and patch sizes, multipliers (``ch_mult``) and flags are never touched. Profiles go from the
smallest (depth 1, widths / 32) through depth 1 alone and widths alone (a depth that another argument
indexes, as ShapE's ``insert_direction_at``) to the default; the caller builds each on the meta device and takes the
first that builds under its size limit (and then builds it for real, falling back to the next on error).
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

DEPTH = frozenset({"layers", "blocks", "depth"})  # words of an argument's name
WIDTH = frozenset({"dim", "dims", "channels", "hidden", "width", "ch", "ff", "mlp", "embed", "d"})
NOT_WIDTH = frozenset({"mult", "ratio", "heads", "kernel", "patch", "stride", "groups", "size", "every"})
FACTORS = (32, 16, 8, 4, 2)


def is_config_class(cls: type) -> bool:
    """A class whose ``__init__`` arguments are its config: diffusers ``ConfigMixin`` (``from_config`` and
    ``register_to_config``)."""
    return callable(getattr(cls, "from_config", None)) and callable(getattr(cls, "register_to_config", None))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _defaults(cls: type) -> dict[str, Any]:
    try:
        parameters = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty and p.name != "self"}


def kind(name: str, default: Any) -> str:
    ints = [default] if _is_int(default) else list(default) if isinstance(default, (tuple, list)) else []
    if not ints or not all(_is_int(value) for value in ints):
        return ""
    words = set(name.split("_"))
    if _is_int(default) and words & DEPTH:
        return "depth"
    if name == "hidden_size" or (words & WIDTH and not words & NOT_WIDTH):
        return "width"
    return ""


def _divided(default: Any, factor: int) -> Any:
    def one(value: int) -> int:
        return value // factor if value % factor == 0 and value // factor >= 4 else value

    if _is_int(default):
        return one(default)
    if all(value % factor == 0 and value // factor >= 2 for value in default):  # axis dims: all or none
        return type(default)(value // factor for value in default)
    return default


def shrunk_kwargs(cls: type, factor: int, depth: bool = True) -> dict[str, Any]:
    """The ``__init__`` arguments that differ from their defaults when widths are divided by ``factor``
    (1: none) and, with ``depth``, depths set to 1."""
    kwargs: dict[str, Any] = {}
    for name, default in _defaults(cls).items():
        found = kind(name, default)
        if found == "depth" and depth and default > 1:
            kwargs[name] = 1
        elif found == "width" and factor > 1:
            value = _divided(default, factor)
            if value != default:
                kwargs[name] = value
    return kwargs


def profiles(cls: type) -> list[tuple[str, dict[str, Any]]]:
    """(label, kwargs) from the smallest configuration to the default one, duplicates left out."""
    found: list[tuple[str, dict[str, Any]]] = []
    seen: list[dict[str, Any]] = []
    candidates = [(f"depth 1, widths / {factor}", shrunk_kwargs(cls, factor)) for factor in FACTORS]
    candidates += [("depth 1", shrunk_kwargs(cls, 1))]
    candidates += [(f"widths / {factor}", shrunk_kwargs(cls, factor, depth=False)) for factor in FACTORS]
    candidates += [("default", {})]
    for label, kwargs in candidates:
        label = label if kwargs else "default"
        if kwargs not in seen:
            seen.append(kwargs)
            found.append((label, kwargs))
    return found


def factory(cls: type, kwargs: dict[str, Any]) -> Callable[[], Any]:
    def build() -> Any:
        return cls(**kwargs)

    build.__qualname__ = f"{cls.__name__}({', '.join(f'{k}={v!r}' for k, v in sorted(kwargs.items()))})"
    return build
