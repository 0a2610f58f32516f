"""The same ideas, registered correctly: torchlint reports nothing here."""

import torch
from torch import nn


class Normalizer(nn.Module):
    def __init__(self, features: int = 8) -> None:
        super().__init__()
        self.register_buffer("running_mean", torch.zeros(features))
        self.register_buffer("steps", torch.zeros((), dtype=torch.long), persistent=False)
        self.gain = nn.Parameter(torch.ones(features))
        self.eps = torch.finfo(torch.float32).eps
        self.device_hint = torch.device("cpu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.running_mean) * self.gain
