"""TL007 wrong-type-for-registered-name: exactly the assignments that raise TypeError, with the error text."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_helpers import findings
from rule_fixture_runtime import check_error_agreement, expected, fixture_paths, static

PATHS = fixture_paths("tl007")


def test_there_are_fixtures() -> None:
    assert sum(code == "TL007" for path in PATHS for _, code in expected(path)) >= 18


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_findings_are_the_expected_lines(path: Path) -> None:
    assert sorted(static(path)) == sorted(expected(path))


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_findings_promise_the_runtime_error(path: Path) -> None:
    check_error_agreement(path, "TL007", "TypeError")


def test_augmented_assignment_is_not_reported() -> None:
    source = """
        import torch
        from torch import nn

        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.weight = nn.Parameter(torch.ones(3))
                with torch.no_grad():
                    self.weight += 1
    """
    assert findings(source) == []


def test_unknown_values_are_not_reported() -> None:
    source = """
        import torch
        from torch import nn

        class M(nn.Module):
            def __init__(self, weight, layer):
                super().__init__()
                self.weight = nn.Parameter(torch.ones(3))
                self.weight = weight
                self.proj = nn.Linear(3, 3)
                self.proj = layer
                self.register_buffer("mean", torch.zeros(3))
                self.mean = make_mean()
    """
    assert findings(source) == []
