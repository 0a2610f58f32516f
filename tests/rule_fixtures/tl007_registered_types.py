# ruff: noqa: B010 - the fixture spells assignments the ways users do
"""TL007: values that nn.Module.__setattr__ rejects for a name already registered."""

import torch
import torch.nn as nn


class ParameterGetsTensor(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(4))
        self.weight = self.weight / 4  # expect: TL007


class ParameterGetsNumber(nn.Module):
    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(4))
        self.bias = 0.0  # expect: TL007


class ParameterPlaceholderGetsTensor(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_parameter("gain", None)
        self.gain = torch.ones(4)  # expect: TL007


class ParameterGetsModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Parameter(torch.eye(4))
        self.proj = nn.Linear(4, 4)  # expect: TL007


class ParameterGetsBuffer(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = nn.Parameter(torch.ones(4))
        self.table = nn.Buffer(torch.zeros(4))  # expect: TL007


class ParameterRescaledInForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4))

    def forward(self, x):
        self.scale = self.scale.clamp(min=0.0)  # expect: TL007
        return x * self.scale


class ParameterSetWithSetattr(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_parameter("shift", nn.Parameter(torch.zeros(4)))
        setattr(self, "shift", torch.zeros(4))  # expect: TL007


class BufferGetsFloat(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("eps", torch.tensor(1e-5))
        self.eps = 1e-5  # expect: TL007


class BufferGetsNegativeInt(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("ignore_index", torch.tensor(-100))
        self.ignore_index = -100  # expect: TL007


class BufferPlaceholderGetsList(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("history", None, persistent=False)
        self.history = []  # expect: TL007


class BufferGetsString(nn.Module):
    def __init__(self):
        super().__init__()
        self.mode = nn.Buffer(torch.zeros(1))
        self.mode = "train"  # expect: TL007


class BufferGetsTuple(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("shape", torch.tensor([2, 4]))
        self.shape = (2, 4)  # expect: TL007


class BufferCountedInForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))

    def forward(self, x):
        self.calls = 0  # expect: TL007
        return x


class SubmoduleGetsTensor(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.proj = torch.eye(4)  # expect: TL007


class SubmoduleGetsList(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList()
        self.layers = [nn.Linear(4, 4), nn.ReLU()]  # expect: TL007


class SubmodulePlaceholderGetsFlag(nn.Module):
    def __init__(self):
        super().__init__()
        self.add_module("norm", None)
        self.norm = False  # expect: TL007


class TupleTargets(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("low", torch.zeros(1))
        self.high = nn.Parameter(torch.ones(1))
        self.low, self.high = 0, torch.ones(1)  # expect: TL007


class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(4))


class ChildOverwritesBaseParameter(Base):
    def __init__(self):
        super().__init__()
        self.weight = torch.randn(4)  # expect: TL007


# --- not reported: these construct (and run) fine ---------------------------------------------------------


class AllowedValues(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(4))
        self.weight = None
        self.weight = nn.Parameter(torch.ones(4) * 2)
        self.register_buffer("mean", torch.zeros(4))
        self.mean = torch.ones(4)
        self.mean = None
        self.register_buffer("var", torch.zeros(4))
        self.var = nn.Parameter(torch.ones(4))  # re-registered as a parameter
        self.register_buffer("extra", torch.zeros(4))
        self.extra = nn.Identity()  # re-registered as a submodule
        self.proj = nn.Linear(4, 4)
        self.proj = None
        self.proj = nn.Parameter(torch.ones(4))  # re-registered as a parameter


class InPlaceUpdates(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(4))
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))
        with torch.no_grad():
            self.weight.copy_(torch.full((4,), 0.5))

    def forward(self, x):
        self.steps += 1
        self.steps = self.steps + 1
        return x * self.weight


class MaybeRegistered(nn.Module):
    def __init__(self, learnable=False):
        super().__init__()
        if learnable:
            self.scale = nn.Parameter(torch.ones(4))
        else:
            self.scale = torch.ones(4)  # expect: TL001
        self.scale = self.scale * 2


class CustomSetattr(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(4))
        self.weight = 1.0

    def __setattr__(self, name, value):
        if name == "weight" and not isinstance(value, nn.Parameter):
            value = nn.Parameter(torch.full((4,), float(value)))
        super().__setattr__(name, value)


class DeletedByNameThenList(nn.Module):  # timm's repghost: the submodules are deleted before the lists
    def __init__(self):
        super().__init__()
        self.fusion_conv = nn.Conv2d(2, 2, 1)
        self.fusion_bn = nn.BatchNorm2d(2)
        self.__delattr__("fusion_conv")
        delattr(self, "fusion_bn")
        self.fusion_conv = []
        self.fusion_bn = []


class OtherNameDeletedThenList(nn.Module):
    def __init__(self):
        super().__init__()
        self.fusion_conv = nn.Conv2d(2, 2, 1)
        self.fusion_bn = nn.BatchNorm2d(2)
        self.__delattr__("fusion_bn")
        self.fusion_conv = []  # expect: TL007
