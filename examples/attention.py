"""A small causal self-attention block with the registration bugs torchlint finds."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, dim: int = 32, heads: int = 4, max_len: int = 16) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        # Not registered: missing from state_dict() and left behind by model.to("cuda").
        self.mask = torch.tril(torch.ones(max_len, max_len, dtype=torch.bool))
        # Requires grad but is not a Parameter: no optimizer will ever train it.
        self.temperature = torch.ones(heads, 1, 1, requires_grad=True)
        self.scale = 1.0 / math.sqrt(dim // heads)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (z.view(b, t, self.heads, -1).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) * self.scale * self.temperature
        scores = scores.masked_fill(~self.mask[:t, :t], float("-inf"))
        out = F.softmax(scores, dim=-1) @ v
        return self.proj(out.transpose(1, 2).reshape(b, t, c))
