"""TL010 fixture: tensors stored on the module while forward (or a hook) runs.

Every class builds with no arguments and is called on ``torch.ones(2, 4)``. An "expect" comment marks the
lines TL010 must report; "no-fix" those it must report without a fix, and "unsafe" those whose fix is unsafe.
At runtime, after the call, each reported attribute is a plain tensor in the instance ``__dict__`` that was
not one after construction. A "known-miss" line stores such a tensor where the analysis cannot tell it is one.
"""

import torch
from torch import Tensor, nn

# --- reported, with a fix --------------------------------------------------------------------------------


class CachedAttention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attn = None

    def forward(self, x: Tensor) -> Tensor:
        self.attn = x.softmax(-1)  # expect: TL010
        return x * self.attn


class FreshTensorInForward(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x: Tensor) -> Tensor:
        self.noise = torch.randn(4)  # expect: TL010
        return self.proj(x) + self.noise


class ForwardHookOnChild(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.proj.register_forward_hook(self._save)

    def _save(self, module: nn.Module, inputs: tuple, output: Tensor) -> None:
        self.features = output.detach()  # expect: TL010

    def forward(self, x):
        return self.proj(x)


class PreHookOnSelf(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_forward_pre_hook(self._mark)

    def _mark(self, module: nn.Module, args: tuple) -> None:
        self.seen = torch.ones(1)  # expect: TL010

    def forward(self, x):
        return x


class HelperCalledFromForward(nn.Module):
    def __init__(self) -> None:
        super().__init__()

    def _remember(self, x: Tensor) -> None:
        self.memory = x.detach().clone()  # expect: TL010

    def forward(self, x: Tensor) -> Tensor:
        self._remember(x)
        return x


class SetattrInForward(nn.Module):
    def __init__(self) -> None:
        super(SetattrInForward, self).__init__()  # noqa: UP008 - the old spelling is the point

    def forward(self, x: Tensor) -> Tensor:
        name = "stash"
        setattr(self, name, x * 2)  # expect: TL010
        return x


class AnnotatedInForward(nn.Module):
    def __init__(self) -> None:
        nn.Module.__init__(self)

    def forward(self, x: Tensor) -> Tensor:
        self.scores: Tensor = x.sigmoid()  # expect: TL010
        return self.scores


class TwoAssignmentsOneDeclaration(nn.Module):
    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        if x.sum() > 0:
            self.last = x.mean(0)  # expect: TL010
        else:
            self.last = x.amax(0)  # expect: TL010
        return x


class OtherWriteUnknown(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.prev = self._initial()

    def _initial(self):
        return None

    def forward(self, x: Tensor) -> Tensor:
        self.prev = x.mean(0)  # expect: TL010  (unsafe: self.prev is also set from an unknown call)
        return x


# --- reported, without a fix -----------------------------------------------------------------------------


class NoOwnInit(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        self.last = x + 1  # expect: TL010  (no-fix: no __init__ to declare it in)
        return x


class Base(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = 2.0


class InheritsInit(Base):
    def forward(self, x: Tensor) -> Tensor:
        self.scaled = x * self.scale  # expect: TL010  (no-fix: __init__ is the base's)
        return self.scaled


class ProbesWithHasattr(nn.Module):
    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        if not hasattr(self, "cache"):
            self.cache = x.clone()  # expect: TL010  (no-fix: hasattr would become true)
        return x + self.cache


class NonTensorElsewhere(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.total = 0

    def forward(self, x: Tensor) -> Tensor:
        self.total = x.sum()  # expect: TL010  (no-fix: a buffer rejects the int)
        return x


class ClassAttributeOfSameName(nn.Module):
    cached = None

    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        self.cached = x.exp()  # expect: TL010  (no-fix: class attribute)
        return x


class AssignedBeforeSuperInit(nn.Module):
    def __init__(self) -> None:
        self.state = None
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        self.state = x.tanh()  # expect: TL010  (no-fix: register_buffer would raise KeyError)
        return x


# --- not reported ----------------------------------------------------------------------------------------


class RegisteredBuffer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("running", torch.zeros(4))
        self.register_buffer("cache", None, persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        self.running = x.mean(0)
        self.cache = x.detach()
        return x


class NonTensorValues(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, x: Tensor) -> Tensor:
        self.calls = self.calls + 1
        self.shape = x.shape
        self.batch = x.size(0)
        self.peak = x.max().item()
        return x


class TensorFirstAssignedInInit(nn.Module):
    """TL001 reports the __init__ line; TL010 stays silent."""

    def __init__(self) -> None:
        super().__init__()
        self.table = torch.zeros(4)

    def forward(self, x: Tensor) -> Tensor:
        self.table = x[0]
        return x


class ManagesOwnTensors(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.state = None

    def _apply(self, fn, recurse=True):
        if self.state is not None:
            self.state = fn(self.state)
        return super()._apply(fn, recurse)

    def forward(self, x: Tensor) -> Tensor:
        self.state = x.mean(0)
        return x


class SubmoduleOutput(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x):
        self.out = self.proj(x)  # known-miss: the result of calling a submodule is not known to be a tensor
        return self.out
