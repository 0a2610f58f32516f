"""A generated source tree for the scaling benchmark: a handful of realistic model files, replicated.

The tree is a package ``synthetic_models`` split into groups of ``GROUP_SIZE`` files. Each group is a
sub-package with its own ``common.py`` (a base block) that the other files of the group import and subclass,
so project-wide base resolution is exercised the way it is on a real code base. Every copy gets a unique
suffix in its class names, so no two files have the same content. About half the files have findings.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

GROUP_SIZE = 50

COMMON = '''"""Blocks shared by the models of this group."""

import torch
from torch import nn


class Block{n}(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, dim)
        self.register_buffer("step", torch.zeros((), dtype=torch.long))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.fc(self.norm(x))
'''

# Findings: TL001 (mask), TL002 (temperature).
ATTENTION = '''"""Causal self-attention."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention{n}(nn.Module):
    def __init__(self, dim: int = 64, heads: int = 4, max_len: int = 128) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.mask = torch.tril(torch.ones(max_len, max_len, dtype=torch.bool))
        self.temperature = torch.ones(heads, 1, 1, requires_grad=True)
        self.scale = 1.0 / math.sqrt(dim // heads)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (z.view(b, t, self.heads, -1).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) * self.scale * self.temperature
        scores = scores.masked_fill(~self.mask[:t, :t], float("-inf"))
        out = self.dropout(F.softmax(scores, dim=-1)) @ v
        return self.proj(out.transpose(1, 2).reshape(b, t, c))


class MultiQueryAttention{n}(nn.Module):
    def __init__(self, dim: int = 64, heads: int = 8) -> None:
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim // heads)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = self.q(x)
        k, v = self.kv(x).chunk(2, dim=-1)
        weights = torch.softmax(q @ k.transpose(-2, -1), dim=-1)
        return self.out(weights @ v)
'''

# Findings: TL003 (a plain list of layers).
MLP = '''"""Feed-forward stacks."""

from typing import List

import torch
from torch import nn


class MLP{n}(nn.Module):
    def __init__(self, dim: int, hidden: int, depth: int = 3) -> None:
        super().__init__()
        self.layers = [nn.Linear(dim if i == 0 else hidden, hidden) for i in range(depth)]
        self.head = nn.Linear(hidden, dim)
        self.act = nn.GELU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = self.act(layer(x))
        return self.head(x)


class GatedMLP{n}(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.gate = nn.Linear(dim, hidden)
        self.up = nn.Linear(dim, hidden)
        self.down = nn.Linear(hidden, dim)
        self.blocks = nn.ModuleList([nn.Identity() for _ in range(2)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(torch.nn.functional.silu(self.gate(x)) * self.up(x))


def widths(dims: List[int]) -> List[int]:
    return [d * 4 for d in dims]
'''

# Clean: buffers registered, cache built in a helper.
ROTARY = '''"""Rotary position embeddings."""

import torch
from torch import Tensor, nn


class RotaryEmbedding{n}(nn.Module):
    def __init__(self, dim: int = 32, max_len: int = 256, base: float = 10000.0) -> None:
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self.max_len = max_len
        self._build_cache(max_len)

    def _build_cache(self, length: int) -> None:
        t = torch.arange(length, dtype=self.inv_freq.dtype)
        freqs = torch.outer(t, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos(), persistent=False)
        self.register_buffer("sin_cached", emb.sin(), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        n = x.shape[-2]
        return x * self.cos_cached[:n] + x * self.sin_cached[:n]
'''

# Cross-file: subclasses the group's common block; finding TL001 (running mean as a plain tensor).
ENCODER = '''"""An encoder built on the group's shared block."""

import torch
from torch import nn

from .common import Block{n}


class EncoderLayer{n}(Block{n}):
    def __init__(self, dim: int, heads: int = 4) -> None:
        super().__init__(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.running_mean = torch.zeros(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y, _ = self.attn(x, x, x)
        return super().forward(x + y)


class Encoder{n}(nn.Module):
    def __init__(self, dim: int, depth: int = 2) -> None:
        super().__init__()
        self.layers = nn.ModuleList([EncoderLayer{n}(dim) for _ in range(depth)])
        self.pos = nn.Parameter(torch.zeros(1, 512, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.pos[:, : x.shape[1]]
        for layer in self.layers:
            x = layer(x)
        return x
'''

# Clean convolutional blocks.
CONV = '''"""Convolutional stem and residual blocks."""

import torch
import torch.nn as nn


class ConvBNAct{n}(nn.Sequential):
    def __init__(self, cin: int, cout: int, k: int = 3, stride: int = 1) -> None:
        super().__init__(
            nn.Conv2d(cin, cout, k, stride, k // 2, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )


class ResidualBlock{n}(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = ConvBNAct{n}(channels, channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(channels)
        self.scale = nn.Parameter(torch.ones(channels, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x + self.scale * self.bn(self.conv2(self.conv1(x))))
'''

# A file without torch at all (configs, utilities): real trees are full of them.
CONFIG = '''"""Model configuration."""

from dataclasses import dataclass, field
from typing import Dict, List


@dataclass
class ModelConfig{n}:
    dim: int = 256
    depth: int = 6
    heads: int = 8
    dropout: float = 0.1
    widths: List[int] = field(default_factory=lambda: [64, 128, 256])
    extra: Dict[str, str] = field(default_factory=dict)

    def scaled(self, factor: float) -> "ModelConfig{n}":
        return ModelConfig{n}(dim=int(self.dim * factor), depth=self.depth, heads=self.heads)
'''

TEMPLATES: Sequence[tuple[str, str]] = (
    ("attention", ATTENTION), ("mlp", MLP), ("rotary", ROTARY), ("encoder", ENCODER), ("conv", CONV),
    ("config", CONFIG),
)


def generate(root: str, count: int) -> str:
    """Write a package of exactly ``count`` .py files under ``root``; return the package directory."""
    package = os.path.join(root, "synthetic_models")
    os.makedirs(package, exist_ok=True)
    with open(os.path.join(package, "__init__.py"), "w", encoding="utf-8") as handle:
        handle.write('"""Generated for the torchlint scaling benchmark."""\n')
    written = 1
    group = 0
    while written < count:
        directory = os.path.join(package, f"group_{group:04d}")
        os.makedirs(directory, exist_ok=True)
        files = [("__init__.py", ""), ("common.py", COMMON.format(n=group))]
        index = 0
        while len(files) < GROUP_SIZE:
            stem, template = TEMPLATES[index % len(TEMPLATES)]
            suffix = f"{group}_{index}"
            files.append((f"{stem}_{index:03d}.py", template.format(n=suffix).replace(
                f"Block{suffix}", f"Block{group}")))
            index += 1
        for name, text in files[: count - written]:
            with open(os.path.join(directory, name), "w", encoding="utf-8") as handle:
                handle.write(text)
            written += 1
        group += 1
    return package
