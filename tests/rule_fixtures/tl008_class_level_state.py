"""TL008: state in the class body of a module, and None class attributes that hide submodules."""

from typing import Optional

import torch
import torch.nn as nn
from torch import Tensor


class ClassLevelTensor(nn.Module):
    pad = torch.zeros(1, 4)  # expect: TL008

    def forward(self, x):
        return torch.cat([x, self.pad.expand(x.shape[0], -1)], dim=0)


class ClassLevelAnnotatedTensor(nn.Module):
    eps: Tensor = torch.tensor(1e-6)  # expect: TL008

    def forward(self, x):
        return x + self.eps


class ClassLevelParameter(nn.Module):
    gain = nn.Parameter(torch.ones(4))  # expect: TL008

    def forward(self, x):
        return x * self.gain


class ClassLevelBuffer(nn.Module):
    offsets = nn.Buffer(torch.arange(4.0))  # expect: TL008

    def forward(self, x):
        return x + self.offsets


class ClassLevelDropout(nn.Module):
    dropout = nn.Dropout(0.5)  # expect: TL008

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x):
        return self.dropout(self.proj(x))


class NoneHidesEncoder(nn.Module):
    encoder: Optional[nn.Module] = None  # expect: TL008

    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(4, 4)

    def forward(self, x):
        return self.encoder(x)


class BaseWithNoneHead(nn.Module):
    head = None  # expect: TL008

    def forward(self, x):
        return x if self.head is None else self.head(x)


class ChildSetsHead(BaseWithNoneHead):
    def __init__(self, classes=2):
        super().__init__()
        if classes:
            self.head = nn.Linear(4, classes)


class SharedDefaultProjection(nn.Module):
    default_proj = nn.Linear(4, 4)  # expect: TL008

    def __init__(self, proj=True):
        super().__init__()
        self.proj = self.default_proj if proj is True else nn.Identity()

    def forward(self, x):
        return self.proj(x)


class EmptyPlaceholder(nn.Module):
    anchors = torch.empty(0)  # expect: TL008

    def forward(self, x):
        if self.anchors.shape != x.shape:
            self.anchors = torch.ones_like(x)
        return x + self.anchors


# --- not reported -------------------------------------------------------------------------------------------


class DefaultActivation(nn.Module):  # ultralytics' Conv: the instance assignment registers the shared SiLU
    default_act = nn.SiLU()

    def __init__(self, act=True):
        super().__init__()
        self.conv = nn.Linear(4, 4)
        self.act = self.default_act if act is True else act if isinstance(act, nn.Module) else nn.Identity()

    def forward(self, x):
        return self.act(self.conv(x))


class DepthwiseDefaultActivation(DefaultActivation):
    def __init__(self):
        super().__init__(act=True)


class SharedDefaultDropout(nn.Module):  # registered on each instance, so eval() reaches it; it holds no state
    default_drop = nn.Dropout(0.1)

    def __init__(self):
        super().__init__()
        self.drop = type(self).default_drop

    def forward(self, x):
        return self.drop(x)


class ClassLevelActivation(nn.Module):  # never registered, but there is nothing to register
    act = nn.GELU()

    def forward(self, x):
        return self.act(x)


class ClassLevelConstants(nn.Module):
    dim = 4
    names = ("q", "k", "v")
    dtype = torch.float32
    device = torch.device("cpu")
    activation = nn.ReLU  # a class, not a module instance
    proj: Optional[nn.Module]
    cache = None

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(self.dim, self.dim)
        self.cache = {}


class InstanceReplacesDefault(nn.Module):
    table = torch.zeros(4)

    def __init__(self):
        super().__init__()
        self.table = torch.ones(4)  # expect: TL001


class NotAModule:
    weights = torch.ones(4)
    layer = nn.Linear(4, 4)
