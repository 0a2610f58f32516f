"""Tensors set on a module instance from outside its class: ``model = Net(); model.extra = torch.ones(3)``.

The class analysis walks module classes; this walks the rest of a file, cheaply: the top level and the body of
each top-level function, statement by statement in source order (never following calls). A local name is a
module instance when it is certainly one:

- bound by calling a module class: a class of the file, ``torch.nn``'s layers, or a module class that the
  project (or an installed package) defines, possibly through ``.to(...)``, ``.eval()`` and the other
  ``nn.Module`` methods that return the module itself;
- or a parameter of the function annotated with such a class.

A name stops being one as soon as it is bound again; inside a branch or a loop a binding counts only within
that block, and a loop forgets, before its body, every name the body binds.

What the instance already has under the attribute name comes from the class: for a class of the file, the
state its construction leaves (the class analysis's result); for another class, the names its source assigns
or registers (:meth:`torchlint.analysis.project.Project.instance_names`), or nothing is reported when the
source cannot be read. Only the first plain tensor a name gets is an event, as at runtime.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Callable, Optional

import libcst as cst

from torchlint.analysis.events import Slot, SuperInit
from torchlint.analysis.flow_state import InstanceState
from torchlint.analysis.tensor_inference import InferenceContext, infer
from torchlint.analysis.values import UNKNOWN, Kind, ValueFact
from torchlint.config.settings import Settings
from torchlint.outline.file_model import ClassInfo, FileModel
from torchlint.outline.module_classes import full_mro, mro
from torchlint.source.statements import small_statements
from torchlint.source.syntax import first_parameter, setattr_arguments
from torchlint.torch_facts.known_bases import MODULE_CLASS_PATHS, is_module_base
from torchlint.torch_facts.module_attributes import module_has

# nn.Module methods that return the module itself
_RETURNS_SELF = frozenset({"to", "cuda", "cpu", "eval", "train", "float", "double", "half", "bfloat16",
                           "requires_grad_", "to_empty", "type", "xpu", "ipu", "mtia", "share_memory"})
_REGISTERS = frozenset({"register_buffer", "register_parameter", "register_module", "add_module"})
# torch.nn classes whose instances hold no state by name of their own
_STATELESS_CONTAINERS = frozenset({
    "torch.nn.Module", "torch.nn.modules.module.Module", "torch.nn.Sequential", "torch.nn.ModuleList",
    "torch.nn.ModuleDict", "torch.nn.Identity",
})


@dataclass(frozen=True)
class InstanceNames:
    """What an instance of a class holds by name after construction, as far as its source tells."""

    registered: frozenset[str]  # buffers, parameters and submodules (or anything a buffer name must not be)
    plain: frozenset[str]  # plain attributes (assigned something else)
    class_names: frozenset[str]  # methods and class attributes of the class and its readable bases


ExternalNames = Callable[[str], Optional[InstanceNames]]  # a qualified class name -> what its instances hold


@dataclass(frozen=True)
class Instance:
    """A local name known to hold a module instance."""

    class_name: str  # as shown in messages
    names: InstanceNames


@dataclass(frozen=True)
class OutsideAssignment:
    """``obj.<name> = <tensor>`` or ``setattr(obj, "<name>", <tensor>)`` on a module instance, outside its class."""

    model: FileModel
    variable: str  # the local name holding the instance
    instance: Instance
    name: str
    target: cst.CSTNode  # the ``obj.name`` node, or the setattr() call
    statement: cst.BaseSmallStatement
    value: ValueFact
    value_node: cst.BaseExpression
    already_plain: bool  # the name is a plain attribute of the instance already (register_buffer raises)
    chained: bool  # ``a.x = b.x = value``
    setattr_form: bool
    other_values: tuple[ValueFact, ...]  # what the other writes of ``obj.<name>`` in the same scope assign
    conditional: bool  # inside a branch or loop
    context_settings: Settings


def names_after_init(
    info: ClassInfo, state: InstanceState, external: Callable[[str], Optional[InstanceNames]]
) -> Optional[InstanceNames]:
    """What a same-file class's construction leaves, from its analysis and (for bases outside the file) what
    ``external`` reads from their source; None when it cannot be told."""
    if state.opaque or state.super_init is not SuperInit.YES:
        return None
    outside: list[InstanceNames] = []
    for entry in full_mro(info):
        if isinstance(entry, str) and entry not in MODULE_CLASS_PATHS:
            names = external(entry)
            if names is None:
                return None
            outside.append(names)
    order = mro(info)
    plain = frozenset(name for name, slot in state.slots.items() if slot is Slot.PLAIN)
    # a plain tensor already (no new site), registered state, or maybe: every name construction leaves in
    # another slot, and every name another method of the class writes (it may register it)
    written = {write for cls in order for method in cls.methods.values() for write in _self_writes(method)}
    registered = frozenset(
        {name for name, slot in state.slots.items() if slot not in (Slot.PLAIN, Slot.UNSET)}
        | (written - plain)
    )
    class_names = frozenset(name for cls in order for name in (*cls.methods, *cls.class_attributes))
    for names in outside:
        registered, class_names = registered | names.registered, class_names | names.class_names
    return InstanceNames(registered, plain, class_names)


def _self_writes(method: cst.FunctionDef) -> Iterable[str]:
    """The names a method writes on its ``self``: assignment targets, setattr() and registration calls."""
    self_name = first_parameter(method)
    if self_name is None:
        return
    for small in small_statements(method.body):
        for _, variable, name, _ in _attribute_writes(small):
            if variable == self_name:
                yield name
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            registered = _registered_name(small.value)
            if registered is not None and registered[0] == self_name:
                yield registered[1]


def _registered_name(call: cst.Call) -> Optional[tuple[str, str]]:
    """``(variable, name)`` of ``variable.register_buffer("name", ...)`` and the other registration calls."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value in _REGISTERS):
        return None
    first = call.args[0].value if call.args else None
    if isinstance(first, cst.SimpleString) and isinstance(first.evaluated_value, str):
        return func.value.value, first.evaluated_value
    return None


class _Walker:
    def __init__(
        self,
        model: FileModel,
        globals_: Mapping[str, ValueFact],
        local_classes: Mapping[str, InstanceNames],
        external: ExternalNames,
        settings: Settings,
        emit: Callable[[OutsideAssignment], None],
    ) -> None:
        self.settings = settings
        self.model = model
        self.globals = globals_
        self.local_classes = local_classes
        self.external = external
        self.extra_bases = settings.extend_module_bases
        self.emit = emit
        self.writes: dict[tuple[str, str], list[tuple[cst.CSTNode, cst.BaseExpression]]] = {}

    def collect_writes(self, statements: Sequence[cst.CSTNode]) -> None:
        """Every ``x.<name> = value`` and ``setattr(x, "<name>", value)`` of a scope, without flow."""
        self.writes = {}
        for statement in statements:
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                continue
            for small in small_statements(statement):
                for target, variable, name, value in _attribute_writes(small):
                    self.writes.setdefault((variable, name), []).append((target, value))

    # --- what a name holds ------------------------------------------------------------------------------

    def _class_instance(self, node: Optional[cst.BaseExpression]) -> Optional[Instance]:
        """The instance a class reference (a constructor's callee or an annotation) makes, if a module class."""
        if node is None:
            return None
        if isinstance(node, cst.Name) and node.value in self.local_classes:
            return Instance(node.value, self.local_classes[node.value])
        qualified = self.model.imports.qualify(node)
        if qualified is None:
            return None
        if qualified in _STATELESS_CONTAINERS:
            return Instance(qualified, InstanceNames(frozenset(), frozenset(), frozenset()))
        if not (is_module_base(qualified, self.extra_bases) or self.model.external_is_module(qualified)):
            return None
        names = self.external(qualified)
        return None if names is None else Instance(qualified, names)

    def _constructed(self, node: cst.BaseExpression) -> Optional[Instance]:
        while (
            isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in _RETURNS_SELF
        ):
            node = node.func.value
        if isinstance(node, cst.Call):
            return self._class_instance(node.func)
        return None

    # --- walking ----------------------------------------------------------------------------------------

    def function(self, function: cst.FunctionDef) -> None:
        instances: dict[str, Instance] = {}
        facts: dict[str, ValueFact] = {}
        params = function.params
        for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
            facts[param.name.value] = UNKNOWN
            if param.annotation is not None:
                found = self._class_instance(_unquoted(param.annotation.annotation))
                if found is not None:
                    instances[param.name.value] = found
        body = function.body.body if isinstance(function.body, cst.IndentedBlock) else ()
        self.collect_writes(body)
        self.block(body, _Scope(instances, facts, {}), conditional=False)

    def block(self, statements: Sequence[cst.CSTNode], scope: _Scope, conditional: bool) -> None:
        for statement in statements:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self.small(small, scope, conditional)
            elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                scope.forget([statement.name.value])
            elif isinstance(statement, (cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar, cst.Match)):
                bound = _bound_names(statement)
                if isinstance(statement, (cst.For, cst.While)):
                    scope.forget(bound)
                for part in _suites(statement):
                    inner = scope.copy()
                    self.block(part, inner, conditional=True)
                    scope.plain_names.update(inner.plain_names)
                scope.forget(bound)

    def small(self, small: cst.BaseSmallStatement, scope: _Scope, conditional: bool) -> None:
        ctx = InferenceContext(model=self.model, globals=self.globals, locals=scope.facts)
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            registered = _registered_name(small.value)
            if registered is not None:
                scope.plain_names[registered] = True  # registered now: later writes keep it registered
                return
            arguments = setattr_arguments(small.value)
            if arguments is not None:
                obj, key, value_node = arguments
                if isinstance(obj, cst.Name) and isinstance(key, cst.SimpleString):
                    name = key.evaluated_value
                    if isinstance(name, str):
                        self._write(obj.value, name, small.value, small, value_node, False, True, scope, ctx,
                                    conditional)
            return
        if isinstance(small, cst.Assign):
            targets = [target.target for target in small.targets]
            value_node: Optional[cst.BaseExpression] = small.value
        elif isinstance(small, cst.AnnAssign):
            targets, value_node = [small.target], small.value
        elif isinstance(small, cst.AugAssign):
            targets, value_node = [small.target], None
        else:
            return
        for target in targets:
            if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and value_node is not None:
                self._write(target.value.value, target.attr.value, target, small, value_node, len(targets) > 1,
                            False, scope, ctx, conditional)
        value = infer(value_node, ctx) if value_node is not None else UNKNOWN
        constructed = self._constructed(value_node) if value_node is not None else None
        for target in targets:
            names = [target.value] if isinstance(target, cst.Name) else list(_names_in(target))
            scope.forget(names)
            if isinstance(target, cst.Name):
                scope.facts[target.value] = value
                if constructed is not None and isinstance(small, (cst.Assign, cst.AnnAssign)):
                    scope.instances[target.value] = constructed

    def _write(
        self, variable: str, name: str, target: cst.CSTNode, statement: cst.BaseSmallStatement,
        value_node: cst.BaseExpression, chained: bool, setattr_form: bool, scope: _Scope, ctx: InferenceContext,
        conditional: bool,
    ) -> None:
        instance = scope.instances.get(variable)
        if instance is None:
            return
        key = (variable, name)
        value = infer(value_node, ctx)
        seen = scope.plain_names.get(key)
        reportable = (
            value.kind is Kind.TENSOR and seen is not True and name not in instance.names.registered
            and name and "." not in name and not module_has(name) and name not in instance.names.class_names
        )
        if reportable:
            self.emit(
                OutsideAssignment(
                    model=self.model, variable=variable, instance=instance, name=name, target=target,
                    statement=statement, value=value, value_node=value_node,
                    already_plain=seen is False or name in instance.names.plain, chained=chained,
                    setattr_form=setattr_form, other_values=self._other_values(key, target), conditional=conditional,
                    context_settings=self.settings,
                )
            )
        if value.kind in (Kind.TENSOR, Kind.MODULE, Kind.PARAMETER, Kind.BUFFER, Kind.UNKNOWN):
            # a plain tensor now (reported once), or registered state, or maybe: silent on later writes
            scope.plain_names[key] = True
        elif seen is None:
            scope.plain_names[key] = False

    def _other_values(self, key: tuple[str, str], target: cst.CSTNode) -> tuple[ValueFact, ...]:
        """What the other writes of ``variable.<name>`` in the scope assign (a buffer rejects non-tensors)."""
        ctx = InferenceContext(model=self.model, globals=self.globals)
        return tuple(infer(node, ctx) for other, node in self.writes.get(key, ()) if other is not target)


class _Scope:
    """What one scope knows at a point of its walk."""

    def __init__(
        self, instances: dict[str, Instance], facts: dict[str, ValueFact], plain_names: dict[tuple[str, str], bool]
    ) -> None:
        self.instances = instances
        self.facts = facts
        # (variable, name) -> True once the name holds a plain tensor (or may hold registered state): no
        # later event; False once it holds another plain value
        self.plain_names = plain_names

    def copy(self) -> _Scope:
        return _Scope(dict(self.instances), dict(self.facts), dict(self.plain_names))

    def forget(self, names: Iterable[str]) -> None:
        for name in names:
            self.instances.pop(name, None)
            self.facts.pop(name, None)
            for key in [key for key in self.plain_names if key[0] == name]:
                del self.plain_names[key]


def _attribute_writes(
    small: cst.BaseSmallStatement,
) -> Iterable[tuple[cst.CSTNode, str, str, cst.BaseExpression]]:
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        arguments = setattr_arguments(small.value)
        if arguments is not None:
            obj, key, value = arguments
            if isinstance(obj, cst.Name) and isinstance(key, cst.SimpleString):
                name = key.evaluated_value
                if isinstance(name, str):
                    yield small.value, obj.value, name, value
    elif isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
        for target in targets:
            if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
                yield target, target.value.value, target.attr.value, small.value


def _unquoted(annotation: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(annotation, cst.SimpleString):
        value = annotation.evaluated_value
        if isinstance(value, str):
            try:
                return cst.parse_expression(value)
            except cst.ParserSyntaxError:
                return annotation
    return annotation


def _names_in(target: cst.BaseExpression) -> Iterable[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _names_in(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _names_in(target.value)


def _suites(statement: cst.CSTNode) -> list[Sequence[cst.CSTNode]]:
    """The statement lists of a compound statement's parts (body, else, handlers, finally, cases)."""
    parts: list[Sequence[cst.CSTNode]] = []
    pending: list[cst.CSTNode] = [statement]
    while pending:
        node = pending.pop()
        body = getattr(node, "body", None)
        if isinstance(body, cst.IndentedBlock):
            parts.append(body.body)
        for name in ("orelse", "finalbody"):
            child = getattr(node, name, None)
            if child is not None:
                pending.append(child)
        pending.extend(getattr(node, "handlers", ()))
        pending.extend(getattr(node, "cases", ()))
    return parts


def _bound_names(statement: cst.CSTNode) -> set[str]:
    """Every name a compound statement may bind: assignment, loop and with targets, imports, defs."""
    found: set[str] = set()

    class Finder(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            return None

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            found.update(_names_in(node.target))

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            found.update(_names_in(node.target))

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            found.update(_names_in(node.target))

        def visit_For(self, node: cst.For) -> None:
            found.update(_names_in(node.target))

        def visit_AsName(self, node: cst.AsName) -> None:
            if isinstance(node.name, (cst.Name, cst.Tuple, cst.List)):
                found.update(_names_in(node.name))

        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            found.update(_names_in(node.target))

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            found.add(node.name.value)
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            found.add(node.name.value)
            return False

    statement.visit(Finder())
    return found


def may_set_attributes_outside(model: FileModel) -> bool:
    """Whether the file sets an attribute of a name (``x.y = ...`` or ``setattr(x, ...)``) at its top level
    or in a top-level function: a first, cheap filter for files without module classes."""
    scopes: list[cst.CSTNode] = [model.module, *model.functions.values()]
    for scope in scopes:
        body = scope.body if isinstance(scope, cst.Module) else getattr(scope.body, "body", ())
        for statement in body:
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                continue
            for small in small_statements(statement):
                if any(True for _ in _attribute_writes(small)):
                    return True
    return False


def outside_assignments(
    model: FileModel,
    globals_: Mapping[str, ValueFact],
    local_classes: Mapping[str, InstanceNames],
    external: ExternalNames,
    settings: Settings,
    emit: Callable[[OutsideAssignment], None],
) -> None:
    """Emit an :class:`OutsideAssignment` for each first plain tensor set on a module instance outside its
    class, at the top level of the file or in its top-level functions."""
    walker = _Walker(model, globals_, local_classes, external, settings, emit)
    walker.collect_writes(model.module.body)
    walker.block(model.module.body, _Scope({}, {}, {}), conditional=False)
    for function in model.functions.values():
        walker.function(function)

