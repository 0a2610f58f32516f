"""TL008: an empty placeholder that the model holding the module moves in its ``_apply`` is not reported
(another file of a package: tests/test_package_overrides.py)."""

import torch
import torch.nn as nn


class MovedPlaceholderHead(nn.Module):  # ultralytics' Detect: the model holding it moves its anchors
    anchors = torch.empty(0)

    def forward(self, x):
        if self.anchors.shape != x.shape:
            self.anchors = torch.ones_like(x)
        return x + self.anchors


class MovesItsHead(nn.Module):  # ultralytics' BaseModel._apply: m.anchors = fn(m.anchors)
    def __init__(self):
        super().__init__()
        self.head = MovedPlaceholderHead()

    def _apply(self, fn, recurse=True):
        super()._apply(fn, recurse)
        m = self.head
        m.anchors = fn(m.anchors)
        return self

    def forward(self, x):
        return self.head(x)
