"""Walk what instantiating an ``nn.Module`` class runs, in order, and report each state change as an event.

For a class ``C`` the analysis starts at the ``__init__`` found through C's same-file MRO and follows it
statement by statement: ``super().__init__(...)`` and ``Base.__init__(self, ...)`` are followed into
same-file bases, ``self.helper(...)`` calls are followed into the method that C's MRO resolves (so an
overriding subclass method is the one analysed, as at runtime), and branches are analysed separately and
joined. Along the way it tracks which names of ``self`` are buffers, parameters, submodules or plain
attributes, and whether ``nn.Module.__init__`` has run, exactly as ``Module.__setattr__`` decides them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Callable, Optional

import libcst as cst

from torchlint.analysis import field_facts
from torchlint.analysis.assignment_index import AssignmentIndex
from torchlint.analysis.events import (
    AttributeAssignment,
    ClassAttribute,
    Context,
    Phase,
    RegistrationCall,
    Slot,
    SuperInit,
    TargetForm,
)
from torchlint.analysis.flow_state import FlowState, InstanceState, join
from torchlint.analysis.function_index import function_index
from torchlint.analysis.later_methods import later_methods
from torchlint.analysis.narrowing import narrow
from torchlint.analysis.override_scope import class_effect, moved_by_other_files, moved_on_others
from torchlint.analysis.parameters import parameter_fact
from torchlint.analysis.partials import bound_call
from torchlint.analysis.tensor_inference import InferenceContext, infer
from torchlint.analysis.values import INT_PARAMETER, NONE, TENSOR, UNKNOWN, Kind, ValueFact
from torchlint.analysis.values import merge as merge_facts
from torchlint.config.settings import DEFAULT, Settings
from torchlint.outline.file_model import ClassInfo, FileModel
from torchlint.outline.module_classes import full_mro, mro
from torchlint.source.expression_walk import calls_in
from torchlint.source.syntax import first_parameter, setattr_arguments
from torchlint.torch_facts.known_bases import MODULE_CLASS_PATHS, SELF_MANAGING_BASES, is_module_base

Emit = Callable[[object], None]

_MAX_CALL_DEPTH = 12
_SELF_MANAGING_METHODS = ("_apply", "to", "cuda")
_REGISTRATIONS = {
    "register_buffer": Slot.BUFFER,
    "register_parameter": Slot.PARAMETER,
    "add_module": Slot.MODULE,
    "register_module": Slot.MODULE,
}
# x.register_forward_hook(self.method) and friends: the bound method runs, on this instance, around forward
_HOOK_REGISTRATIONS = frozenset(
    {"register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook",
     "register_full_backward_pre_hook", "register_backward_hook"}
)


def _call_arguments(call: cst.Call) -> tuple[list[cst.BaseExpression], dict[str, cst.BaseExpression]]:
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    return positional, keywords


def _is_plain_method(function: cst.FunctionDef) -> bool:
    for decorator in function.decorators:
        name = decorator.decorator
        if isinstance(name, cst.Name) and name.value in ("staticmethod", "classmethod", "property"):
            return False
    return True


def _int_parameter(param: cst.Param) -> bool:
    """A parameter annotated ``int`` whose default, if any, is an integer literal."""
    annotation = param.annotation.annotation if param.annotation is not None else None
    if not (isinstance(annotation, cst.Name) and annotation.value == "int"):
        return False
    default = param.default
    if isinstance(default, cst.UnaryOperation) and isinstance(default.operator, cst.Minus):
        default = default.expression
    return default is None or isinstance(default, cst.Integer)


def slot_after(slot: Slot, value: ValueFact, super_init: SuperInit) -> Slot:
    """Where ``Module.__setattr__`` puts a value, given where the name lived before."""
    if value.kind is Kind.PARAMETER:
        return Slot.PARAMETER if super_init is SuperInit.YES else Slot.UNKNOWN
    if slot in (Slot.PARAMETER, Slot.MODULE, Slot.BUFFER):
        return slot
    if value.kind is Kind.MODULE:
        return Slot.MODULE if super_init is SuperInit.YES else Slot.UNKNOWN
    if value.kind is Kind.BUFFER:
        return Slot.BUFFER if super_init is SuperInit.YES else Slot.UNKNOWN
    if value.kind is Kind.TENSOR:
        return Slot.PLAIN_TENSOR
    if value.kind in (Kind.UNKNOWN, Kind.TENSOR_SEQUENCE):
        return Slot.UNKNOWN
    return Slot.PLAIN


def _fact_for_slot(slot: Slot, value: ValueFact) -> ValueFact:
    if slot is Slot.BUFFER:
        if value.kind is Kind.NONE:  # register_buffer("x", None): self.x reads None until a tensor is assigned
            return value
        return ValueFact(Kind.TENSOR, floating=value.floating) if value.is_tensor_like else TENSOR
    if slot is Slot.PARAMETER:
        return ValueFact(Kind.PARAMETER, floating=True)
    if slot is Slot.MODULE:
        return ValueFact(Kind.MODULE)
    return value


class _Frame:
    """One function activation: the function, the class that defines it, and how ``self`` is spelled."""

    def __init__(self, function: cst.FunctionDef, owner: ClassInfo, self_name: Optional[str], depth: int) -> None:
        self.function = function
        self.owner = owner
        self.self_name = self_name
        self.depth = depth
        self.returns: list[ValueFact] = []


class ClassAnalysis:
    """Analyse the construction of one module class, reporting events to ``emit``."""

    def __init__(
        self,
        model: FileModel,
        instance: ClassInfo,
        globals_: Mapping[str, ValueFact],
        module_classes: Mapping[str, ClassInfo],
        emit: Emit,
        settings: Settings = DEFAULT,
    ) -> None:
        self.model = model
        self.instance = instance
        self.full_mro = tuple(full_mro(instance))
        self.mro = tuple(entry for entry in self.full_mro if isinstance(entry, ClassInfo))
        self.globals = globals_
        self.module_classes = module_classes
        self.emit = emit
        self.context = Context(
            model=model,
            instance=instance,
            class_order=self.mro,
            manages_own_tensors=any(
                name in cls.methods for cls in self.mro for name in _SELF_MANAGING_METHODS
            ) or any(
                isinstance(entry, str)
                and (entry in SELF_MANAGING_BASES or model.external_defines(entry, _SELF_MANAGING_METHODS))
                for entry in self.full_mro
            ),
            settings=settings,
            index=AssignmentIndex(model, globals_, self.mro),
            override_effect=class_effect(model, self.full_mro),
            moved_elsewhere=moved_on_others(model, self.mro),
            moved_by_other_files=moved_by_other_files(model, self.full_mro),
            outside_bases=tuple(entry for entry in self.full_mro if isinstance(entry, str)),
        )
        self.call_results: dict[cst.Call, ValueFact] = {}
        self.active: list[cst.FunctionDef] = []
        self.phase = Phase.INIT
        self.init_frames: list[tuple[cst.FunctionDef, str]] = []  # methods run by __init__, with their self
        self.after_init = InstanceState()  # what construction leaves, once run() has analysed it
        self.walked: set[int] = set()  # ids of the functions entered so far

    # --- entry point -------------------------------------------------------------------------------------

    def run(self) -> None:
        """Analyse ``__init__``, then the class body against its result, then ``forward``."""
        state = FlowState(locals={}, instance=InstanceState())
        found = self._lookup("__init__", self.mro)
        if found is not None:
            owner, init = found
            state = self._enter(init, owner, state, call=None, caller=None, conditional=False)
        else:
            state.instance.super_init = SuperInit.YES  # nn.Module.__init__ (or an external base's) runs
        self.after_init = state.instance
        self._class_body(state.instance)
        forward = self._lookup("forward", self.mro)
        if forward is not None:
            self.phase = Phase.FORWARD
            self._enter(forward[1], forward[0], state.copy(), call=None, caller=None, conditional=False)
        for owner, hook in self._registered_hooks(forward[1] if forward is not None else None):
            self.phase = Phase.FORWARD
            self._enter(hook, owner, state.copy(), call=None, caller=None, conditional=False)
        for owner, method in later_methods(self.mro, self.walked):
            if id(method) not in self.walked:  # an earlier later method may have called it
                self.phase = Phase.LATER
                self._enter(method, owner, state.copy(), call=None, caller=None, conditional=False)

    def _registered_hooks(self, forward: Optional[cst.FunctionDef]) -> list[tuple[ClassInfo, cst.FunctionDef]]:
        """Methods that construction registers as hooks (``x.register_forward_hook(self.m)``): they run on this
        instance around ``forward``, so they are analysed in the FORWARD phase too."""
        found: list[tuple[ClassInfo, cst.FunctionDef]] = []
        for function, self_name in self.init_frames:
            for call in _hook_registrations(self.model, function):
                positional, keywords = _call_arguments(call)
                hook = positional[0] if positional else keywords.get("hook")
                if not (
                    isinstance(hook, cst.Attribute) and isinstance(hook.value, cst.Name)
                    and hook.value.value == self_name
                ):
                    continue
                method = self._lookup(hook.attr.value, self.mro)
                if method is None or not _is_plain_method(method[1]) or method[1] is forward:
                    continue
                if all(method[1] is not seen for _, seen in found):
                    found.append(method)
        return found

    def function_result(self, function: cst.FunctionDef) -> ValueFact:
        """What a call of the top-level ``function`` returns, its parameters unknown (or annotated)."""
        call = cst.Call(func=cst.Name(function.name.value))
        state = FlowState(locals={}, instance=InstanceState())
        self._enter(function, self.instance, state, call, caller=None, conditional=False, skip_first=False)
        return self.call_results.pop(call, UNKNOWN)

    def _class_body(self, instance: InstanceState) -> None:
        ctx = InferenceContext(model=self.model, globals=self.globals, module_classes=self.module_classes)
        for name, statement in self.instance.class_attributes.items():
            if isinstance(statement, cst.Assign):
                target = next(t.target for t in statement.targets if isinstance(t.target, cst.Name))
                value_node: Optional[cst.BaseExpression] = statement.value
            elif isinstance(statement, cst.AnnAssign) and statement.value is not None:
                target, value_node = statement.target, statement.value
            else:
                continue
            self.emit(
                ClassAttribute(
                    context=self.context,
                    name=name,
                    statement=statement,
                    target=target,
                    value=infer(value_node, ctx),
                    value_node=value_node,
                    slot_after_init=instance.slot(name),
                )
            )

    # --- resolution --------------------------------------------------------------------------------------

    @staticmethod
    def _lookup(name: str, order: tuple[ClassInfo, ...]) -> Optional[tuple[ClassInfo, cst.FunctionDef]]:
        for cls in order:
            method = cls.methods.get(name)
            if method is not None:
                return cls, method
        return None

    def _next_init_after(self, owner: ClassInfo) -> Optional[tuple[ClassInfo, cst.FunctionDef]]:
        """The ``__init__`` that ``super().__init__()`` in ``owner`` runs, if it is in this file.

        None when the chain reaches a class outside the file first (``nn.Module.__init__`` among them,
        which does not chain further)."""
        if owner not in self.full_mro:
            return None
        for entry in self.full_mro[self.full_mro.index(owner) + 1:]:
            if isinstance(entry, str):
                return None
            init = entry.methods.get("__init__")
            if init is not None:
                return entry, init
        return None

    def _mixin_may_chain_on(self, owner: ClassInfo) -> bool:
        """Whether ``super().__init__()`` in ``owner`` reaches an outside class (not ``nn.Module``) that is
        followed in the MRO by a same-file class with an ``__init__``, which that class may run."""
        if owner not in self.full_mro:
            return False
        later = self.full_mro[self.full_mro.index(owner) + 1:]
        for index, entry in enumerate(later):
            if isinstance(entry, str):
                return entry not in MODULE_CLASS_PATHS and any(
                    isinstance(after, ClassInfo) and "__init__" in after.methods for after in later[index + 1:]
                )
        return False

    # --- function activation -----------------------------------------------------------------------------

    def _context(self, frame: _Frame, state: FlowState) -> InferenceContext:
        instance = state.instance

        def self_attribute(name: str) -> Optional[ValueFact]:
            if instance.slot(name) is Slot.UNSET:
                return None
            return instance.facts.get(name)

        return InferenceContext(
            model=self.model,
            globals=self.globals,
            locals=state.locals,
            self_name=frame.self_name,
            self_attribute=self_attribute,
            instance=self.instance,
            instance_mro=self.mro,
            module_classes=self.module_classes,
            call_results=self.call_results,
        )

    def _enter(
        self,
        function: cst.FunctionDef,
        owner: ClassInfo,
        state: FlowState,
        call: Optional[cst.Call],
        caller: Optional[tuple[_Frame, FlowState]],
        conditional: bool,
        skip_first: bool = True,
    ) -> FlowState:
        """Analyse a call of ``function`` on ``self``; returns the caller's state after the call."""
        depth = caller[0].depth + 1 if caller else 0
        if function in self.active or depth > _MAX_CALL_DEPTH:
            return state
        parameters = [*function.params.posonly_params, *function.params.params]
        self_name = first_parameter(function) if skip_first else None
        frame = _Frame(function, owner, self_name, depth)
        self.walked.add(id(function))
        if self.phase is Phase.INIT and self_name is not None:
            self.init_frames.append((function, self_name))
        local_facts = self._bind(function, parameters[1:] if skip_first else parameters, call, caller)
        inner = FlowState(locals=local_facts, instance=state.instance)
        self.active.append(function)
        try:
            body = function.body.body if isinstance(function.body, cst.IndentedBlock) else ()
            inner = self._block(body, inner, frame, conditional)
        finally:
            self.active.pop()
        if call is not None and frame.returns:
            result = frame.returns[0]
            for fact in frame.returns[1:]:
                result = merge_facts(result, fact)
            self.call_results[call] = result
        return FlowState(locals=state.locals, instance=inner.instance, terminated=False)

    def _bind(
        self,
        function: cst.FunctionDef,
        parameters: list[cst.Param],
        call: Optional[cst.Call],
        caller: Optional[tuple[_Frame, FlowState]],
    ) -> dict[str, ValueFact]:
        facts: dict[str, ValueFact] = {}
        for param in [*parameters, *function.params.kwonly_params]:
            fact = parameter_fact(param, self.model, self.globals)
            facts[param.name.value] = INT_PARAMETER if fact == UNKNOWN and _int_parameter(param) else fact
        for star in (function.params.star_arg, function.params.star_kwarg):
            if isinstance(star, cst.Param):
                facts[star.name.value] = UNKNOWN
        if call is not None and caller is not None:
            if any(arg.star for arg in call.args):
                return facts
            ctx = self._context(*caller)
            positional, keywords = _call_arguments(call)
            for param, arg in zip(parameters, positional):
                facts[param.name.value] = infer(arg, ctx)
            for name, arg in keywords.items():
                if name in facts:
                    facts[name] = infer(arg, ctx)
        return facts

    # --- statements ----------------------------------------------------------------------------------------

    def _block(self, body: object, state: FlowState, frame: _Frame, conditional: bool) -> FlowState:
        for statement in body:  # type: ignore[attr-defined]
            if state.terminated:
                break
            state = self._statement(statement, state, frame, conditional)
        return state

    def _suite(self, suite: cst.BaseSuite, state: FlowState, frame: _Frame, conditional: bool) -> FlowState:
        if isinstance(suite, cst.IndentedBlock):
            return self._block(suite.body, state, frame, conditional)
        return self._block(suite.body, state, frame, conditional)  # SimpleStatementSuite

    def _statement(self, node: cst.CSTNode, state: FlowState, frame: _Frame, conditional: bool) -> FlowState:
        field_facts.forget_before(node, state.locals)
        if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in node.body:
                if state.terminated:
                    break
                state = self._small(small, state, frame, conditional)
            return state
        if isinstance(node, cst.If):
            state = self._expression_calls(node.test, state, frame, conditional)
            when_true, when_false = narrow(node.test, self.model.imports, state.locals)
            taken = self._suite(node.body, _narrowed(state, when_true), frame, True)
            if isinstance(node.orelse, cst.If):
                other = self._statement(node.orelse, _narrowed(state, when_false), frame, True)
            elif isinstance(node.orelse, cst.Else):
                other = self._suite(node.orelse.body, _narrowed(state, when_false), frame, True)
            else:
                other = _narrowed(state, when_false) if when_false else state
            return join(taken, other)
        if isinstance(node, cst.For) and isinstance(node.target, cst.Name) and _literal_items(node.iter):
            # for name in ("a", "b"): ... runs the body once per literal, with the name bound to it
            ctx = self._context(frame, state)
            for item in _literal_items(node.iter):
                state.locals[node.target.value] = infer(item, ctx)
                state = self._suite(node.body, state, frame, conditional)
                state.terminated = False
            if node.orelse is not None:
                state = self._suite(node.orelse.body, state, frame, conditional)
            return state
        if isinstance(node, (cst.For, cst.While)):
            if isinstance(node, cst.For):
                state = self._expression_calls(node.iter, state, frame, conditional)
                self._bind_target(node.target, UNKNOWN, state)
            else:
                state = self._expression_calls(node.test, state, frame, conditional)
            looped = self._suite(node.body, state.copy(), frame, True)
            looped.terminated = False  # break/continue/return inside: treat as leaving the loop
            state = join(state, looped)
            if node.orelse is not None:
                state = self._suite(node.orelse.body, state, frame, conditional)
            return state
        if isinstance(node, (cst.Try, cst.TryStar)):
            tried = self._suite(node.body, state.copy(), frame, True)
            result = tried
            if node.orelse is not None:
                result = self._suite(node.orelse.body, result, frame, True)
            start = join(state, tried)
            for handler in node.handlers:
                if handler.name is not None:
                    self._bind_target(handler.name.name, UNKNOWN, start)
                result = join(result, self._suite(handler.body, start.copy(), frame, True))
            if node.finalbody is not None:
                result = self._suite(node.finalbody.body, result, frame, conditional)
            return result
        if isinstance(node, cst.With):
            for item in node.items:
                state = self._expression_calls(item.item, state, frame, conditional)
                if item.asname is not None:
                    self._bind_target(item.asname.name, UNKNOWN, state)
            return self._suite(node.body, state, frame, conditional)
        if isinstance(node, cst.Match):
            state = self._expression_calls(node.subject, state, frame, conditional)
            result = state.copy()
            for case in node.cases:
                result = join(result, self._suite(case.body, state.copy(), frame, True))
            return result
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            state.locals[node.name.value] = UNKNOWN
        return state

    def _small(self, node: cst.BaseSmallStatement, state: FlowState, frame: _Frame, conditional: bool) -> FlowState:
        field_facts.forget_before(node, state.locals)
        if isinstance(node, cst.Expr):
            if isinstance(node.value, cst.Call):
                return self._call_statement(node.value, node, state, frame, conditional)
            return self._expression_calls(node.value, state, frame, conditional)
        if isinstance(node, cst.Assign):
            state = self._expression_calls(node.value, state, frame, conditional)
            value = infer(node.value, self._context(frame, state))
            for target in node.targets:
                form = TargetForm.TUPLE if isinstance(target.target, (cst.Tuple, cst.List)) else TargetForm.ASSIGN
                self._assign(target.target, value, node.value, node, form, state, frame, conditional)
            return state
        if isinstance(node, cst.AnnAssign):
            if node.value is None:
                return state
            state = self._expression_calls(node.value, state, frame, conditional)
            value = infer(node.value, self._context(frame, state))
            self._assign(node.target, value, node.value, node, TargetForm.ANNOTATED, state, frame, conditional)
            return state
        if isinstance(node, cst.AugAssign):
            state = self._expression_calls(node.value, state, frame, conditional)
            combined = infer(
                cst.BinaryOperation(left=node.target, operator=cst.Add(), right=node.value),
                self._context(frame, state),
            )
            self._assign(node.target, combined, None, node, TargetForm.AUGMENTED, state, frame, conditional)
            return state
        if isinstance(node, cst.Return):
            if node.value is not None:
                state = self._expression_calls(node.value, state, frame, conditional)
                frame.returns.append(infer(node.value, self._context(frame, state)))
            else:
                frame.returns.append(NONE)
            state.terminated = True
            return state
        if isinstance(node, cst.Raise):
            state.terminated = True
            return state
        if isinstance(node, cst.Assert):  # assert isinstance(x, torch.Tensor): x is a tensor from here on
            state.locals.update(narrow(node.test, self.model.imports, state.locals)[0])
        if isinstance(node, cst.Del):
            self._delete(node.target, state, frame)
        return state

    # --- assignments ---------------------------------------------------------------------------------------

    def _bind_target(self, target: cst.BaseExpression, value: ValueFact, state: FlowState) -> None:
        if isinstance(target, cst.Name):
            field_facts.rebind(target.value, state.locals)
            state.locals[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value, UNKNOWN, state)

    def _is_self(self, node: cst.BaseExpression, frame: _Frame) -> bool:
        return frame.self_name is not None and isinstance(node, cst.Name) and node.value == frame.self_name

    def _assign(
        self,
        target: cst.BaseExpression,
        value: ValueFact,
        value_node: Optional[cst.BaseExpression],
        statement: cst.BaseSmallStatement,
        form: TargetForm,
        state: FlowState,
        frame: _Frame,
        conditional: bool,
    ) -> None:
        if isinstance(target, cst.Attribute):  # m.stride = t; self.stride = m.stride
            field_facts.store(target, value, state.locals, keep=not self._is_self(target.value, frame))
        if isinstance(target, cst.Name):
            field_facts.rebind(target.value, state.locals)
            state.locals[target.value] = value
        elif isinstance(target, cst.Attribute) and self._is_self(target.value, frame):
            name = target.attr.value
            self._set_attribute(name, name, target, value, value_node, statement, form, state, frame, conditional)
        elif isinstance(target, cst.Attribute) and target.attr.value == "requires_grad":
            # x.requires_grad = True on a local tensor
            if isinstance(target.value, cst.Name) and value_node is not None:
                fact = state.locals.get(target.value.value)
                if fact is not None and fact.is_tensor:
                    grad = isinstance(value_node, cst.Name) and value_node.value == "True"
                    state.locals[target.value.value] = fact.but(requires_grad=grad)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = [element.value for element in target.elements]
            starred = any(isinstance(element, cst.StarredElement) for element in target.elements)
            values: list[tuple[ValueFact, Optional[cst.BaseExpression]]]
            if value.kind in (Kind.TUPLE, Kind.LIST) and not starred and len(value.elements) == len(elements):
                nodes: list[Optional[cst.BaseExpression]] = (
                    [element.value for element in value_node.elements]
                    if isinstance(value_node, (cst.Tuple, cst.List)) else [None] * len(elements)
                )
                values = list(zip(value.elements, nodes))
            elif value.kind is Kind.TENSOR_SEQUENCE and not starred:
                values = [(ValueFact(Kind.TENSOR), None)] * len(elements)
            else:
                values = [(UNKNOWN, None)] * len(elements)
            for element, (fact, node) in zip(elements, values):
                self._assign(element, fact, node, statement, TargetForm.TUPLE, state, frame, conditional)

    def _set_attribute(
        self,
        name: Optional[str],
        display_name: str,
        target: cst.CSTNode,
        value: ValueFact,
        value_node: Optional[cst.BaseExpression],
        statement: cst.BaseSmallStatement,
        form: TargetForm,
        state: FlowState,
        frame: _Frame,
        conditional: bool,
    ) -> None:
        instance = state.instance
        if name is not None:
            accessor = self._property(name)
            if accessor is not None:  # a property: the setter runs (and a getter-only one raises)
                owner, setter = accessor
                if setter is not None and value_node is not None:
                    call = cst.Call(func=cst.Name(name), args=[cst.Arg(value_node)])
                    self._enter(setter, owner, state, call, (frame, state), conditional)
                    self.call_results.pop(call, None)
                return
        before = instance.slot(name) if name is not None else Slot.UNSET
        self.emit(
            AttributeAssignment(
                context=self.context,
                name=name,
                display_name=display_name,
                target=target,
                statement=statement,
                form=form,
                value=value,
                value_node=value_node,
                slot_before=before,
                super_init=instance.super_init,
                method=frame.function.name.value,
                owner=frame.owner,
                function=frame.function,
                conditional=conditional,
                phase=self.phase,
                origin=instance.origins.get(name) if name is not None else None,
            )
        )
        if name is not None:
            after = slot_after(before, value, instance.super_init)
            instance.slots[name] = after
            instance.facts[name] = _fact_for_slot(after, value)
            if after in (Slot.PLAIN, Slot.PLAIN_TENSOR):
                instance.origins[name] = statement
            else:
                instance.origins.pop(name, None)

    def _delete(self, target: cst.BaseExpression, state: FlowState, frame: _Frame) -> None:
        if isinstance(target, cst.Name):
            state.locals.pop(target.value, None)
        elif isinstance(target, cst.Attribute) and self._is_self(target.value, frame):
            state.instance.slots[target.attr.value] = Slot.UNKNOWN
            state.instance.facts.pop(target.attr.value, None)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._delete(element.value, state, frame)

    def _delete_named(self, name: cst.BaseExpression, state: FlowState) -> None:
        """A dynamic delete of an attribute of ``self``: by a literal name, that slot; by a computed one, any
        slot may be gone."""
        literal = name.evaluated_value if isinstance(name, cst.SimpleString) else None
        if isinstance(literal, str):
            state.instance.slots[literal] = Slot.UNKNOWN
            state.instance.facts.pop(literal, None)
        else:
            for slot in list(state.instance.slots):
                state.instance.slots[slot] = Slot.UNKNOWN
            state.instance.facts.clear()

    # --- calls ---------------------------------------------------------------------------------------------

    def _expression_calls(
        self, node: cst.BaseExpression, state: FlowState, frame: _Frame, conditional: bool
    ) -> FlowState:
        """Follow ``self.method(...)`` and same-file function calls nested in an expression, in evaluation
        order; a followed call's result becomes known to inference through ``call_results``."""
        functions = self.model.functions
        for call in _followed_calls(node, frame.self_name, functions, state.locals):
            if isinstance(call.func, cst.Name) and call.func.value in state.locals:
                state = self._partial_call(call, state.locals[call.func.value], state, frame, conditional)
            elif isinstance(call.func, cst.Name):
                function = functions[call.func.value]
                state = self._enter(function, frame.owner, state, call, (frame, state), conditional, skip_first=False)
            else:
                state = self._self_method_call(call, state, frame, conditional)
        return state

    def _self_method_call(self, call: cst.Call, state: FlowState, frame: _Frame, conditional: bool) -> FlowState:
        assert isinstance(call.func, cst.Attribute)
        found = self._lookup(call.func.attr.value, self.mro)
        if found is None and state.instance.slot(call.func.attr.value) is not Slot.UNSET:
            callee = state.instance.facts.get(call.func.attr.value)  # self.f = partial(helper, ...)
            return self._partial_call(call, callee, state, frame, conditional)
        if found is None or not _is_plain_method(found[1]) or found[1].name.value == "__init__":
            return state
        owner, method = found
        return self._enter(method, owner, state, call, (frame, state), conditional)

    def _partial_call(
        self, call: cst.Call, callee: Optional[ValueFact], state: FlowState, frame: _Frame, conditional: bool
    ) -> FlowState:
        """A call of a ``functools.partial`` of a top-level function of the file: follow the direct call."""
        bound = bound_call(callee, call, self.model.imports, self.model.functions, state.locals)
        if bound is None or not isinstance(bound.func, cst.Name) or bound.func.value not in self.model.functions:
            return state
        function = self.model.functions[bound.func.value]
        state = self._enter(function, frame.owner, state, bound, (frame, state), conditional, skip_first=False)
        result = self.call_results.pop(bound, None)
        if result is not None:
            self.call_results[call] = result
        return state

    def _call_statement(
        self, call: cst.Call, statement: cst.BaseSmallStatement, state: FlowState, frame: _Frame, conditional: bool
    ) -> FlowState:
        for arg in call.args:
            state = self._expression_calls(arg.value, state, frame, conditional)
        func = call.func
        if isinstance(func, cst.Name) and func.value == "setattr":
            return self._setattr(call, statement, state, frame, conditional)
        if isinstance(func, cst.Name) and func.value == "delattr":  # delattr(self, "x"): as del self.x
            positional, _ = _call_arguments(call)
            if len(positional) == 2 and self._is_self(positional[0], frame):
                self._delete_named(positional[1], state)
            return state
        if not isinstance(func, cst.Attribute):
            return state
        method = func.attr.value
        receiver = func.value
        if method == "__delattr__" and self._is_self(receiver, frame):  # self.__delattr__("x"): as del self.x
            positional, _ = _call_arguments(call)
            if len(positional) == 1:
                self._delete_named(positional[0], state)
            return state
        if method == "__init__":
            return self._init_call(call, receiver, state, frame, conditional)
        if _is_super(receiver):
            later = self.mro[self.mro.index(frame.owner) + 1:] if frame.owner in self.mro else ()
            found = self._lookup(method, later)
            if found is not None and _is_plain_method(found[1]):
                return self._enter(found[1], found[0], state, call, (frame, state), conditional)
            return state
        if self._is_self(receiver, frame):
            if method in _REGISTRATIONS:
                return self._registration(call, method, statement, state, frame)
            return self._self_method_call(call, state, frame, conditional)
        if method == "requires_grad_" and isinstance(receiver, cst.Name):
            fact = state.locals.get(receiver.value)
            if fact is not None and fact.is_tensor:
                positional, keywords = _call_arguments(call)
                flag = positional[0] if positional else keywords.get("requires_grad")
                grad = flag is None or (isinstance(flag, cst.Name) and flag.value == "True")
                state.locals[receiver.value] = fact.but(requires_grad=grad)
        return state

    def _init_call(
        self, call: cst.Call, receiver: cst.BaseExpression, state: FlowState, frame: _Frame, conditional: bool
    ) -> FlowState:
        """``super().__init__(...)``, ``super(C, self).__init__(...)`` or ``Base.__init__(self, ...)``."""
        explicit_self = False
        if _is_super(receiver):
            found = self._next_init_after(frame.owner)
        else:
            qualified = self.model.imports.qualify(receiver)
            if qualified is not None:
                if is_module_base(qualified, self.context.settings.extend_module_bases):
                    state.instance.super_init = SuperInit.YES
                elif state.instance.super_init is SuperInit.NO:
                    # another outside class's __init__ (nn.modules.conv._ConvNd.__init__(self, ...)) may run
                    # nn.Module.__init__ itself
                    state.instance.super_init = SuperInit.MAYBE
                return state
            base = self._same_file_class(receiver)
            if base is None:
                return state
            found = self._lookup("__init__", tuple(mro(base)))
            explicit_self = True
        if found is None:
            # The chain leaves the file: nn.Module.__init__ (or an external base that calls it) runs.
            state.instance.super_init = SuperInit.YES
            if _is_super(receiver) and self._mixin_may_chain_on(frame.owner):
                state.instance.opaque = True  # class M(Mixin, Base): Mixin.__init__ may run Base.__init__
            return state
        owner, init = found
        if explicit_self:
            bound = cst.Call(func=call.func, args=call.args[1:])
            state = self._enter(init, owner, state, bound, (frame, state), conditional)
            self.call_results.pop(bound, None)
        else:
            state = self._enter(init, owner, state, call, (frame, state), conditional)
        return state

    def _property(self, name: str) -> Optional[tuple[ClassInfo, Optional[cst.FunctionDef]]]:
        """For a property ``name`` in the MRO: its class and setter (None when it has no setter)."""
        found = self._lookup(name, self.mro)
        if found is None:
            return None
        owner, function = found
        decorators = [decorator.decorator for decorator in function.decorators]
        if any(isinstance(d, cst.Attribute) and d.attr.value == "setter" for d in decorators):
            return owner, function
        if any(isinstance(d, cst.Name) and d.value == "property" for d in decorators):
            return owner, None
        return None

    def _string_value(self, node: Optional[cst.BaseExpression], frame: _Frame, state: FlowState) -> Optional[str]:
        """The string a name argument evaluates to, when it is a literal or a local bound to one."""
        if node is None:
            return None
        return infer(node, self._context(frame, state)).string

    def _same_file_class(self, node: cst.BaseExpression) -> Optional[ClassInfo]:
        if isinstance(node, cst.Name):
            for cls in self.mro:
                for base in cls.bases:
                    if isinstance(base, ClassInfo) and base.name == node.value:
                        return base
        return None

    def _registration(
        self, call: cst.Call, method: str, statement: cst.BaseSmallStatement, state: FlowState, frame: _Frame
    ) -> FlowState:
        positional, keywords = _call_arguments(call)
        name_node = positional[0] if positional else keywords.get("name")
        name = self._string_value(name_node, frame, state)
        value_node = (
            positional[1] if len(positional) > 1
            else keywords.get("tensor", keywords.get("param", keywords.get("module")))
        )
        value = infer(value_node, self._context(frame, state)) if value_node is not None else UNKNOWN
        instance = state.instance
        self.emit(
            RegistrationCall(
                context=self.context,
                call=call,
                statement=statement,
                method=method,
                name=name,
                name_node=name_node,
                value=value,
                value_node=value_node,
                slot_before=instance.slot(name) if name is not None else Slot.UNKNOWN,
                super_init=instance.super_init,
                origin=instance.origins.get(name) if name is not None else None,
                function=frame.function,
                phase=self.phase,
            )
        )
        if instance.super_init is SuperInit.NO:
            return state  # it raises at runtime: nothing is registered
        if name is None:
            instance.opaque = True  # some name we cannot compute is now registered
            return state
        slot = _REGISTRATIONS[method]
        instance.slots[name] = slot
        instance.facts[name] = _fact_for_slot(slot, value)
        instance.origins.pop(name, None)
        return state

    def _setattr(
        self, call: cst.Call, statement: cst.BaseSmallStatement, state: FlowState, frame: _Frame, conditional: bool
    ) -> FlowState:
        arguments = setattr_arguments(call)
        if arguments is None or not self._is_self(arguments[0], frame):
            return state
        _, name_node, value_node = arguments
        name = self._string_value(name_node, frame, state)
        display = name if name is not None else self.model.module.code_for_node(name_node)
        value = infer(value_node, self._context(frame, state))
        self._set_attribute(
            name, display, call, value, value_node, statement, TargetForm.SETATTR, state, frame, conditional
        )
        return state


_MAX_UNROLL = 16


def _narrowed(state: FlowState, facts: Mapping[str, ValueFact]) -> FlowState:
    """A copy of ``state`` for one side of a branch, with the locals its test narrows."""
    branch = state.copy()
    branch.locals.update(facts)
    return branch


def _literal_items(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The elements of a short tuple/list display of literals (``("mean", "var")``), else []."""
    if not isinstance(node, (cst.Tuple, cst.List)) or not 0 < len(node.elements) <= _MAX_UNROLL:
        return []
    items = [element.value for element in node.elements]
    if any(isinstance(element, cst.StarredElement) for element in node.elements):
        return []
    if all(isinstance(item, (cst.SimpleString, cst.Integer)) for item in items):
        return items
    return []


def _hook_registrations(model: FileModel, function: cst.FunctionDef) -> list[cst.Call]:
    """``<anything>.register_forward_hook(...)`` and the other hook registrations inside ``function``."""
    return [
        call for call in function_index(model, function).calls
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in _HOOK_REGISTRATIONS
    ]


def _is_super(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "super"


def _followed_calls(
    node: cst.CSTNode,
    self_name: Optional[str],
    functions: Mapping[str, cst.FunctionDef],
    local_names: Mapping[str, object],
) -> list[cst.Call]:
    """``self.x(...)`` calls and calls of same-file top-level functions inside ``node``, in evaluation order
    (arguments before the call)."""
    found: list[cst.Call] = []
    for call in calls_in(node):
        func = call.func
        if isinstance(func, cst.Attribute):
            if self_name is not None and isinstance(func.value, cst.Name) and func.value.value == self_name:
                found.append(call)
        elif isinstance(func, cst.Name) and func.value in functions and func.value not in local_names:
            found.append(call)
        elif isinstance(func, cst.Name) and getattr(local_names.get(func.value), "partial", None) is not None:
            found.append(call)  # make = partial(helper, ...); make(...)
    return found
