"""What same-file subclasses do with a name, which fixes in their base classes must respect."""

from __future__ import annotations

import textwrap

import libcst as cst

from torchlint.analysis.subclasses import assigns_before_super_init, subclass_conflict, subclasses
from torchlint.outline.file_model import ClassInfo, FileModel, build_file_model
from torchlint.outline.module_classes import resolve_bases

SOURCE = '''
import torch
from torch import nn


class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.ones(3)


class Child(Base):
    b = 0

    def __init__(self):
        self.c = 1
        (self.d, self.e), _ = (1, 2), 3
        setattr(self, "f", 1)
        super().__init__()
        self.g = 1


class Grandchild(Child):
    def __init__(self):
        if True:
            self.h = 1
        Child.__init__(self)
        self.i = 1


class NoAnchor(Base):
    def __init__(self, *args):
        self.j = 1
        self.run(*args)


class Unrelated(nn.Module):
    a = 1
'''


def _model() -> FileModel:
    model = build_file_model(cst.parse_module(textwrap.dedent(SOURCE)))
    resolve_bases(model, frozenset())
    return model


def _class(model: FileModel, name: str) -> ClassInfo:
    return next(info for info in model.classes if info.name == name)


def test_subclasses_are_found_at_any_depth_and_only_below_the_class() -> None:
    model = _model()
    assert [info.name for info in subclasses(model, _class(model, "Base"))] == ["Child", "Grandchild", "NoAnchor"]
    assert [info.name for info in subclasses(model, _class(model, "Child"))] == ["Grandchild"]
    assert subclasses(model, _class(model, "Unrelated")) == []


def test_writes_before_the_base_init_in_every_form() -> None:
    model = _model()
    child = _class(model, "Child").methods["__init__"]
    assert [name for name in "cdefg" if assigns_before_super_init(child, name)] == ["c", "d", "e", "f"]
    grandchild = _class(model, "Grandchild").methods["__init__"]  # Base.__init__(self) and a nested block
    assert assigns_before_super_init(grandchild, "h") and not assigns_before_super_init(grandchild, "i")


def test_without_a_top_level_base_init_call_every_write_counts() -> None:
    model = _model()
    assert assigns_before_super_init(_class(model, "NoAnchor").methods["__init__"], "j")


def test_conflicts_name_the_subclass_and_why() -> None:
    model = _model()
    base = _class(model, "Base")
    assert subclass_conflict(model, base, "b") == "the subclass `Child` has a method or class attribute named `b`"
    assert subclass_conflict(model, base, "c") == "the subclass `Child` assigns `self.c` before super().__init__()"
    assert subclass_conflict(model, base, "h") == (
        "the subclass `Grandchild` assigns `self.h` before super().__init__()"
    )
    assert subclass_conflict(model, base, "g") is None
    assert subclass_conflict(model, base, "a") is None  # Unrelated's class attribute does not matter
