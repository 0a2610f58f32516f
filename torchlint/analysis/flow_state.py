"""The abstract state that the class analysis carries along ``__init__``: locals, instance slots, super()."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, TypeVar

import libcst as cst

from torchlint.analysis.events import Slot, SuperInit
from torchlint.analysis.values import UNKNOWN, ValueFact, merge


@dataclass
class InstanceState:
    """Where each attribute name of ``self`` lives, and what its value is known to be."""

    slots: dict[str, Slot] = field(default_factory=dict)
    facts: dict[str, ValueFact] = field(default_factory=dict)
    super_init: SuperInit = SuperInit.NO
    origins: dict[str, cst.BaseSmallStatement] = field(default_factory=dict)  # who set a plain value
    opaque: bool = False  # something was registered under a name we could not compute

    def copy(self) -> InstanceState:
        return InstanceState(dict(self.slots), dict(self.facts), self.super_init, dict(self.origins), self.opaque)

    def slot(self, name: str) -> Slot:
        return self.slots.get(name, Slot.UNKNOWN if self.opaque else Slot.UNSET)


@dataclass
class FlowState:
    """The state on one control-flow path through a function."""

    locals: dict[str, ValueFact]
    instance: InstanceState
    terminated: bool = False  # the path ended in return/raise

    def copy(self) -> FlowState:
        return FlowState(dict(self.locals), self.instance.copy(), self.terminated)


K = TypeVar("K")
V = TypeVar("V")


def _merge_dicts(a: dict[K, V], b: dict[K, V], join: Callable[[V, V], V], missing: V) -> dict[K, V]:
    return {key: join(a.get(key, missing), b.get(key, missing)) for key in a.keys() | b.keys()}


def _join_slots(a: Slot, b: Slot) -> Slot:
    return a if a is b else Slot.UNKNOWN


def _join_super(a: SuperInit, b: SuperInit) -> SuperInit:
    return a if a is b else SuperInit.MAYBE


def join(a: FlowState, b: FlowState) -> FlowState:
    """The state where two paths meet; a path that returned or raised does not reach the join."""
    if a.terminated:
        return b
    if b.terminated:
        return a
    instance = InstanceState(
        slots=_merge_dicts(a.instance.slots, b.instance.slots, _join_slots, Slot.UNSET),
        facts=_merge_dicts(a.instance.facts, b.instance.facts, merge, UNKNOWN),
        super_init=_join_super(a.instance.super_init, b.instance.super_init),
        origins={
            name: statement for name, statement in a.instance.origins.items()
            if b.instance.origins.get(name) is statement
        },
        opaque=a.instance.opaque or b.instance.opaque,
    )
    return FlowState(_merge_dicts(a.locals, b.locals, merge, UNKNOWN), instance)
