"""torchlint's list of the names every nn.Module has (it must not import torch) against the installed torch."""

from __future__ import annotations

import torch
from torch import nn

from torchlint.torch_facts.module_attributes import (
    MODULE_CLASS_ATTRIBUTES,
    MODULE_INSTANCE_ATTRIBUTES,
    module_has,
    stored_name,
)


def test_class_attributes_are_those_of_the_installed_nn_module() -> None:
    assert {name for name in dir(nn.Module) if not name.startswith("__")} <= MODULE_CLASS_ATTRIBUTES


def test_instance_attributes_are_those_nn_module_init_sets() -> None:
    assert set(nn.Module().__dict__) <= MODULE_INSTANCE_ATTRIBUTES


def test_module_has_agrees_with_register_buffer() -> None:
    module = nn.Module()
    for name in ["to", "training", "_buffers", "mask", "weight"]:
        try:
            module.register_buffer(name, torch.ones(1))
        except KeyError:
            raised = True
        else:
            raised = False
        assert module_has(name) == raised, name
    assert not module_has("training", initialised=False)


def test_stored_name_is_the_mangled_name_python_uses() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.__x = 1
            self.__y__ = 2
            self._z = 3

    class __Hidden:  # noqa: N801 - all leading underscores are stripped before mangling
        def __init__(self) -> None:
            self.__x = 1

    assert {"_Net__x", "__y__", "_z"} <= set(vars(Net()))
    assert [stored_name(name, "Net") for name in ["__x", "__y__", "_z"]] == ["_Net__x", "__y__", "_z"]
    assert stored_name("__x", "__Hidden") in vars(__Hidden())
    assert stored_name("__x", "___") == "__x"
