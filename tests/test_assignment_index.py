"""The index of every write of ``self.<name>`` that fixes consult before changing what a name holds."""

from __future__ import annotations

import textwrap

import libcst as cst

from torchlint.analysis.assignment_index import AssignmentIndex, AttributeWrite
from torchlint.analysis.values import Kind
from torchlint.outline.file_model import build_file_model

SOURCE = '''
import torch
from torch import nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.ones(3)
        self.b, self.a = torch.zeros(2), [1, 2]
        (self.c, self.d), self.e = make(), None
        setattr(self, "a", 3)
        setattr(self, name, 3)
        self.register_buffer("f", None)
        self.register_parameter("a", None)
        self.add_module("g", nn.ReLU())
        self.register_module("h", nn.ReLU())
        self.register_buffer(name="k", tensor=torch.ones(3), persistent=False)
        self.register_parameter("l", param=None)
        other.register_buffer("i", None)

    def forward(self, x):
        if x:
            self.a: torch.Tensor = x
        return x
'''


def _index() -> AssignmentIndex:
    model = build_file_model(cst.parse_module(textwrap.dedent(SOURCE)))
    return AssignmentIndex(model, {}, model.classes)


def _summary(writes: list[AttributeWrite]) -> list[tuple[str, str | None]]:
    return [(write.value.kind.name, write.registers) for write in writes]


def test_every_form_of_write_is_found_in_source_order() -> None:
    index = _index()
    assert _summary(index.writes("a")) == [
        ("TENSOR", None), ("LIST", None), ("LITERAL", None), ("NONE", "parameter"), ("UNKNOWN", None),
    ]
    assert _summary(index.writes("b")) == [("TENSOR", None)]
    assert _summary(index.writes("e")) == [("NONE", None)]
    assert _summary(index.writes("f")) == [("NONE", "buffer")]
    assert _summary(index.writes("g")) == [("MODULE", "module")]
    assert _summary(index.writes("h")) == [("MODULE", "module")]
    assert _summary(index.writes("k")) == [("TENSOR", "buffer")]  # by keyword
    assert _summary(index.writes("l")) == [("NONE", "parameter")]


def test_a_tuple_value_that_cannot_be_matched_gives_unknown_elements() -> None:
    index = _index()
    assert _summary(index.writes("c")) == [("UNKNOWN", None)]
    assert _summary(index.writes("d")) == [("UNKNOWN", None)]


def test_writes_to_other_objects_and_computed_names_are_not_writes() -> None:
    index = _index()
    assert index.writes("i") == []
    assert index.writes("name") == []


def test_each_write_points_at_its_own_target() -> None:
    first, second, *_ = _index().writes("a")
    assert isinstance(first.target, cst.Attribute) and isinstance(second.target, cst.Attribute)
    assert first.target is not second.target
    assert first.statement is not second.statement


def test_rejected_by_compares_registrations_by_slot_and_assignments_by_kind() -> None:
    writes = _index().writes("a")
    tensor, listed, _, registered, _ = writes
    assert not tensor.rejected_by("buffer", (Kind.TENSOR,))
    assert listed.rejected_by("buffer", (Kind.TENSOR,))
    assert registered.rejected_by("buffer", (Kind.NONE,))  # register_parameter on a buffer name: KeyError
    assert not registered.rejected_by("parameter", ())
