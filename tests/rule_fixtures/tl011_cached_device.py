"""TL011: a device or dtype cached in __init__ and used for tensors after construction."""

import torch
import torch.nn as nn


class CachedDeviceParameter(nn.Module):
    def __init__(self, device="cpu"):
        super().__init__()
        self.proj = nn.Linear(4, 4, device=device)
        self.device = device  # expect: TL011

    def forward(self, x):
        return self.proj(x) + torch.zeros(4, device=self.device)


class CachedDtypeConstant(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.compute_dtype = torch.float32  # expect: TL011

    def forward(self, x):
        return self.proj(x.to(self.compute_dtype))


class CachedTorchDevice(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4))
        self.home = torch.device("cpu")  # expect: TL011

    def forward(self, x):
        steps = torch.arange(x.shape[-1], device=self.home)
        return x * self.scale + steps


class CachedFromWeight(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.weight_dtype = self.proj.weight.dtype  # expect: TL011

    def forward(self, x):
        return self.proj(x) * self.mask(x.shape[-1])

    def mask(self, n):
        return torch.ones(n, dtype=self.weight_dtype)


class CachedDefaultDtype(nn.Module):
    def __init__(self, dtype=None):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(4))
        self.param_dtype = dtype or torch.get_default_dtype()  # expect: TL011

    def forward(self, x):
        return x * self.gain + torch.full((4,), 0.5, dtype=self.param_dtype)


class CachedWeightDtype(nn.Module):  # peft's layers: crash in forward after model.to(torch.bfloat16)
    def __init__(self):
        super().__init__()
        self.base = nn.Linear(4, 4)
        self.adapter = nn.Linear(4, 4, bias=False)
        self.dtype = self.base.weight.dtype  # expect: TL011

    def forward(self, x):
        return self.base(x) + self.adapter(x.to(self.dtype))


class OneCallerKeepsTheCachedDevice(nn.Module):  # the twin of MovedAgainByEveryCaller, with one more caller
    def __init__(self, length=4, device="cpu"):
        super().__init__()
        self.length = length
        self.device = device  # expect: TL011
        self.emb = nn.Embedding(length, 4)

    def forward(self, x):
        return x + self.emb(self.positions(x.shape[0]).to(x.device)).sum(1)

    def offsets(self):
        return self.emb.weight[0] + self.positions(1)  # these positions stay on the cached device

    def positions(self, batch):
        positions = torch.arange(self.length)
        positions = positions.repeat(batch, 1).to(self.device)
        return positions


# --- not reported -------------------------------------------------------------------------------------------


class UsedWhileBuilding(nn.Module):
    def __init__(self, device="cpu"):
        super().__init__()
        self.device = device
        self.register_buffer("mask", torch.ones(4, device=self.device))
        self._build()

    def _build(self):
        self.proj = nn.Linear(4, 4, device=self.device)

    def forward(self, x):
        return self.proj(x) * self.mask


class RefreshedInForward(nn.Module):
    def __init__(self, device="cpu"):
        super().__init__()
        self.device = device

    def forward(self, x):
        self.device = x.device
        return x + torch.zeros(4, device=self.device)


class DerivedFromInput(nn.Module):
    def __init__(self, dtype=torch.float32):
        super().__init__()
        self.proj = nn.Linear(4, 4, dtype=dtype)

    def forward(self, x):
        return self.proj(x) + torch.zeros(4, device=x.device, dtype=x.dtype)


class MovesItsOwnState(nn.Module):
    def __init__(self, device="cpu"):
        super().__init__()
        self.device = torch.device(device)

    def _apply(self, fn, recurse=True):
        self.device = fn(torch.empty(0, device=self.device)).device
        return super()._apply(fn, recurse)

    def forward(self, x):
        return x + torch.zeros(4, device=self.device)


class ChosenIntegerDtype(nn.Module):  # an integer output dtype must not follow .half()
    def __init__(self, compact=True):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.dtype = torch.uint8 if compact else torch.int32

    def forward(self, x):
        codes = torch.zeros(x.shape, dtype=self.dtype)
        return self.proj(x), codes


class DevicePropertyInstead(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)

    @property
    def device(self):
        return self.proj.weight.device

    def forward(self, x):
        return self.proj(x) + torch.zeros(4, device=self.device)


class MovedAgainByEveryCaller(nn.Module):  # pytorch_forecasting's embedding_cat_variables
    def __init__(self, length=4, device="cpu"):
        super().__init__()
        self.length = length
        self.device = device
        self.emb = nn.Embedding(length, 4)

    def forward(self, x, device=None):
        device = x.device if device is None else device
        return x + self.emb(self.positions(x.shape[0]).to(device)).sum(1)

    def positions(self, batch):
        positions = torch.arange(self.length)
        positions = positions.repeat(batch, 1).to(self.device)  # moved again by every caller
        return positions


class QuantizedLinear(nn.Module):  # diffusers' BFL and nunchaku layers: packed weights, a compute dtype of their own
    def __init__(self, compute_dtype=torch.float32):
        super().__init__()
        self.qweight = nn.Parameter(torch.ones(4, 4, dtype=torch.int8), requires_grad=False)
        self.register_buffer("scale", torch.full((4, 1), 0.5))
        self.compute_dtype = compute_dtype

    def forward(self, x):
        weight = self.qweight.to(self.compute_dtype) * self.scale.to(self.compute_dtype)
        return torch.nn.functional.linear(x.to(self.compute_dtype), weight).to(x.dtype)


def dequantize_rows(weight):
    return weight.float()


class DequantizedWhenUsed(nn.Linear):  # diffusers' GGUFLinear: the checkpoint's loader packs the weight
    def __init__(self, compute_dtype=torch.float32):
        super().__init__(4, 4, bias=False)
        self.compute_dtype = compute_dtype

    def forward(self, x):
        weight = dequantize_rows(self.weight).to(self.compute_dtype)
        return torch.nn.functional.linear(x.to(self.compute_dtype), weight).to(x.dtype)
