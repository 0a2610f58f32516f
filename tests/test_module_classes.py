"""Which classes are nn.Modules: every import spelling, same-file hierarchies, nesting, mixins."""

from __future__ import annotations

import pytest
from lint_helpers import codes, findings

BODY = """
    def __init__(self):
        super().__init__()
        self.mask = torch.ones(3)
"""


@pytest.mark.parametrize(
    ("imports", "base"),
    [
        ("import torch", "torch.nn.Module"),
        ("import torch\nimport torch as th", "th.nn.Module"),
        ("import torch\nimport torch.nn as nn", "nn.Module"),
        ("import torch\nfrom torch import nn", "nn.Module"),
        ("import torch\nfrom torch import nn as tnn", "tnn.Module"),
        ("import torch\nfrom torch.nn import Module", "Module"),
        ("import torch\nfrom torch.nn import Module as Base", "Base"),
        ("import torch", "torch.nn.modules.module.Module"),
        ("import torch\nimport torch.nn", "torch.nn.Module"),
        ("import torch\nfrom torch.nn.modules.module import Module", "Module"),
        ("import torch\nfrom torch import nn", "nn.Linear"),
        ("import torch\nfrom torch import nn", "nn.modules.conv.Conv2d"),
    ],
)
def test_every_import_spelling_of_module(imports: str, base: str) -> None:
    source = f"{imports}\n\nclass M({base}):{BODY}"
    assert codes(source) == ["TL001"], source


def test_alias_of_torch_resolves_tensor_calls() -> None:
    source = """
        import torch as th
        from torch import nn

        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.mask = th.ones(3)
    """
    assert codes(source) == ["TL001"]


@pytest.mark.parametrize(
    "base",
    ["object", "Dataset", "nn.Parameter", "typing.NamedTuple", "SomethingElse", "torch.utils.data.Dataset"],
)
def test_classes_that_are_not_modules_are_never_reported(base: str) -> None:
    source = f"""
        import torch
        import typing
        from torch import nn
        from torch.utils.data import Dataset

        class C({base}):
            def __init__(self):
                super().__init__()
                self.data = torch.ones(3)
    """
    assert codes(source) == []


def test_dataclass_holding_tensors_is_not_reported() -> None:
    source = """
        import dataclasses
        import torch

        @dataclasses.dataclass
        class Batch:
            x: torch.Tensor = dataclasses.field(default_factory=lambda: torch.ones(3))

            def __post_init__(self):
                self.y = torch.zeros(3)
    """
    assert codes(source) == []


def test_same_file_hierarchy_any_depth_and_mixin_position() -> None:
    source = """
        import torch
        from torch import nn

        class Base(nn.Module):
            pass

        class Middle(Base):
            pass

        class Mixin:
            pass

        class Leaf(Mixin, Middle):
            def __init__(self):
                super().__init__()
                self.mask = torch.ones(3)
    """
    assert findings(source) == [(17, 9, "TL001")]


def test_nested_classes_and_classes_inside_functions() -> None:
    source = """
        import torch
        from torch import nn

        class Outer:
            class Inner(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.a = torch.ones(3)

        class Sub(Outer.Inner):
            def __init__(self):
                super().__init__()
                self.b = torch.ones(3)

        def factory():
            class Local(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.c = torch.ones(3)
            return Local()
    """
    assert [line for line, _, _ in findings(source)] == [9, 14, 20]


def test_no_torch_import_means_no_module() -> None:
    source = """
        import nn

        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.mask = torch.ones(3)
    """
    assert codes(source) == []
