"""What overrides of ``_apply``, ``to`` and ``cuda`` move, read from their source: the shapes real packages
use (torchmetrics, transformers, torchrl, ultralytics)."""

from __future__ import annotations

import pytest

from torchlint.runtime.override_effects import EVERYTHING, NOTHING, OverrideEffect, effect_of_source

CASES = {
    "torchmetrics Metric._apply walks its states": ('''
def _apply(self, fn, exclude_state=()):
    this = super()._apply(fn)
    for key, value in this._defaults.items():
        current_val = getattr(this, key)
        if isinstance(current_val, Tensor):
            setattr(this, key, fn(current_val))
    return this
''', EVERYTHING),
    "transformers PreTrainedModel.to validates": ('''
def to(self, *args, **kwargs):
    if getattr(self, "quantization_method", None) == "bitsandbytes":
        if "dtype" in kwargs:
            raise ValueError("You cannot cast a bitsandbytes model in a new `dtype`.")
    return super().to(*args, **kwargs)
''', NOTHING),
    "torchrl Transform.to empties a cache": ('''
def to(self, *args, **kwargs):
    self.empty_cache()
    return super().to(*args, **kwargs)
''', NOTHING),
    "torchrl EnvBase.to moves specs kept in __dict__": ('''
def to(self, device):
    device = torch.device(device)
    self.__dict__["_input_spec"] = self.input_spec.to(device).lock_()
    self._device = device
    return super().to(device)
''', OverrideEffect(own=frozenset({"_input_spec"}))),
    "ultralytics BaseModel._apply moves its head's strides": ('''
def _apply(self, fn):
    self = super()._apply(fn)
    m = self.model[-1]
    if isinstance(m, Detect):
        m.stride = fn(m.stride)
        m.anchors = fn(m.anchors)
    return self
''', OverrideEffect(others=frozenset({"stride", "anchors"}))),
    "a to() that moves two names of the returned module": ('''
    def to(self, *args, **kwargs):
        module = super().to(*args, **kwargs)
        module.cache = module.cache.to(*args, **kwargs)
        module.index = module.index.to(*args, **kwargs)
        return module
''', OverrideEffect(own=frozenset({"cache", "index"}))),
    "cuda() as nn.Module writes it": ('''
def cuda(self, device=None):
    return self._apply(lambda t: t.cuda(device))
''', NOTHING),
    "a helper given the function": ('''
def _apply(self, fn, recurse=True):
    super()._apply(fn, recurse)
    self._move_states(fn)
    return self
''', EVERYTHING),
    "a function given the instance and the function": ('''
def _apply(self, fn, recurse=True):
    apply_to_states(self, fn)
    return super()._apply(fn, recurse)
''', EVERYTHING),
    "__dict__ under a computed key": ('''
def _apply(self, fn, recurse=True):
    for key in self._names:
        self.__dict__[key] = fn(self.__dict__[key])
    return super()._apply(fn, recurse)
''', EVERYTHING),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_override_effect(name: str) -> None:
    source, expected = CASES[name]
    assert effect_of_source(source) == expected


def test_unreadable_source_moves_everything() -> None:
    assert effect_of_source("def broken(:\n") == EVERYTHING
