"""What the class analysis tells the rules: one event per state-changing statement it walks through.

Rules subscribe to events by defining ``on_<event name>`` methods (see :mod:`torchlint.contract.rule`); the analysis
knows nothing about any rule.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable, Optional

import libcst as cst

from torchlint.analysis.assignment_index import AssignmentIndex, AttributeWrite
from torchlint.analysis.subclasses import subclass_conflict
from torchlint.analysis.values import Kind, ValueFact
from torchlint.config.settings import Settings
from torchlint.outline.file_model import ClassInfo, FileModel
from torchlint.runtime.override_effects import OverrideEffect
from torchlint.torch_facts.module_attributes import module_has, stored_name

PARAMETER_OR_NONE = (Kind.PARAMETER, Kind.NONE)  # what a registered parameter name accepts


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


class Phase(enum.Enum):
    """When the code runs: while the module is constructed, or later (``forward`` and what it calls)."""

    INIT = "init"
    FORWARD = "forward"
    LATER = "later"  # another method, which other code calls after construction (or a parent's __init__ does)


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
    class_order: tuple[ClassInfo, ...]  # its same-file method resolution order
    manages_own_tensors: bool  # the class (or a same-file base) overrides _apply, to or cuda
    settings: Settings
    index: AssignmentIndex  # every self.<name> = ... in the class order, for fixes
    # what those overrides move (None: every plain tensor), and names other classes' overrides move
    override_effect: Optional[OverrideEffect] = None
    moved_elsewhere: frozenset[str] = frozenset()
    # names overrides in other files of the package move on the objects they hold (read when first asked)
    moved_by_other_files: Callable[[], frozenset[str]] = lambda: frozenset()
    outside_bases: tuple[str, ...] = ()  # the qualified names of the MRO's classes in other files or packages

    def moves(self, name: Optional[str]) -> bool:
        """Whether ``.to()`` moves the plain attribute ``name`` after all: an override of ``_apply``, ``to`` or
        ``cuda`` in the class order moves it (or moves every plain tensor, or cannot be read), or another
        class of the file moves that name on the objects it holds (a class with no override of its own: a
        detection head whose model's ``_apply`` runs ``m.stride = fn(m.stride)``; the models of the file, which
        have overrides, are decided by their own), or an override in another file of the package that names
        the class or a base of it does."""
        if not self.manages_own_tensors:
            return name is not None and (name in self.moved_elsewhere or name in self.moved_by_other_files())
        effect = self.override_effect
        return effect is None or effect.moves_all or name is None or name in effect.own

    def writes(self, name: str) -> list[AttributeWrite]:
        return self.index.writes(name)

    def class_attribute(self, name: str) -> Optional[cst.CSTNode]:
        """A method or class-level attribute called ``name`` in the same-file MRO, if any."""
        for cls in self.class_order:
            found = cls.methods.get(name) or cls.class_attributes.get(name)
            if found is not None:
                return found
        return None

    def name_taken(self, name: str) -> Optional[str]:
        """Why ``self.<name>`` cannot hold registered state once ``nn.Module.__init__`` has run, in words for
        a message, or None: registering it raises KeyError, and a submodule under it is hidden by what
        attribute lookup finds first."""
        if not name:
            return "the name is empty"
        if "." in name:
            return f'the name "{name}" contains "."'
        if self.class_attribute(name) is not None:
            return f"the class has a method or class attribute named `{name}`"
        if module_has(name):
            return f"`{name}` is an attribute of every nn.Module"
        return None


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
    function: cst.FunctionDef  # that method
    conditional: bool  # under an if/try/loop/match branch
    phase: Phase
    origin: Optional[cst.BaseSmallStatement]  # the statement that set the previous plain value, if known
    # the values this same statement assigns when other classes of the file are instantiated (a subclass
    # may override a helper that computes the value); filled in once every class has been analysed
    values_elsewhere: tuple[ValueFact, ...] = ()

    @property
    def stored_name(self) -> Optional[str]:
        """The name the instance stores the attribute under (``_M__x`` for ``self.__x`` in class ``M``): the
        name to register it with."""
        if self.name is None or self.form is TargetForm.SETATTR:  # setattr() takes the name as it is
            return self.name
        return stored_name(self.name, self.owner.name)

    def name_conflict(self) -> Optional[str]:
        """Why ``self.<name>`` cannot become registered state, in words for a message, or None: what
        :meth:`Context.name_taken` says, or what a same-file subclass of the class holding the statement
        does with the name (the fix runs in the subclass too)."""
        if self.name is None:
            return None
        taken = self.context.name_taken(self.name)
        return taken if taken is not None else subclass_conflict(self.context.model, self.owner, self.name)

    def assigned_outside(self) -> Optional[str]:
        """Where a base class in another file or an installed package assigns ``self.<name>``, in words for a
        message, or None. Whether that assignment runs first, or is itself fixed in the same run, is not
        known here (pre-commit lints only the changed files; a base may be excluded or under ``# noqa``)."""
        if self.name is None:
            return None
        for qualified in self.context.outside_bases:
            where = self.context.model.external_assigns(qualified, self.name)
            if where is not None:
                return f"base class {where} also assigns `self.{self.name}`"
        return None

    @property
    def chained(self) -> bool:
        """``self.a = self.b = value``: changing the value changes what every target gets."""
        return isinstance(self.statement, cst.Assign) and len(self.statement.targets) > 1

    def other_writes(self) -> list[AttributeWrite]:
        """Every other write of the name in the class order: assignments, setattr() and registration calls."""
        if self.name is None:
            return []
        return [write for write in self.context.writes(self.name) if write.target is not self.target]

    def parameter_would_raise(self) -> Optional[str]:
        """Why assigning an ``nn.Parameter`` here, where the value is a plain tensor now, would raise or change
        what another statement does, in words for a message; None when it is safe to make it one."""
        if self.chained:
            return "chained assignment: every target would get the nn.Parameter"
        if self.super_init is not SuperInit.YES:
            return "assigned before super().__init__() has run, where an nn.Parameter would raise AttributeError"
        taken = self.name_conflict()
        if taken:
            return f"{taken}, so an nn.Parameter would raise KeyError"
        if any(write.rejected_by("parameter", PARAMETER_OR_NONE) for write in self.other_writes()):
            return f"`self.{self.name}` is also assigned or registered as something a parameter name rejects"
        return None


@dataclass(frozen=True)
class RegistrationCall:
    """``self.register_buffer(...)``, ``register_parameter``, ``add_module`` or ``register_module``."""

    context: Context
    call: cst.Call
    statement: cst.BaseSmallStatement
    method: str  # "register_buffer", ...
    name: Optional[str]  # the literal name, None when computed
    name_node: Optional[cst.BaseExpression]
    value: ValueFact
    value_node: Optional[cst.BaseExpression]
    slot_before: Slot
    super_init: SuperInit
    origin: Optional[cst.BaseSmallStatement]  # the statement that made the name a plain attribute, if any
    function: cst.FunctionDef
    phase: Phase


@dataclass(frozen=True)
class ClassAttribute:
    """A name assigned in the body of a module class, with where ``self.<name>`` ended up after __init__."""

    context: Context
    name: str
    statement: cst.BaseSmallStatement
    target: cst.CSTNode
    value: ValueFact
    value_node: Optional[cst.BaseExpression]
    slot_after_init: Slot  # UNSET when __init__ never assigns the name


EVENT_NAMES = ("attribute_assignment", "registration_call", "class_attribute", "outside_assignment")
