"""TL006: register_buffer / register_parameter / add_module names that cannot be registered."""

import torch
import torch.nn as nn


class DottedBufferName(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("stats.mean", torch.zeros(4))  # expect: TL006


class DottedParameterName(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_parameter("gate.weight", nn.Parameter(torch.ones(4)))  # expect: TL006


class DottedModuleName(nn.Module):
    def __init__(self):
        super().__init__()
        self.add_module("encoder.proj", nn.Linear(4, 4))  # expect: TL006


class DottedNameInLocal(nn.Module):
    def __init__(self):
        super().__init__()
        name = "running.var"
        self.register_buffer(name, torch.ones(4))  # expect: TL006


class EmptyBufferName(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("", torch.zeros(4))  # expect: TL006


class EmptyParameterName(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_parameter("", nn.Parameter(torch.zeros(4)))  # expect: TL006


class EmptyModuleName(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_module("", nn.ReLU())  # expect: TL006


class RegisterTheAttribute(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = torch.ones(4)  # expect: TL001
        self.register_buffer("scale", self.scale)  # expect: TL006


class PlaceholderThenRegister(nn.Module):
    def __init__(self):
        super().__init__()
        self.cache = None
        self.register_buffer("cache", torch.zeros(4), persistent=False)  # expect: TL006


class ReadBetween(nn.Module):
    def __init__(self, n=4):
        super().__init__()
        self.freqs = torch.arange(n) * 2.0  # expect: TL001
        self.freqs.mul_(0.5)
        scaled = self.freqs / n
        self.register_buffer("freqs", scaled + self.freqs)  # expect: TL006


class AnnotatedPlaceholder(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight: torch.Tensor = torch.ones(4)  # expect: TL001
        weight = 2
        self.register_parameter("weight", nn.Parameter(self.weight * weight))  # expect: TL006


class ModulePlaceholder(nn.Module):
    def __init__(self):
        super().__init__()
        self.act = None
        self.add_module("act", nn.ReLU())  # expect: TL006


class BufferOverPlainAttribute(nn.Module):
    def __init__(self):
        super().__init__()
        self.steps = 0
        self.steps = nn.Buffer(torch.zeros((), dtype=torch.long))  # expect: TL006


class ClassAttributeTakesName(nn.Module):
    mask = None

    def __init__(self):
        super().__init__()
        self.register_buffer("mask", torch.ones(4, dtype=torch.bool))  # expect: TL006


class MethodTakesName(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("reset", torch.zeros(1))  # expect: TL006

    def reset(self):
        pass


class ModuleAttributeTakesName(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("training", torch.ones(1))  # expect: TL006


class ModuleMethodTakesName(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_parameter("half", nn.Parameter(torch.ones(1)))  # expect: TL006


class ParameterOverClassAttribute(nn.Module):
    gain = 1.0

    def __init__(self):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(4))  # expect: TL006


class ParameterOverBuffer(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("bias", torch.zeros(4))
        self.register_parameter("bias", nn.Parameter(torch.zeros(4)))  # expect: TL006


class SetInHelper(nn.Module):
    def __init__(self):
        super().__init__()
        self._setup()
        self.register_buffer("table", torch.eye(4))  # expect: TL006

    def _setup(self):
        self.table = []


class DottedModuleNameBeforeInit(nn.Module):
    def __init__(self):
        self.add_module("block.act", nn.ReLU())  # expect: TL006
        super().__init__()


class RegisterInForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.cache = None

    def forward(self, x):
        if self.cache is None:
            self.register_buffer("cache", x.detach())  # expect: TL006
        return x


# --- not reported: these construct (and run) fine ---------------------------------------------------------


class RegisterTwice(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("state", None)
        self.register_buffer("state", torch.zeros(4))
        self.add_module("act", None)
        self.add_module("act", nn.ReLU())


class ParameterReplacesPlain(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = None
        self.weight = nn.Parameter(torch.ones(4))
        self.proj = None
        self.proj = nn.Linear(4, 4)


class MaybePlain(nn.Module):
    def __init__(self, legacy=False):
        super().__init__()
        if legacy:
            self.table = None
        self.register_buffer("table", torch.zeros(4))


class MangledName(nn.Module):
    def __init__(self):
        super().__init__()
        self.__cache = 1
        self.register_buffer("__cache", torch.zeros(1))


class ComputedName(nn.Module):
    def __init__(self):
        super().__init__()
        for index in range(2):
            self.register_buffer(f"level_{index}", torch.zeros(1))


class PropertyName(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("_scale", torch.ones(1))

    @property
    def scale(self):
        return self._scale
