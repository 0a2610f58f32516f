"""The body plan keeps what it read from each function body by the body's text (the language server plans
the same file on every edit): a plan made after other plans equals one made from nothing."""

from __future__ import annotations

import ast

from torchlint.outline import body_plan
from torchlint.source.lines import physical_lines

BEFORE = '''import torch
from torch import nn


class A(nn.Module):
    def __init__(self):
        super().__init__()
        self.n = 3

    def forward(self, x):
        y = x * self.n
        return y

    def helper(self, x):
        y = x + 1
        return y
'''
# forward now writes self and calls helper: both become needed, though their texts were seen before
AFTER = BEFORE.replace("        y = x * self.n\n", "        self.last = self.helper(x)\n        y = x * self.n\n")


def _spans(text: str) -> list[tuple[int, int]]:
    return [(span.first, span.last) for span in body_plan.masked_spans(ast.parse(text), physical_lines(text))]


def test_a_plan_after_other_plans_equals_a_fresh_one() -> None:
    body_plan._SCANNED.clear()
    fresh_after = _spans(AFTER)
    body_plan._SCANNED.clear()
    fresh_before = _spans(BEFORE)
    assert fresh_before != fresh_after  # the edit changes what is needed
    assert _spans(AFTER) == fresh_after
    assert _spans(BEFORE) == fresh_before
    # the same body under another name of self spells other own methods
    renamed = AFTER.replace("def forward(self, x):\n        self.last = self.helper(x)",
                            "def forward(me, x):\n        self.last = self.helper(x)")
    body_plan._SCANNED.clear()
    fresh_renamed = _spans(renamed)
    _spans(AFTER)
    assert _spans(renamed) == fresh_renamed


def test_what_a_kept_scan_found_is_all_carried_over() -> None:
    """Every fact a body's scan finds (TL011's "a rule reports in it" too) comes back from the kept scan."""
    from torchlint.contract.rule import BodyNeed

    source = '''import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, device="cpu"):
        super().__init__()
        self.device = device

    def offsets(self):
        first = 1
        return first + self.positions(1)

    def positions(self, batch):
        return torch.arange(4).repeat(batch, 1).to(self.device)
'''
    needs = (BodyNeed.DEVICE_DTYPE_USES,)

    def spans() -> list[tuple[int, int]]:
        tree, lines = ast.parse(source), physical_lines(source)
        return [(span.first, span.last) for span in body_plan.masked_spans(tree, lines, needs)]

    body_plan._SCANNED.clear()
    cold = spans()
    assert cold == []  # offsets names positions, which uses the cached device: both kept
    assert spans() == cold
