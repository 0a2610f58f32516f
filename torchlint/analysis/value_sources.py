"""Where a container assigned to ``self`` comes from, read from the source of the function that assigns it.

The class analysis says *what* a value is (a list whose elements are modules, ...). Rules about containers
also need to know *whose* those elements are: ``[nn.Linear(4, 4) for _ in range(3)]`` builds new layers
that nothing registers, while ``[self.encoder, self.decoder]`` or ``[block]`` after ``self.block = block``
only refers to modules that are registered already. This module answers that, conservatively, from the
function's own source: a name counts as handed off (possibly registered elsewhere) as soon as it is passed
to a call, unpacked, stored or returned anywhere else in the function.

It also collects the elements a list or dict receives after it is created (``layers.append(...)``,
``self.heads[name] = ...``), and the list/dict methods called on an attribute, which decide whether a
registered container (``nn.ModuleList``, ...) can stand in for the plain one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

import libcst as cst

from torchlint.analysis.events import AttributeAssignment, Context, Phase
from torchlint.analysis.function_index import FunctionIndex, Occurrence, function_index
from torchlint.analysis.method_graph import construction_methods, methods_named
from torchlint.analysis.parameters import parameter_fact
from torchlint.analysis.tensor_inference import InferenceContext, infer
from torchlint.analysis.values import UNKNOWN, Kind, ValueFact, merge
from torchlint.source.syntax import first_parameter

_MAX_DEPTH = 8
_GROWING_METHODS = frozenset({"append", "extend", "insert", "update"})
# Calls that only look at their argument: passing a container to them hands nothing off.
_INSPECTING_CALLS = frozenset({"len", "isinstance", "id", "print", "repr", "type", "bool"})
_INSPECTING_PARENTS = (
    cst.Comparison, cst.ComparisonTarget, cst.BooleanOperation, cst.UnaryOperation, cst.If, cst.While,
    cst.Assert, cst.FormattedStringExpression,
)
_BINDING_PARENTS = (cst.AsName, cst.Param, cst.Del, cst.ImportAlias, cst.FunctionDef, cst.ClassDef,
                    cst.NameItem, cst.Annotation, cst.Decorator)
_DISPLAYS = (cst.List, cst.Tuple, cst.Dict, cst.ListComp, cst.GeneratorExp, cst.DictComp)

Display = Union[cst.List, cst.Tuple, cst.Dict, cst.ListComp, cst.GeneratorExp, cst.DictComp]


@dataclass(frozen=True)
class Element:
    """One element a container holds (one per comprehension), with what it is and whether it is new."""

    fact: ValueFact
    node: Optional[cst.BaseExpression]
    owned: bool  # a new object that nothing else in the function refers to
    key: Optional[cst.BaseExpression] = None  # its key, for a dict


@dataclass
class ContainerSource:
    """How the container assigned by one statement was built."""

    display: Display  # the display or comprehension that created it
    chain: list[cst.BaseExpression]  # the assigned value, then the locals and copies it came through
    elements: list[Element] = field(default_factory=list)  # from the display, then appends, in source order


def is_self_rooted(node: cst.BaseExpression, self_id: Optional[str]) -> bool:
    """``self.a``, ``self.blocks[0]``, ``self.a.b``: a reference to state the instance already holds."""
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return self_id is not None and isinstance(node, cst.Name) and node.value == self_id


def is_self_attribute(node: cst.CSTNode, self_id: Optional[str], name: str) -> bool:
    return (
        isinstance(node, cst.Attribute) and node.attr.value == name
        and isinstance(node.value, cst.Name) and node.value.value == self_id
    )


def _hands_off(node: cst.CSTNode, parent: Optional[cst.CSTNode], grandparent: Optional[cst.CSTNode]) -> bool:
    """Whether this occurrence of a value passes the object itself on (to a call, a display, a store, ...)."""
    if parent is None:
        return True
    if isinstance(parent, cst.Attribute):
        return False  # layers.append, layer.weight, or the attribute name of some other object
    if isinstance(parent, cst.Subscript) and parent.value is node:
        return False
    if isinstance(parent, cst.Call) and parent.func is node:
        return False
    if isinstance(parent, cst.Arg):
        if parent.keyword is node:
            return False
        return not (
            isinstance(grandparent, cst.Call) and isinstance(grandparent.func, cst.Name)
            and grandparent.func.value in _INSPECTING_CALLS
        )
    if isinstance(parent, cst.AssignTarget) or isinstance(parent, _BINDING_PARENTS):
        return False
    if isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and parent.target is node:
        return False
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.target is node:
        return False
    if isinstance(parent, cst.NamedExpr) and parent.target is node:
        return False
    if isinstance(parent, cst.IfExp) and parent.test is node:
        return False
    return not isinstance(parent, _INSPECTING_PARENTS)


def name_handed_off(index: FunctionIndex, name: str, allowed: Iterable[cst.CSTNode] = ()) -> bool:
    """Whether the local ``name`` is passed on anywhere in the function other than at the ``allowed`` nodes."""
    return _any_hand_off(index.names.get(name, ()), allowed)


def attribute_handed_off(index: FunctionIndex, name: str, allowed: Iterable[cst.CSTNode] = ()) -> bool:
    """Whether ``self.<name>`` is passed on anywhere in the function other than at the ``allowed`` nodes."""
    self_id = first_parameter(index.function)
    occurrences = [found for found in index.attributes.get(name, ()) if is_self_attribute(found[0], self_id, name)]
    return _any_hand_off(occurrences, allowed)


def _any_hand_off(occurrences: Iterable[Occurrence], allowed: Iterable[cst.CSTNode]) -> bool:
    skip = {id(node) for node in allowed}
    return any(
        id(node) not in skip and _hands_off(node, parent, grandparent) for node, parent, grandparent in occurrences
    )


def _string_literals(node: cst.BaseExpression) -> Optional[list[cst.SimpleString]]:
    """The elements of a tuple/list display of string literals, else None."""
    if not isinstance(node, (cst.Tuple, cst.List)) or not node.elements:
        return None
    items = [element.value for element in node.elements]
    if all(isinstance(item, cst.SimpleString) and isinstance(item.evaluated_value, str) for item in items):
        return items  # type: ignore[return-value]
    return None


def loop_strings(index: FunctionIndex, name: cst.Name) -> Optional[list[cst.SimpleString]]:
    """For a local bound only by ``for <name> in ("a", "b"):``, the string literals it runs through."""
    binders = index.binders.get(name.value, [])
    if len(binders) != 1 or not isinstance(binders[0], cst.For) or not isinstance(binders[0].target, cst.Name):
        return None
    return _string_literals(binders[0].iter)


def _comprehension_strings(node: cst.DictComp) -> Optional[list[cst.SimpleString]]:
    """``{k: ... for k in ("a", "b")}``: the string literals the key runs through."""
    clause = node.for_in
    if (
        clause.inner_for_in is None and isinstance(node.key, cst.Name) and isinstance(clause.target, cst.Name)
        and clause.target.value == node.key.value
    ):
        return _string_literals(clause.iter)
    return None


def _mentions_attribute(node: cst.BaseExpression, self_id: Optional[str], name: str) -> bool:
    """``self.<name>``, ``self.<name>[i]`` or ``self.<name>.values()`` as (the start of) an argument."""
    while True:
        if is_self_attribute(node, self_id, name):
            return True
        if isinstance(node, (cst.Attribute, cst.Subscript)):
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        else:
            return False


def _is_name(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _is_copy_call(node: cst.Call, ctx: InferenceContext) -> bool:
    """``list(x)`` / ``tuple(x)`` of one positional argument, the builtins not shadowed."""
    return (
        isinstance(node.func, cst.Name) and node.func.value in ("list", "tuple")
        and node.func.value not in ctx.locals and len(node.args) == 1
        and node.args[0].keyword is None and not node.args[0].star
    )


def _calls_getattr_on(node: cst.BaseExpression, self_id: Optional[str]) -> bool:
    """``getattr(self, name)``: a lookup of state the instance holds."""
    return (
        isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "getattr"
        and bool(node.args) and isinstance(node.args[0].value, cst.Name) and node.args[0].value.value == self_id
    )


_HELPERS: dict[int, tuple[Context, list[Sources]]] = {}  # by class analysis: its construction helpers


def _construction_helpers(context: Context) -> list[Sources]:
    """The methods other than ``__init__`` that construction may run
    (:func:`torchlint.analysis.method_graph.construction_methods`), undecorated."""
    cached = _HELPERS.get(id(context))
    if cached is not None and cached[0] is context:
        return cached[1]
    order = context.class_order
    reached = construction_methods(order)
    helpers = [
        Sources(context, method) for method in methods_named(order, sorted(reached - {"__init__"}))
        if not method.decorators
    ]
    if len(_HELPERS) > 64:
        _HELPERS.clear()
    _HELPERS[id(context)] = (context, helpers)
    return helpers


def methods(context: Context) -> list[cst.FunctionDef]:
    """Every method of the class order, the subclass's first."""
    return [method for cls in context.class_order for method in cls.methods.values()]


def methods_called_on(context: Context, name: str) -> set[str]:
    """Names of the methods called on ``self.<name>`` anywhere in the class order (``self.x.get(...)``)."""
    called: set[str] = set()
    for method in methods(context):
        self_id = first_parameter(method)
        for call in function_index(context.model, method).calls:
            func = call.func
            if isinstance(func, cst.Attribute) and is_self_attribute(func.value, self_id, name):
                called.add(func.attr.value)
    return called


def holds(fact: ValueFact, kind: Kind) -> bool:
    """Whether ``fact`` is of ``kind``, or a container with such an element at any depth."""
    return fact.kind is kind or (fact.is_container and any(holds(element, kind) for element in fact.elements))


def owned_kinds(elements: Sequence[Element]) -> set[Kind]:
    """The kinds (at any nesting depth) of the new objects among ``elements``."""
    return {kind for element in elements if element.owned for kind in Kind if holds(element.fact, kind)}


class Sources:
    """Answers about the values of one function of a class: where locals come from, and what is new."""

    def __init__(self, context: Context, function: cst.FunctionDef, method: bool = True) -> None:
        """``method=False`` for a top-level function of the file: it has no ``self``."""
        self.context = context
        self.function = function
        self.index = function_index(context.model, function)
        self.self_id = first_parameter(function) if method else None
        model = context.model
        parameters = [
            *function.params.posonly_params, *function.params.params, *function.params.kwonly_params
        ][1 if method else 0:]
        self.ctx = InferenceContext(
            model=model,
            globals=context.index.globals,
            locals={  # parameters whose annotation says what they hold, as the class analysis binds them
                param.name.value: fact for param in parameters
                if (fact := parameter_fact(param, model, context.index.globals)) != UNKNOWN
            },
            self_name=self.self_id,
            instance=context.instance,
            instance_mro=context.class_order,
            module_classes={info.name: info for info in model.classes if info.is_module},
        )

    # --- single values -------------------------------------------------------------------------------------

    def fact(self, node: cst.BaseExpression, depth: int = 0) -> ValueFact:
        """What ``node`` evaluates to, looking through locals that plain assignments define."""
        if isinstance(node, cst.Name) and node.value != self.self_id and depth < _MAX_DEPTH:
            defined = self.index.definitions(node.value)
            if defined:
                facts = [self.fact(value, depth + 1) for value in defined]
                result = facts[0]
                for other in facts[1:]:
                    result = merge(result, other)
                return result
            if defined is None:
                return UNKNOWN
        return infer(node, self.ctx)

    def owned(self, node: cst.BaseExpression, allowed: Sequence[cst.CSTNode] = (), depth: int = 0) -> bool:
        """Whether ``node`` evaluates to a new object that nothing else in the function (other than at the
        ``allowed`` nodes) holds: a constructor or factory call, or a local that is used only here."""
        if depth >= _MAX_DEPTH:
            return False
        if isinstance(node, cst.Name):
            if node.value == self.self_id or name_handed_off(self.index, node.value, [node, *allowed]):
                return False
            defined = self.index.definitions(node.value)
            if defined is None:
                return False
            return all(self.owned(value, allowed, depth + 1) for value in defined)
        if isinstance(node, cst.Call):
            func = node.func
            if self.ctx.model.imports.qualify(func) is not None or isinstance(func, cst.Name):
                return True  # nn.Linear(...), torch.zeros(...), Block(...), make_block(...)
            if isinstance(func, cst.Attribute):
                if isinstance(func.value, cst.Name) and func.value.value == self.self_id:
                    return self._method_returns_new(func.attr.value)
                return self.owned(func.value, allowed, depth + 1)  # layer.to(device) is that layer
            return False
        if isinstance(node, cst.IfExp):
            return self.owned(node.body, allowed, depth + 1) and self.owned(node.orelse, allowed, depth + 1)
        if isinstance(node, (cst.List, cst.Tuple)):  # a nested display: new when everything in it is
            return all(self.owned(item.value, allowed, depth + 1) for item in node.elements)
        if isinstance(node, cst.Dict):
            return all(
                isinstance(item, cst.DictElement) and self.owned(item.value, allowed, depth + 1)
                for item in node.elements
            )
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)):
            return self.owned(node.elt, allowed, depth + 1)
        if isinstance(node, cst.DictComp):
            return self.owned(node.value, allowed, depth + 1)
        return not is_self_rooted(node, self.self_id)

    def _method_returns_new(self, name: str) -> bool:
        """``self.make_block(...)``: new unless the method returns state the instance holds (``self.x``)."""
        method = self.context.class_attribute(name)
        if not isinstance(method, cst.FunctionDef):
            return False
        method_self = first_parameter(method)
        returned = [ret.value for ret in function_index(self.context.model, method).returns if ret.value is not None]
        return not any(
            is_self_rooted(value, method_self) or _calls_getattr_on(value, method_self) for value in returned
        )

    # --- containers ----------------------------------------------------------------------------------------

    def chain(self, node: cst.BaseExpression) -> list[cst.BaseExpression]:
        """``node``, then what it names or copies (``layers`` -> its one definition, ``list(x)`` -> ``x``),
        down to the first node that is neither: a display, a call, an attribute, ..."""
        links = [node]
        for _ in range(_MAX_DEPTH):
            if isinstance(node, cst.Call) and _is_copy_call(node, self.ctx):
                node = node.args[0].value
            elif isinstance(node, cst.Name) and node.value != self.self_id:
                defined = self.index.definitions(node.value)
                if not defined or len(defined) != 1:
                    break
                node = defined[0]
            else:
                break
            links.append(node)
        return links

    def shared(self, event: AttributeAssignment, chain: Sequence[cst.BaseExpression]) -> bool:
        """Whether the object ``event`` assigns is also handed to something else while the module is built:
        ``nn.Sequential(*layers)``, ``nn.ModuleList(self.layers)``, ``for m in layers: self.add_module(..)``."""
        allowed: list[cst.CSTNode] = [*chain]
        if any(
            name_handed_off(self.index, link.value, allowed) for link in chain
            if isinstance(link, cst.Name) and link.value != self.self_id
        ):
            return True
        if event.name is None:
            return False
        builders = [self.function, *(cls.methods["__init__"] for cls in self.context.class_order
                                     if "__init__" in cls.methods)]
        return any(
            attribute_handed_off(function_index(self.context.model, function), event.name, [event.target])
            for function in dict.fromkeys(builders)
        ) or self._registered_by_any_method(event.name)

    def _registered_by_any_method(self, name: str) -> bool:
        """``nn.Sequential(*self.<name>)``, ``self.add_module(k, self.<name>[i])``-like calls anywhere in the
        class: some method registers what the container holds."""
        for method in methods(self.context):
            self_id = first_parameter(method)
            for call in function_index(self.context.model, method).calls:
                if not any(_mentions_attribute(arg.value, self_id, name) for arg in call.args):
                    continue
                func = call.func
                if isinstance(func, cst.Name) and func.value == "setattr":
                    return True
                if isinstance(func, cst.Attribute) and func.attr.value in ("add_module", "register_module"):
                    return True
                if infer(call, self.ctx).kind is Kind.MODULE:
                    return True
        return False

    def container(self, event: AttributeAssignment) -> Optional[ContainerSource]:
        """How the list/tuple/dict that ``event`` assigns was built, or None when that is not visible here.
        Whether it is shared is a separate question (:meth:`shared`), worth its cost once the elements are."""
        if event.value_node is None or not event.value.is_container:
            return None
        chain = self.chain(event.value_node)
        display = chain[-1]
        if not isinstance(display, _DISPLAYS):
            return None
        source = ContainerSource(display, chain)
        source.elements.extend(self._display_elements(display, event.value.elements, chain))
        for link in chain:
            if isinstance(link, cst.Name):
                name = link.value
                source.elements.extend(self._added_elements(lambda node, n=name: _is_name(node, n), chain))
        attribute = event.name
        if attribute is not None:
            source.elements.extend(
                self._added_elements(lambda node: is_self_attribute(node, self.self_id, attribute), chain)
            )
            if event.phase is Phase.INIT:
                source.elements.extend(self._added_while_constructing(attribute))
        return source

    def _added_while_constructing(self, attribute: str) -> list[Element]:
        """Elements that the other methods construction runs (``self.update_layer(...)`` from an
        ``__init__`` of the class order, and what they call on ``self``) add to ``self.<attribute>``."""
        added: list[Element] = []
        for inner in _construction_helpers(self.context):
            if inner.function is self.function or attribute not in inner.index.attributes:
                continue
            self_id = inner.self_id
            added.extend(inner._added_elements(lambda node, own=self_id: is_self_attribute(node, own, attribute), []))
        return added

    def helper_container(self, event: AttributeAssignment) -> Optional[ContainerSource]:
        """The container that a helper builds and returns, for ``self.freqs = self._precompute(n)`` or
        ``self.grid = make_grid(n)``: a method of the class order or a top-level function of the file, every
        ``return`` of which gives a display (or a local built from one, then grown) that nothing else in the
        helper holds. None when that is not visible."""
        if event.value_node is None or not event.value.is_container:
            return None
        chain = self.chain(event.value_node)
        call = chain[-1]
        found = self._helper(call)
        if found is None:
            return None
        helper, method = found
        inner = Sources(self.context, helper, method)
        returns = inner.index.returns
        if not returns or any(ret.value is None for ret in returns) or is_generator(helper):
            return None
        elements: list[Element] = []
        displays: list[Display] = []
        for ret in returns:
            assert ret.value is not None
            links = inner.chain(ret.value)
            display = links[-1]
            if not isinstance(display, _DISPLAYS) or any(
                name_handed_off(inner.index, link.value, links) for link in links if isinstance(link, cst.Name)
            ):
                return None
            displays.append(display)
            elements.extend(inner._display_elements(display, (), links))
            for link in links:
                if isinstance(link, cst.Name):
                    elements.extend(inner._added_elements(lambda node, n=link.value: _is_name(node, n), links))
        source = ContainerSource(displays[0], chain, elements)
        attribute = event.name
        if attribute is not None:
            source.elements.extend(
                self._added_elements(lambda node: is_self_attribute(node, self.self_id, attribute), chain)
            )
            if event.phase is Phase.INIT:
                source.elements.extend(self._added_while_constructing(attribute))
        return source

    def _helper(self, call: cst.BaseExpression) -> Optional[tuple[cst.FunctionDef, bool]]:
        """The function a call of ``self.<method>(...)`` or of a top-level function runs, and whether it is a
        method."""
        if not isinstance(call, cst.Call) or any(arg.star for arg in call.args):
            return None
        func = call.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == self.self_id:
            method = self.context.class_attribute(func.attr.value)
            if isinstance(method, cst.FunctionDef) and not method.decorators:
                return method, True
            return None
        if isinstance(func, cst.Name) and func.value not in self.index.binders and func.value != self.self_id:
            function = self.context.model.functions.get(func.value)
            if function is not None and not function.decorators:
                return function, False
        return None

    def _display_elements(
        self, display: Display, hints: Sequence[ValueFact], allowed: Sequence[cst.CSTNode]
    ) -> list[Element]:
        if isinstance(display, (cst.ListComp, cst.GeneratorExp)):
            nodes: list[tuple[cst.BaseExpression, Optional[cst.BaseExpression]]] = [(display.elt, None)]
        elif isinstance(display, cst.DictComp):
            keys = _comprehension_strings(display)
            if keys:
                hints = [hints[0]] * len(keys) if len(hints) == 1 else []
                nodes = [(display.value, key) for key in keys]
            else:
                nodes = [(display.value, display.key)]
        elif isinstance(display, cst.Dict):
            nodes = [
                (element.value, element.key) for element in display.elements if isinstance(element, cst.DictElement)
            ]
        else:
            nodes = [(element.value, None) for element in display.elements]
        if len(hints) != len(nodes):
            hints = [self.fact(node) for node, _ in nodes]
        return [
            Element(fact, node, self.owned(node, allowed), key) for (node, key), fact in zip(nodes, hints)
        ]

    def _added_elements(
        self, is_container: Callable[[cst.CSTNode], bool], allowed: Sequence[cst.CSTNode]
    ) -> list[Element]:
        """Elements that ``x.append(v)``, ``x.insert(i, v)``, ``x.extend([...])``, ``x += [...]``,
        ``x.update({...})`` and ``x[k] = v`` add to the container ``x`` within the function."""
        added: list[Element] = []

        def element(node: cst.BaseExpression, key: Optional[cst.BaseExpression] = None) -> Element:
            return Element(self.fact(node), node, self.owned(node, allowed), key)

        def spread(node: cst.BaseExpression) -> None:
            if isinstance(node, (cst.List, cst.Tuple)):
                for item in node.elements:
                    if isinstance(item, cst.StarredElement):
                        added.append(Element(UNKNOWN, None, False))
                    else:
                        added.append(element(item.value))
            elif isinstance(node, (cst.ListComp, cst.GeneratorExp)):
                added.append(element(node.elt))
            elif isinstance(node, cst.Dict):
                for item in node.elements:
                    if isinstance(item, cst.DictElement):
                        added.append(element(item.value, item.key))
                    else:
                        added.append(Element(UNKNOWN, None, False))
            elif isinstance(node, cst.DictComp):
                added.append(element(node.value, node.key))
            else:
                added.append(Element(UNKNOWN, None, False))

        for call in self.index.calls:
            func = call.func
            if not isinstance(func, cst.Attribute) or func.attr.value not in _GROWING_METHODS:
                continue
            if not is_container(func.value):
                continue
            method = func.attr.value
            positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
            if any(arg.star or arg.keyword is not None for arg in call.args):
                added.append(Element(UNKNOWN, None, False))
            elif method == "append" and len(positional) == 1:
                added.append(element(positional[0]))
            elif method == "insert" and len(positional) == 2:
                added.append(element(positional[1]))
            elif method in ("extend", "update") and len(positional) == 1:
                spread(positional[0])
            else:
                added.append(Element(UNKNOWN, None, False))
        for statement in self.index.assignments:
            if isinstance(statement, cst.AugAssign):
                if is_container(statement.target):
                    spread(statement.value)
            elif isinstance(statement, cst.Assign):
                for target in statement.targets:
                    subscript = target.target
                    if isinstance(subscript, cst.Subscript) and is_container(subscript.value):
                        index = subscript.slice[0].slice if len(subscript.slice) == 1 else None
                        key = index.value if isinstance(index, cst.Index) else None
                        literals = loop_strings(self.index, key) if isinstance(key, cst.Name) else None
                        for literal in literals or [key]:
                            added.append(element(statement.value, literal))
        return added


class _YieldFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_Yield(self, node: cst.Yield) -> bool:
        self.found = True
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # a nested function's yield makes only that one a generator

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def is_generator(function: cst.FunctionDef) -> bool:
    """Whether ``function`` contains ``yield`` (outside nested functions): calling it returns a generator."""
    finder = _YieldFinder()
    function.body.visit(finder)
    return finder.found
