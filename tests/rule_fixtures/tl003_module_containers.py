"""TL003 fixture: modules kept in plain lists, tuples and dicts, and the look-alikes that are fine.

Every class builds with no arguments. An "expect" comment marks the lines TL003 must report, and "no-fix"
those it must report without a fix. At runtime each reported attribute holds modules that the instance
does not register, and no other attribute does.
"""

import torch
from torch import nn


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x):
        return self.proj(x)


# --- reported --------------------------------------------------------------------------------------------


class OnlyLayersInList(nn.Module):
    """The list is the only state: an optimizer over parameters() gets nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = [nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2)]  # expect: TL003

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class Comprehension(nn.Module):
    def __init__(self, depth: int = 3) -> None:
        super().__init__()
        self.stem = nn.Linear(4, 4)
        self.blocks = [Block() for _ in range(depth)]  # expect: TL003


class GeneratorInList(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.heads = list(nn.Linear(4, 2) for _ in range(2))  # expect: TL003


class TupleDisplay(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pair = (nn.Linear(4, 4), nn.Linear(4, 4))  # expect: TL003


class TupleWithoutParentheses(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pair = nn.Linear(4, 4), nn.LayerNorm(4)  # expect: TL003


class TupleCall(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stages = tuple([nn.Conv1d(4, 4, 1), nn.BatchNorm1d(4)])  # expect: TL003


class DictDisplay(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.heads = {"cls": nn.Linear(4, 2), "box": nn.Linear(4, 4)}  # expect: TL003


class DictComprehension(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.towers = {f"tower{i}": Block() for i in range(2)}  # expect: TL003


class DictComprehensionOverNames(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.experts = {name: nn.Linear(4, 4) for name in ("text", "image")}  # expect: TL003


class LocalListThenAttribute(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layers = [nn.Linear(4, 4), nn.GELU()]
        self.layers = layers  # expect: TL003


class AppendedToAttribute(nn.Module):
    def __init__(self, depth: int = 2) -> None:
        super().__init__()
        self.layers = []  # expect: TL003
        for _ in range(depth):
            self.layers.append(nn.Linear(4, 4))


class AppendedToLocal(nn.Module):
    def __init__(self, depth: int = 2) -> None:
        super().__init__()
        blocks = []
        for _ in range(depth):
            block = Block()
            block.proj.weight.data.zero_()
            blocks.append(block)
        self.blocks = blocks  # expect: TL003


class ExtendedLocal(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layers = [nn.Linear(4, 4)]
        layers.extend([nn.ReLU(), nn.Linear(4, 4)])
        self.layers = layers  # expect: TL003


class FilledDict(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.heads = {}  # expect: TL003
        for name in ("left", "right"):
            self.heads[name] = nn.Linear(4, 4)


class HelperBuildsElements(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stages = [self._make_stage(i) for i in range(2)]  # expect: TL003

    def _make_stage(self, index: int) -> nn.Module:
        return nn.Sequential(nn.Linear(4, 4), nn.ReLU())


class BuiltInHelperMethod(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self._build()

    def _build(self) -> None:
        self.decoders = [nn.Linear(4, 4) for _ in range(2)]  # expect: TL003


class SubclassInheritsList(OnlyLayersInList):
    """Reported through its base: the base's line is the one reported."""


class MixedElements(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.parts = [nn.Linear(4, 4), 3]  # expect: TL003  (no-fix: 3 is not a module)


class IntegerKeys(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.by_level = {0: nn.Linear(4, 4), 1: nn.Linear(4, 4)}  # expect: TL003  (no-fix: int keys)


class KeyIsModuleDictAttribute(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.modes = {"train": nn.Linear(4, 4), "eval": nn.Linear(4, 4)}  # expect: TL003  (no-fix)


class DottedKey(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.branches = {"a.b": nn.Linear(4, 4)}  # expect: TL003  (no-fix: ModuleDict rejects dots)


class ListMethodModuleListLacks(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = [nn.Linear(4, 4), nn.Linear(4, 4)]  # expect: TL003  (no-fix: reverse)
        self.layers.reverse()


class DictMethodModuleDictLacks(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.heads = {"a": nn.Linear(4, 4)}  # expect: TL003  (no-fix: get)

    def forward(self, x):
        head = self.heads.get("a")
        return head(x)


class NestedContainers(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.groups = {"encoder": [Block(), Block()], "decoder": [Block()]}  # expect: TL003  (no-fix: nested)


class BeforeSuperInit(nn.Module):
    def __init__(self) -> None:
        self.layers = [nn.Linear(4, 4)]  # expect: TL003  (no-fix: before super().__init__())
        super().__init__()


# --- not reported ----------------------------------------------------------------------------------------


class ModuleListOfLocal(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layers = [nn.Linear(4, 4) for _ in range(2)]
        self.layers = nn.ModuleList(layers)
        self.more = nn.ModuleList([nn.Linear(4, 4)])
        self.heads = nn.ModuleDict({"a": nn.Linear(4, 2)})


class AppendThenWrap(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = []
        for _ in range(2):
            self.layers.append(nn.Linear(4, 4))
        self.layers = nn.ModuleList(self.layers)


class PlainValues(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.widths = [4, 8, 16]
        self.names = ["q", "k", "v"]
        self.dtypes = [torch.float32, torch.bfloat16]
        self.shape = (2, 4)
        self.shapes = ((2, 4), (4, 4))
        self.options = {"eps": 1e-5, "act": "gelu"}
        self.empty = []
        self.kinds = [nn.Linear, nn.Conv2d]


class SequentialOfList(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layers = [nn.Linear(4, 4), nn.ReLU()]
        self.net = nn.Sequential(*layers)


class ListAlsoRegisteredBySequential(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layers = [nn.Linear(4, 4), nn.ReLU()]
        self.net = nn.Sequential(*layers)
        self.layers = layers


class ListAlsoRegisteredByAddModule(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layers = [nn.Linear(4, 4), nn.Linear(4, 4)]
        for index, layer in enumerate(layers):
            self.add_module(f"layer{index}", layer)
        self.layers = layers


class ReferencesToRegistered(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Linear(4, 4)
        self.decoder = nn.Linear(4, 4)
        self.both = [self.encoder, self.decoder]
        self.by_name = {"encoder": self.encoder}
        self.first = (self.both[0],)


class NestedReferences(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Linear(4, 4)
        self.routes = {"main": [self.encoder], "skip": []}


class LocalAlsoAssignedToSelf(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        encoder = nn.Linear(4, 4)
        self.encoder = encoder
        self.pipeline = [encoder]


class HelperReturnsRegistered(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Linear(4, 4)
        self.view = [self._current()]

    def _current(self) -> nn.Module:
        return self.encoder


class ListWrappedLaterInHelper(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = [nn.Linear(4, 4), nn.Linear(4, 4)]
        self._register()

    def _register(self) -> None:
        self.stack = nn.Sequential(*self.layers)
