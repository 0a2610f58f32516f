# ruff: noqa: B010, UP008 - the fixture spells registrations the ways users do
"""TL005: registering state before nn.Module.__init__ has run. Each class raises on construction where marked."""

import torch
import torch.nn as nn
from torch import nn as tnn


class ParameterFirst(nn.Module):
    def __init__(self):
        self.weight = nn.Parameter(torch.ones(4))  # expect: TL005
        super().__init__()


class ModuleFirst(nn.Module):
    def __init__(self):
        self.proj = nn.Linear(4, 4)  # expect: TL005
        super().__init__()


class BufferFirst(nn.Module):
    def __init__(self):
        self.mask = nn.Buffer(torch.ones(4))  # expect: TL005
        super().__init__()


class RegisterBufferFirst(nn.Module):
    def __init__(self):
        self.register_buffer("mask", torch.ones(4))  # expect: TL005
        super().__init__()


class RegisterNoneBufferFirst(nn.Module):
    def __init__(self):
        self.register_buffer("cache", None, persistent=False)  # expect: TL005
        super().__init__()


class RegisterParameterFirst(nn.Module):
    def __init__(self):
        self.register_parameter("bias", nn.Parameter(torch.zeros(4)))  # expect: TL005
        super().__init__()


class AddModuleFirst(nn.Module):
    def __init__(self):
        self.add_module("act", nn.ReLU())  # expect: TL005
        super().__init__()


class RegisterModuleFirst(tnn.Module):
    def __init__(self):
        self.register_module("act", tnn.GELU())  # expect: TL005
        super().__init__()


class AddModuleOverPlainAttribute(nn.Module):
    def __init__(self):
        self.act = None
        self.add_module("act", nn.ReLU())  # expect: TL005
        super().__init__()


class NeverCallsSuperInit(nn.Module):
    def __init__(self):
        self.dim = 4
        self.proj = nn.Linear(self.dim, self.dim)  # expect: TL005


class HelperBeforeSuperInit(nn.Module):
    def __init__(self):
        self._build(4)
        super().__init__()

    def _build(self, dim):
        self.proj = nn.Linear(dim, dim)  # expect: TL005


class SetattrFirst(nn.Module):
    def __init__(self):
        setattr(self, "scale", nn.Parameter(torch.ones(1)))  # expect: TL005
        nn.Module.__init__(self)


class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(4)


class ChildRegistersBeforeBaseInit(Base):
    def __init__(self):
        self.head = nn.Linear(4, 2)  # expect: TL005
        Base.__init__(self)


class SuperOldSpelling(nn.Module):
    def __init__(self):
        self.layers = nn.ModuleList([nn.Linear(4, 4)])  # expect: TL005
        super(SuperOldSpelling, self).__init__()


# --- not reported: these construct fine ---------------------------------------------------------------------


class PlainValuesFirst(nn.Module):
    def __init__(self, dim=4):
        self.dim = dim
        self.name = "block"
        self.scale = dim**-0.5
        super().__init__()
        self.proj = nn.Linear(dim, dim)


class ExplicitModuleInit(nn.Module):
    def __init__(self):
        torch.nn.Module.__init__(self)
        self.weight = nn.Parameter(torch.ones(4))
        self.register_buffer("mask", torch.ones(4))
        self.add_module("act", nn.ReLU())


class InitInEveryBranch(nn.Module):
    def __init__(self, fast=True):
        if fast:
            super().__init__()
        else:
            nn.Module.__init__(self)
        self.proj = nn.Linear(4, 4)


class InitInOneBranch(nn.Module):
    # Raises only when flag is False; the rule reports definite errors, so this is not reported.
    def __init__(self, flag=True):
        if flag:
            super().__init__()
        self.proj = nn.Linear(4, 4)


class ChildRegistersAfterBaseInit(Base):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(4, 2)
