"""A tiny package the oracle test builds: each class shows one kind of runtime truth (see the line comments)."""

import torch
from torch import nn


class Everything(nn.Module):
    def __init__(self):
        super().__init__()
        self.mask = torch.ones(3)  # positive TL001
        self.scale = torch.zeros(2, requires_grad=True)  # positive TL002
        self.layers = [nn.Linear(2, 2)]  # positive TL003
        self.weights = [torch.ones(1)]  # positive TL004
        self.tmp = torch.ones(1)  # neutral: replaced below
        self.tmp = None
        self.lin = nn.Linear(2, 2)
        self.alias = [self.lin]  # neutral: alias of a registered module
        self.sizes = [1, 2]  # harmless: no site
        self.offsets = nn.Buffer(torch.zeros(2))  # registered: no site


class MovesOwn(nn.Module):
    def __init__(self):
        super().__init__()
        self.state = torch.zeros(2)  # neutral: _apply moves it

    def _apply(self, fn, recurse=True):
        self.state = fn(self.state)
        return super()._apply(fn, recurse)


class MovesOwnList(nn.Module):
    def __init__(self):
        super().__init__()
        self.states = [torch.zeros(2)]  # neutral: _apply moves the list's tensors in place

    def _apply(self, fn, recurse=True):
        self.states[:] = [fn(state) for state in self.states]
        return super()._apply(fn, recurse)


class ClearsCacheList(nn.Module):
    def __init__(self):
        super().__init__()
        self.history = [torch.zeros(2)]  # positive TL004: _apply is overridden but leaves the list alone
        self._cache = {}

    def _apply(self, fn, recurse=True):
        self._cache = {}
        return super()._apply(fn, recurse)


class FakeTo(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = torch.zeros(2)  # positive TL001: to() is overridden but moves nothing itself

    def to(self, *args, **kwargs):
        return super().to(*args, **kwargs)


class Later(nn.Module):
    def __init__(self):
        super().__init__()
        self.setup()

    def setup(self):
        self.cache = torch.ones(2)  # positive TL001 in a method other than __init__


class NeedsArgument(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.never = torch.ones(size)  # not built: needs an argument


class StridedHead(nn.Module):
    def __init__(self, levels):  # built only inside Detector
        super().__init__()
        self.stride = torch.zeros(levels)  # neutral: the holding model's _apply moves it


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = StridedHead(3)

    def _apply(self, fn, recurse=True):
        self = super()._apply(fn, recurse)
        self.head.stride = fn(self.head.stride)
        return self
