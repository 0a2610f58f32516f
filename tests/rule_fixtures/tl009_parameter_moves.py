"""TL009 fixture: nn.Parameter(...) followed by a move or cast.

Every class builds with no arguments on a CPU-only machine. An "expect" comment marks the lines TL009 must
report. Most use a move or cast that really happens on the CPU (another dtype, or the "meta" device standing
in for a GPU), so the attribute ends up a plain non-leaf tensor; lines marked "cpu-no-op" move to where the
tensor already is, which hands the Parameter back on the CPU and loses it only on the GPU path.
"""

import torch
from torch import nn

DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
META = torch.device("meta")

# --- reported --------------------------------------------------------------------------------------------


class ToDtype(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(4, 4)).to(torch.float64)  # expect: TL009


class ToDevice(nn.Module):
    """"meta" plays the GPU: a real device move."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(4, 4)).to(META)  # expect: TL009


class Double(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4)).double()  # expect: TL009


class Half(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4)).half()  # expect: TL009


class BFloat16(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4)).bfloat16()  # expect: TL009


class FloatFromDouble(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4, dtype=torch.float64)).float()  # expect: TL009


class TypeCast(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(4)).type(torch.float64)  # expect: TL009


class ChainedMoves(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(4)).to(META).double()  # expect: TL009


class ThroughLocal(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        weight = nn.Parameter(torch.randn(4, 4)).double()
        self.weight = weight  # expect: TL009


class ExpressionData(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(4, 4) * 0.02).double()  # expect: TL009


class KeywordData(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(data=torch.randn(4), requires_grad=True).double()  # expect: TL009


class FrozenParameter(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.table = nn.Parameter(torch.randn(4), requires_grad=False).double()  # expect: TL009


class InHelperMethod(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self._init_weights()

    def _init_weights(self) -> None:
        self.gate = nn.Parameter(torch.zeros(1)).to(dtype=torch.float64)  # expect: TL009


class QualifiedParameter(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.gate = torch.nn.parameter.Parameter(torch.zeros(1)).double()  # expect: TL009


class ToCurrentDevice(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(4)).to(DEVICE)  # expect: TL009  (cpu-no-op: GPU path only)


class FloatOfFloat(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(4)).float()  # expect: TL009  (cpu-no-op)


# --- not reported ----------------------------------------------------------------------------------------


class CastInside(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(4).double())
        self.bias = nn.Parameter(torch.zeros(4).to(META))


class RequiresGradToggle(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(4)).requires_grad_(False)


class MovedWholeModule(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(4))
        self.double()


class ParameterDataReassigned(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(4))
        self.weight.data = self.weight.data.double()
