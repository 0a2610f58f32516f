"""TL004 fixture: Parameters and tensors kept in plain lists, tuples and dicts, and look-alikes that are fine.

Every class builds with no arguments. An "expect" comment marks the lines TL004 must report, and "no-fix"
those it must report without a fix. At runtime each reported attribute holds a Parameter or tensor that the
instance does not register, and no other attribute does.
"""

import torch
from torch import nn

# --- reported: Parameters --------------------------------------------------------------------------------


class OnlyParametersInList(nn.Module):
    """The list is the only state: an optimizer over parameters() gets nothing."""

    def __init__(self, n: int = 3) -> None:
        super().__init__()
        self.weights = [nn.Parameter(torch.randn(4)) for _ in range(n)]  # expect: TL004

    def forward(self, x):
        return sum(x * w for w in self.weights)


class ParameterTuple(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale_shift = (nn.Parameter(torch.ones(4)), nn.Parameter(torch.zeros(4)))  # expect: TL004


class ParameterDictDisplay(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.gains = {"text": nn.Parameter(torch.ones(1)), "image": nn.Parameter(torch.ones(1))}  # expect: TL004


class ParametersAppended(nn.Module):
    def __init__(self, n: int = 2) -> None:
        super().__init__()
        self.prompts = []  # expect: TL004
        for _ in range(n):
            self.prompts.append(nn.Parameter(torch.zeros(4)))


class ParametersInLocal(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        bias = nn.Parameter(torch.zeros(4))
        params = [nn.Parameter(torch.ones(4)), bias]
        self.params = params  # expect: TL004


class ParameterDictComprehension(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.temperatures = {name: nn.Parameter(torch.ones(())) for name in ("a", "b")}  # expect: TL004


class ParameterListWithInsert(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weights = [nn.Parameter(torch.ones(4))]  # expect: TL004  (no-fix: ParameterList has no insert)
        self.weights.insert(0, nn.Parameter(torch.zeros(4)))


class ParameterAndTensor(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.mixed = [nn.Parameter(torch.ones(4)), torch.zeros(4)]  # expect: TL004  (no-fix: a plain tensor)


class ParameterDottedKey(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.by_path = {"encoder.scale": nn.Parameter(torch.ones(1))}  # expect: TL004  (no-fix: dotted key)


# --- reported: plain tensors (never fixed) ---------------------------------------------------------------


class TensorList(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.anchors = [torch.zeros(2), torch.ones(2)]  # expect: TL004  (no-fix)


class TensorDict(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        positions = torch.arange(4.0)
        self.tables = {"sin": torch.sin(positions), "cos": torch.cos(positions)}  # expect: TL004  (no-fix)


class TensorComprehension(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.masks = [torch.ones(4, dtype=torch.bool) for _ in range(2)]  # expect: TL004  (no-fix)


class MeshgridTuple(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.grid = torch.meshgrid(torch.arange(4), torch.arange(4), indexing="ij")  # expect: TL004  (no-fix)


class ChunkedTensor(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.halves = torch.ones(4, 4).chunk(2)  # expect: TL004  (no-fix)


class TensorsAppended(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.levels = []  # expect: TL004  (no-fix)
        for scale in (1.0, 2.0):
            self.levels.append(torch.full((4,), scale))


class NestedTensors(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pyramid = [[torch.zeros(2), torch.zeros(4)], [torch.ones(2)]]  # expect: TL004  (no-fix)


# --- not reported ----------------------------------------------------------------------------------------


class RegisteredContainers(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weights = nn.ParameterList([nn.Parameter(torch.ones(4)) for _ in range(2)])
        self.gains = nn.ParameterDict({"a": nn.Parameter(torch.ones(1))})


class ReferencesToRegistered(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(4))
        self.bias = nn.Parameter(torch.zeros(4))
        self.register_buffer("mean", torch.zeros(4))
        self.affine = [self.weight, self.bias]
        self.stats = (self.mean,)


class LocalsRegisteredToo(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        std = torch.ones(4)
        self.register_buffer("std", std)
        scale = nn.Parameter(torch.ones(4))
        self.scale = scale
        self.pair = (std, scale)


class PlainValues(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.shape = (4, 4)
        self.eps = [1e-5, 1e-6]
        self.dtypes = {"compute": torch.float32, "storage": torch.bfloat16}
        self.cache = []
        self.sizes = [torch.ones(2).shape[0], torch.ones(3).size(-1)]


class ManagesOwnTensors(nn.Module):
    """Moves its plain tensors itself, as torchmetrics.Metric does."""

    def __init__(self) -> None:
        super().__init__()
        self.states = [torch.zeros(4)]

    def _apply(self, fn, recurse=True):
        self.states = [fn(state) for state in self.states]
        return super()._apply(fn, recurse)


class StackedIntoBuffer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        xs, ys = torch.meshgrid(torch.arange(4), torch.arange(4), indexing="ij")
        self.register_buffer("grid", torch.stack([xs, ys]))
