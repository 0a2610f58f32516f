"""Models for the runtime audit: each bug line ends with a comment naming the code the audit reports."""

from __future__ import annotations

import torch
from torch import nn


class Clean(nn.Module):
    def __init__(self, n: int = 4) -> None:
        super().__init__()
        self.proj = nn.Linear(n, n)
        self.register_buffer("mask", torch.ones(n, n), persistent=False)
        self.scale = nn.Parameter(torch.ones(n))
        self.blocks = nn.ModuleList([nn.Linear(n, n) for _ in range(2)])
        self.n = n
        self.shape = torch.Size([n, n])
        self.names = ["proj", "blocks"]
        self.aliases = [self.proj, self.blocks[0]]  # aliases of registered modules: harmless
        self.weights = (self.proj.weight, self.scale)  # aliases of registered parameters: harmless


class Attention(nn.Module):
    def __init__(self, n: int = 4) -> None:
        super().__init__()
        self.qkv = nn.Linear(n, 3 * n)
        self.mask = torch.tril(torch.ones(n, n, dtype=torch.bool))  # TL001
        self.temperature = torch.ones(1, requires_grad=True)  # TL002
        self.mask = self.mask.clone()  # a second plain tensor: the first assignment stays the site


class Encoder(nn.Module):
    def __init__(self, n_layers: int = 2, n: int = 4) -> None:
        super().__init__()
        self.layers = nn.ModuleList([Attention(n) for _ in range(n_layers)])


class Net(nn.Module):
    def __init__(self, n_layers: int = 2, n: int = 4) -> None:
        super().__init__()
        self.encoder = Encoder(n_layers, n)
        self.heads = [nn.Linear(n, n), nn.Linear(n, 2)]  # TL003
        self.scales = [nn.Parameter(torch.ones(n))]  # TL004
        self.cache = {"positions": torch.arange(n)}  # TL004
        self.shared = self.encoder.layers[0]  # a registered submodule under a second name: visited once


def build_net(n_layers: int = 2, *, n: int = 4) -> Net:
    return Net(n_layers=n_layers, n=n)


class Nested(nn.Module):
    """A module inside a plain dict of lists: found, reported, and audited inside."""

    def __init__(self) -> None:
        super().__init__()
        self.groups = {"a": [Attention(4)]}  # TL003


class Metric(nn.Module):
    """Moves its own tensors in _apply (as torchmetrics does): plain tensors and tensor lists are fine."""

    def __init__(self) -> None:
        super().__init__()
        self.total = torch.zeros(())
        self.preds: list[torch.Tensor] = [torch.zeros(3)]
        self.learned = torch.zeros(1, requires_grad=True)  # TL002
        self.extra = [nn.Parameter(torch.zeros(1))]  # TL004

    def _apply(self, fn, recurse=True):  # type: ignore[no-untyped-def]
        this = super()._apply(fn, recurse)
        this.total = fn(this.total)
        this.preds = [fn(p) for p in this.preds]
        return this


class SetattrOverride(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.table = torch.zeros(2)  # TL001

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, value)


class Raises(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.partial = nn.Linear(2, 2)
        raise ValueError("bad config:\nhidden size must be even")


def chatty() -> Clean:
    print("building the model...")
    return Clean()


def not_a_module() -> int:
    return 42


def exits() -> None:
    raise SystemExit(3)


NOT_CALLABLE = 3
