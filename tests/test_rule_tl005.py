"""TL005 registration-before-super-init: the findings are exactly the statements that raise, with their errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_helpers import findings
from rule_fixture_runtime import check_error_agreement, expected, fixture_paths, static

PATHS = fixture_paths("tl005")


def test_there_are_fixtures() -> None:
    assert len(PATHS) >= 1
    assert sum(code == "TL005" for path in PATHS for _, code in expected(path)) >= 12


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_findings_are_the_expected_lines(path: Path) -> None:
    assert sorted(static(path)) == sorted(expected(path))


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_findings_promise_the_runtime_error(path: Path) -> None:
    check_error_agreement(path, "TL005", "AttributeError")


def test_add_module_error_names_the_class() -> None:
    source = """
        import torch
        from torch import nn

        class Late(nn.Module):
            def __init__(self):
                self.add_module("act", nn.ReLU())
                super().__init__()
    """
    assert findings(source) == [(7, 9, "TL005")]


@pytest.mark.parametrize(
    "body",
    [
        # a KeyError comes first: the name is malformed
        'self.add_module("a.b", nn.ReLU())',
        # a TypeError comes first: not a module
        'self.add_module("act", 3)',
    ],
)
def test_add_module_reports_only_when_the_modules_error_comes_first(body: str) -> None:
    source = f"""
        import torch
        from torch import nn

        class Late(nn.Module):
            def __init__(self):
                {body}
                super().__init__()
    """
    assert "TL005" not in [code for _, _, code in findings(source)]


def test_custom_setattr_is_not_reported() -> None:
    source = """
        import torch
        from torch import nn

        class Lazy(nn.Module):
            def __setattr__(self, name, value):
                object.__setattr__(self, name, value)

            def __init__(self):
                self.proj = nn.Linear(2, 2)
                super().__init__()
    """
    assert findings(source) == []


def test_explicit_init_of_an_outside_base_is_not_reported() -> None:
    # torch/ao/nn/intrinsic/qat/modules/conv_fused.py: the outside base's __init__ runs nn.Module.__init__
    source = """
        import torch
        from torch import nn
        from torch.nn.parameter import Parameter

        class ConvBn(nn.modules.conv._ConvNd):
            def __init__(self, bias=True):
                nn.modules.conv._ConvNd.__init__(self, 2, 2, (1,), (1,), (0,), (1,), False, (0,), 1, False, "zeros")
                self.bn = nn.BatchNorm1d(2)
                self.register_parameter("extra", None)
                self.bias = Parameter(torch.empty(2))
    """
    assert findings(source) == []
