"""What the class analysis tells the rules: one event per state-changing statement it walks through.

Rules subscribe to events by defining ``on_<event name>`` methods (see :mod:`torchlint.rule`); the analysis
knows nothing about any rule.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from torchlint.file_model import ClassInfo, FileModel
from torchlint.values import ValueFact


class Slot(enum.Enum):
    """Where an attribute name of the instance lives at this point of ``__init__``."""

    UNSET = "unset"  # never assigned so far
    BUFFER = "buffer"
    PARAMETER = "parameter"
    MODULE = "module"
    PLAIN_TENSOR = "plain tensor"  # a tensor in the instance __dict__ (already reported, if at all)
    PLAIN = "plain"  # some other plain attribute
    UNKNOWN = "unknown"  # differs between control-flow paths, or cannot be known


class SuperInit(enum.Enum):
    """Whether ``nn.Module.__init__`` has run on every path to this point."""

    NO = "no"
    MAYBE = "maybe"
    YES = "yes"


class TargetForm(enum.Enum):
    ASSIGN = "assign"  # self.x = value
    ANNOTATED = "annotated"  # self.x: T = value
    TUPLE = "tuple"  # self.a, self.b = ...
    AUGMENTED = "augmented"  # self.x += value
    SETATTR = "setattr"  # setattr(self, "x", value)


@dataclass(frozen=True)
class Context:
    """Shared by every event of one class analysis."""

    model: FileModel
    instance: ClassInfo  # the class being instantiated
    manages_own_tensors: bool  # the class (or a same-file base) overrides _apply, to or cuda


@dataclass(frozen=True)
class AttributeAssignment:
    """``self.<name> = <value>`` (or an equivalent form) inside ``__init__`` or a method it calls."""

    context: Context
    name: Optional[str]  # None when setattr() gets a computed name
    display_name: str  # the name as shown to users: "mask", or the source of a computed name
    target: cst.CSTNode  # where diagnostics point: the ``self.x`` node, or the setattr() call
    statement: cst.BaseSmallStatement  # the enclosing small statement
    form: TargetForm
    value: ValueFact
    value_node: Optional[cst.BaseExpression]
    slot_before: Slot  # where the name lived before this assignment
    super_init: SuperInit
    method: str  # name of the method whose body holds the statement
    owner: ClassInfo  # the class that defines that method
    conditional: bool  # under if/try/loop/with-free branches inside the method


EVENT_NAMES = ("attribute_assignment",)
