"""Rotary position embeddings whose cache is built in a helper called from __init__."""

import torch
from torch import Tensor, nn


class RotaryEmbedding(nn.Module):
    def __init__(self, dim: int = 16, max_len: int = 32, base: float = 10000.0) -> None:
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self._build_cache(max_len)

    def _build_cache(self, length: int) -> None:
        t = torch.arange(length, dtype=self.inv_freq.dtype)
        freqs = torch.outer(t, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.cos_cached = emb.cos()
        self.sin_cached = emb.sin()

    def forward(self, x: Tensor) -> Tensor:
        n = x.shape[-2]
        return x * self.cos_cached[:n] + x * self.sin_cached[:n]
