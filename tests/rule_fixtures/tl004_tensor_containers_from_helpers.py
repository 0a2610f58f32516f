"""TL004 fixture (issue 15, pattern b): containers of tensors or Parameters that a helper builds and returns,
stored by ``__init__``, and twins whose helper hands back state held elsewhere.

The helper is a method of the class or a top-level function of the file; it returns a display, a
comprehension, or a local list/dict it fills with ``append``/``[key] = ...``. Every class builds with no
arguments. An "expect" comment marks the lines TL004 must report, and "no-fix" those it must report without a
fix. At runtime each reported attribute holds a Parameter or tensor that the instance does not register, and
no other attribute does.
"""

from collections.abc import Sequence

import torch
from torch import Tensor, nn


def make_grid_dict(n: int):
    return {"x": torch.arange(n), "y": torch.arange(n) * 2}


def make_tables(n: int):
    tables = []
    for i in range(n):
        tables.append(torch.full((2,), float(i)))
    return tables


def pair(first, second):
    return (first, second)


# --- reported --------------------------------------------------------------------------------------------


class PrecomputedByMethod(nn.Module):
    def __init__(self, n: int = 3) -> None:
        super().__init__()
        self.freqs = self._precompute(n)  # expect: TL004  (no-fix: plain tensors)

    def _precompute(self, n: int):
        out = []
        for i in range(n):
            out.append(torch.arange(i + 1).float())
        return out


class GridFromFunction(nn.Module):
    def __init__(self, n: int = 2) -> None:
        super().__init__()
        self.grid = make_grid_dict(n)  # expect: TL004  (no-fix: plain tensors)
        self.tables = make_tables(n)  # expect: TL004  (no-fix: plain tensors)


class ComprehensionByMethod(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scales = self._scales((1, 2))  # expect: TL004  (no-fix: plain tensors)

    def _scales(self, sizes: Sequence[int]):
        return tuple(torch.ones(size) for size in sizes)


class ParametersByMethod(nn.Module):
    """Parameters made by a helper: the fix wraps the call in nn.ParameterList."""

    def __init__(self, n: int = 2) -> None:
        super().__init__()
        self.prompts = self._make_prompts(n)  # expect: TL004

    def _make_prompts(self, n: int):
        return [nn.Parameter(torch.zeros(4)) for _ in range(n)]


# --- not reported ----------------------------------------------------------------------------------------


class HelperReturnsRegisteredState(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(2))
        self.register_buffer("scale", torch.ones(2))
        self.views = self._views()
        self.both = pair(self.weight, self.scale)

    def _views(self):
        return [self.weight, self.scale]


class HelperRegistersTheElements(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.tables = self._tables(2)  # each element is registered as a buffer too

    def _tables(self, n: int):
        tables = [torch.ones(n), torch.zeros(n)]
        for i, table in enumerate(tables):
            self.register_buffer(f"table{i}", table)
        return tables


class HelperRegistersWhatItReturns(nn.Module):
    def __init__(self, n: int = 2) -> None:
        super().__init__()
        self.names = self._register(n)  # strings

    def _register(self, n: int):
        names = []
        for i in range(n):
            tensor = torch.zeros(2)
            self.register_buffer(f"t{i}", tensor)
            names.append(f"t{i}")
        return names


class HelperOfAnnotatedTensors(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("a", torch.ones(2))
        self.items = self._items([self.a])  # the helper returns the registered buffer itself

    def _items(self, tensors: Sequence[Tensor]):
        return [t for t in tensors]


class ModulesFromHelper(nn.Module):
    """Modules in a list from a helper, registered through nn.Sequential too."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = self._layers()
        self.net = nn.Sequential(*self.layers)

    def _layers(self):
        return [nn.Linear(2, 2), nn.ReLU()]
