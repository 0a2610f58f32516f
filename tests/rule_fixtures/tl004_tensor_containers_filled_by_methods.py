"""TL004 fixture (issue 15, pattern b across methods): plain containers created empty in ``__init__`` and filled by another method that construction runs
(peft's adapter layers: ``self.scaling = {}`` in the layer's ``__init__``, filled per adapter by
``self.update_layer(...)``), each with a twin that construction leaves empty or fills with no tensor.

Every class builds with no arguments. An "expect" comment marks the lines TL004 must report (all without a
fix: there is no registered container for plain tensors); at runtime exactly those attributes hold tensors
the instance does not register.
"""

import torch
from torch import nn


class AdapterTables(nn.Module):
    def __init__(self, adapters=("default", "extra")) -> None:
        super().__init__()
        self.offsets = {}  # expect: TL004  (no-fix: plain tensors)
        self.history = []  # expect: TL004  (no-fix: plain tensors)
        self.sizes = {}  # holds ints only: nothing to register
        for name in adapters:
            self.update_layer(name)

    def update_layer(self, name: str) -> None:
        self.offsets[name] = torch.zeros(4)
        self.sizes[name] = 4
        self._remember(name)

    def _remember(self, name: str) -> None:
        self.history.append(torch.ones(2))


class LayerBase:
    """Not a module: the tables are created here, and filled by the module subclass's construction."""

    def __init__(self) -> None:
        self.masks = {}  # expect: TL004  (no-fix: plain tensors)


class MaskedLinear(nn.Module, LayerBase):
    def __init__(self) -> None:
        nn.Module.__init__(self)
        LayerBase.__init__(self)
        self.linear = nn.Linear(4, 4)
        self.update_layer("default")

    def update_layer(self, name: str) -> None:
        self.masks[name] = torch.ones(4, dtype=torch.bool)


class FilledInForward(nn.Module):
    """Filled only when forward runs: empty when construction ends (a per-call cache, not TL004's)."""

    def __init__(self) -> None:
        super().__init__()
        self.cache = {}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.remember(x)
        return x

    def remember(self, x: torch.Tensor) -> None:
        self.cache["last"] = x.detach()
