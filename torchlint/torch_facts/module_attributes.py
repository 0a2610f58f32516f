"""Names that every ``nn.Module`` instance already has, and the name an attribute is really stored under.

``register_buffer`` and ``register_parameter`` (and so assigning an ``nn.Parameter`` or ``nn.Buffer``) raise
``KeyError: "attribute 'x' already exists"`` when ``hasattr(self, "x")`` is true for another reason; a
submodule assigned under such a name is registered but hidden, because attribute lookup finds the method
first. These are the names every nn.Module has, from torch 2.1 on.
"""

from __future__ import annotations

# Methods and class attributes of nn.Module: dir(nn.Module) without dunder names, as of torch 2.13 (a few,
# such as `compile`, `mtia` and `set_submodule`, came after 2.1: registering under them raises from the
# release that added them). tests/test_module_attributes.py compares this with the installed torch.
MODULE_CLASS_ATTRIBUTES = frozenset({
    "T_destination", "_apply", "_call_impl", "_compiled_call_impl", "_get_backward_hooks",
    "_get_backward_pre_hooks", "_get_name", "_load_from_state_dict", "_maybe_warn_non_full_backward_hook",
    "_named_members", "_register_load_state_dict_pre_hook", "_register_state_dict_hook",
    "_replicate_for_data_parallel", "_save_to_state_dict", "_slow_forward", "_version", "_wrapped_call_impl",
    "add_module", "apply", "bfloat16", "buffers", "call_super_init", "children", "compile", "cpu", "cuda",
    "double", "dump_patches", "eval", "extra_repr", "float", "forward", "get_buffer", "get_extra_state",
    "get_parameter", "get_submodule", "half", "ipu", "load_state_dict", "modules", "mtia", "named_buffers",
    "named_children", "named_modules", "named_parameters", "parameters", "register_backward_hook",
    "register_buffer", "register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook",
    "register_full_backward_pre_hook", "register_load_state_dict_post_hook", "register_load_state_dict_pre_hook",
    "register_module", "register_parameter", "register_state_dict_post_hook", "register_state_dict_pre_hook",
    "requires_grad_", "set_extra_state", "set_submodule", "share_memory", "state_dict", "to", "to_empty",
    "train", "type", "xpu", "zero_grad",
})
# Instance attributes that nn.Module.__init__ puts in the instance __dict__.
MODULE_INSTANCE_ATTRIBUTES = frozenset({
    "_backward_hooks", "_backward_pre_hooks", "_buffers", "_forward_hooks", "_forward_hooks_always_called",
    "_forward_hooks_with_kwargs", "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs",
    "_is_full_backward_hook", "_load_state_dict_post_hooks", "_load_state_dict_pre_hooks", "_modules",
    "_non_persistent_buffers_set", "_parameters", "_state_dict_hooks", "_state_dict_pre_hooks", "training",
})


def module_has(name: str, initialised: bool = True) -> bool:
    """Whether ``hasattr(module, name)`` is true for every nn.Module (``initialised``: after
    ``nn.Module.__init__`` has run, which sets the instance attributes)."""
    return name in MODULE_CLASS_ATTRIBUTES or (initialised and name in MODULE_INSTANCE_ATTRIBUTES)


def stored_name(name: str, class_name: str) -> str:
    """The key ``self.<name>`` written in a method of ``class_name`` is stored under: Python mangles private
    names, so ``self.__x`` in class ``M`` is ``_M__x`` (and ``register_buffer("__x", ...)`` is another name)."""
    stripped = class_name.lstrip("_")
    if name.startswith("__") and not name.endswith("__") and stripped:
        return f"_{stripped}{name}"
    return name
