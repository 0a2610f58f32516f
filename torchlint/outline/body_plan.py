"""Which function bodies of a file the analysis and the selected rules need, read from Python's own tree.

The class analysis walks what constructing a module class runs (``__init__`` and the methods it reaches)
and, in ``forward`` and the hooks, what changes the instance; events, and so findings, come only from
writes of ``self`` (``self.x = ...``, ``setattr``/``delattr``, ``register_buffer``/``register_parameter``/
``add_module``/``register_module``). A method body is needed when

- it is ``__init__``, or a method on a path of calls to a method that writes ``self`` (the value written
  may come from what the path computes, and the state it leaves behind reaches later statements): a
  method whose own body writes ``self``, or spells the name of such a method (one class's ``forward``
  that caches a tensor makes that ``forward`` needed, not every ``forward`` of the file);
- a needed body names it (``self.m(...)``, ``super().m(...)``, ``Base.m(self)``, ``self.m`` as a hook, a
  property ``self.m = ...``): its result, or what it does, feeds the analysis;
- it defines a class (which may be a module class of its own), or declares ``global``/``nonlocal``;
- a selected rule reports findings in it (:class:`torchlint.contract.rule.BodyNeed`), or it names such a
  method (whether a finding there matters may depend on what each caller does with the method's result).

A function at the top level of the file is needed when code that is kept (a needed body, a class body, a
decorator, a default value, any other top-level statement) spells its name: the analysis follows calls of
same-file functions and infers what they return. So is a top-level assignment to plain names (the
analysis reads what it binds, ``MASK = torch.ones(3)``) that spans several lines, such as a table of
pretrained configurations: only when kept code spells one of the names.

A name counts as soon as a needed body spells it, so the set over-approximates what runs: ``self.m`` and
``super().m`` count for the methods ``m`` of the classes of the file related to the method's own class by
bases (its family: a subclass may override ``m``, a base or a mixin define it), any other attribute ``x.m``
for every method ``m`` of the file, a plain name for the top-level function it names.
Every other body can be blanked out for LibCST (see :mod:`torchlint.source.masking`). Class bodies,
top-level statements, and functions and classes inside top-level ``if``/``try``/``with`` blocks are kept.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Optional, Union

from torchlint.contract.rule import BodyNeed
from torchlint.outline.string_statements import string_statement_spans
from torchlint.source.ast_walk import walk
from torchlint.source.masking import Span, indentation
from torchlint.source.recently_used import RecentlyUsed

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]

_REGISTRATIONS = frozenset({"register_buffer", "register_parameter", "add_module", "register_module"})
_DYNAMIC_WRITES = frozenset({"setattr", "delattr"})
_DEVICE_DTYPE_KEYWORDS = frozenset({"device", "dtype"})
_MOVES = frozenset({"to", "type", "cuda"})


@dataclass(eq=False)
class Unit:
    """A method, a top-level function or a multi-line top-level assignment: what may be blanked."""

    defines: frozenset[str]  # the method's name, or the top-level names the unit binds
    is_method: bool
    span: Optional[Span]  # the lines that would be blanked; None when they cannot be
    definition: Optional[Span] = None  # a function's: its whole definition (but decorators) in one line
    mentions: set[str] = field(default_factory=set)  # attribute names spelled in it, other than own ones
    own_mentions: set[str] = field(default_factory=set)  # names spelled as self.m or super().m (a method)
    family: Optional[str] = None  # a method's: its class's family (classes of the file related by bases)
    names: set[str] = field(default_factory=set)  # every plain name spelled in it
    writes: bool = False  # a method that writes self, or may (setattr, a registration call)
    kept: bool = False  # needed whatever names it: it defines a class, or a rule reports in it
    reported_in: bool = False  # a selected rule reports in it: the methods that name it are needed too


def _first_parameter(node: Function) -> Optional[str]:
    parameters = [*node.args.posonlyargs, *node.args.args]
    return parameters[0].arg if parameters else None


def _own_attribute(node: ast.expr, self_name: str) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == self_name


def _uses_device_or_dtype(call: ast.Call, self_name: Optional[str]) -> bool:
    """``f(..., device=self.attr)``, ``dtype=self.attr`` or ``t.to(self.attr)``-like calls in a method (what
    TL011 reports: an attribute of the method's own ``self``)."""
    if self_name is None:
        return False
    if any(k.arg in _DEVICE_DTYPE_KEYWORDS and _own_attribute(k.value, self_name) for k in call.keywords):
        return True
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr in _MOVES and any(
        _own_attribute(arg, self_name) for arg in call.args
    )


def _is_own(value: ast.expr, self_name: Optional[str]) -> bool:
    """``self`` or ``super()``: what an attribute of it names is a method of the instance's class."""
    if isinstance(value, ast.Name):
        return self_name is not None and value.id == self_name
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super"


def _scan(unit: Unit, nodes: Iterable[ast.AST], self_name: Optional[str], needs: Collection[BodyNeed]) -> Unit:
    device_uses = BodyNeed.DEVICE_DTYPE_USES in needs
    for node in nodes:
        for child in walk(node):
            if isinstance(child, ast.Name):
                unit.names.add(child.id)
            elif isinstance(child, ast.Attribute):
                (unit.own_mentions if _is_own(child.value, self_name) else unit.mentions).add(child.attr)
                if (
                    self_name is not None and not isinstance(child.ctx, ast.Load)
                    and isinstance(child.value, ast.Name) and child.value.id == self_name
                ):
                    unit.writes = True
            elif isinstance(child, ast.Call):
                func = child.func
                if isinstance(func, ast.Name) and func.id in _DYNAMIC_WRITES:
                    unit.writes = True
                elif isinstance(func, ast.Attribute) and func.attr in _REGISTRATIONS:
                    unit.writes = True
                if device_uses and _uses_device_or_dtype(child, self_name):
                    unit.kept = unit.reported_in = True
            elif isinstance(child, (ast.ClassDef, ast.Global, ast.Nonlocal)):
                unit.kept = True
    return unit


def _body_span(node: Function, lines: Sequence[str]) -> Optional[Span]:
    """The lines of ``node``'s body, when they can be blanked: the body starts on a line of its own."""
    first = node.body[0]
    decorators = getattr(first, "decorator_list", [])
    start = min([first.lineno, *(decorator.lineno for decorator in decorators)])
    end = node.body[-1].end_lineno
    if end is None or end <= start or start <= node.lineno or end > len(lines):
        return None
    line = lines[start - 1]
    indent = indentation(line)
    if len(indent) != first.col_offset or not line[len(indent):] or line[len(indent)].isspace():
        return None
    if decorators and line[len(indent)] != "@":
        return None
    return Span(start, end, indent)


def _definition_span(node: Function, lines: Sequence[str], body: Optional[Span]) -> Optional[Span]:
    """The lines from ``def`` to the end of a blankable body, as one line that keeps the function's name and
    first parameter (``def forward(self): pass``): what the analysis reads of a function it never follows.
    Its parameters' defaults and annotations, and its decorators, count as kept code all the same (names
    they spell keep what they name), and the decorators stay in the text."""
    if body is None:
        return None
    indent = indentation(lines[node.lineno - 1])
    if len(indent) != node.col_offset:
        return None
    keyword = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    return Span(node.lineno, body.last, indent, f"{keyword} {node.name}({_first_parameter(node) or ''}): pass")


def _statement_span(statements: Sequence[ast.stmt], index: int, lines: Sequence[str]) -> Optional[Span]:
    """The lines of the top-level statement ``statements[index]``, when it has them to itself."""
    statement = statements[index]
    end = statement.end_lineno
    if end is None or end <= statement.lineno or end > len(lines) or statement.col_offset != 0:
        return None
    if index > 0 and (statements[index - 1].end_lineno or 0) >= statement.lineno:
        return None
    if index + 1 < len(statements) and statements[index + 1].lineno <= end:
        return None
    return Span(statement.lineno, end, "")


def _assigned_names(statement: ast.stmt) -> Optional[frozenset[str]]:
    """The names ``a = b = value`` or ``a: T = value`` binds, when it binds only plain names."""
    if isinstance(statement, ast.Assign) and all(isinstance(target, ast.Name) for target in statement.targets):
        return frozenset(target.id for target in statement.targets)  # type: ignore[attr-defined]
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.simple:
        return frozenset({statement.target.id})
    return None


# What a function's body spells, by the body's text (and the name of ``self`` and the rules' needs): the
# language server plans the masked pass of the same file on every edit, and most bodies did not change.
_SCANNED: RecentlyUsed[tuple[Optional[str], frozenset[BodyNeed], str], Unit] = RecentlyUsed(4096)
# what _scan finds in a body: every field of a unit but where it is and what defines it
_SCANNED_FIELDS = tuple(
    f.name for f in dataclasses.fields(Unit) if f.name not in ("defines", "is_method", "span", "definition", "family")
)


class _Collector:
    """The units of a file, and every name spelled in the code that is always kept."""

    def __init__(self, lines: Sequence[str], needs: Collection[BodyNeed]) -> None:
        self.lines = lines
        self.needs = frozenset(needs)
        self.units: list[Unit] = []
        self.kept_names: set[str] = set()
        self._family: dict[str, str] = {}  # class name -> a class name standing for its family (union-find)
        self._owner: list[str] = []  # the class whose body is being read, innermost last
        self._classes: set[str] = set()  # names of the classes whose methods are units

    def _keep(self, node: ast.AST) -> None:
        self.kept_names.update(child.id for child in walk(node) if isinstance(child, ast.Name))

    def _function(self, node: Function, is_method: bool) -> None:
        for part in (*node.decorator_list, node.args, *([node.returns] if node.returns else [])):
            self._keep(part)
        span = _body_span(node, self.lines)
        unit = Unit(frozenset({node.name}), is_method, span, _definition_span(node, self.lines, span))
        if is_method:
            unit.family = self._owner[-1]
        self_name = _first_parameter(node) if is_method else None
        key = (self_name, self.needs, "\n".join(self.lines[node.body[0].lineno - 1:node.end_lineno]))
        scanned = _SCANNED.get(
            key, lambda: _scan(Unit(unit.defines, is_method, None), node.body, self_name, self.needs)
        )
        for name in _SCANNED_FIELDS:
            setattr(unit, name, getattr(scanned, name))
        self.units.append(unit)

    def _class_names(self, statements: Iterable[ast.stmt]) -> None:
        for statement in statements:
            if isinstance(statement, ast.ClassDef):
                self._classes.add(statement.name)
                self._class_names(statement.body)

    def module(self, tree: ast.Module) -> None:
        self._class_names(tree.body)
        for index, statement in enumerate(tree.body):
            names = _assigned_names(statement)
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(statement, False)
            elif isinstance(statement, ast.ClassDef):
                self.class_(statement)
            elif names is not None and statement.end_lineno != statement.lineno:
                unit = Unit(names, False, _statement_span(tree.body, index, self.lines))
                self.units.append(_scan(unit, [statement], None, self.needs))
            else:
                self._keep(statement)

    def _root(self, name: str) -> str:
        root = self._family.setdefault(name, name)
        while root != self._family[root]:
            root = self._family[root]
        self._family[name] = root
        return root

    def _relate(self, name: str, base: ast.expr) -> None:
        """``name`` and the class ``base`` spells (by its last name part) are of one family."""
        while isinstance(base, (ast.Subscript, ast.Call)):
            base = base.value if isinstance(base, ast.Subscript) else base.func
        spelled = base.attr if isinstance(base, ast.Attribute) else base.id if isinstance(base, ast.Name) else None
        if spelled is not None and spelled in self._classes:
            self._family[self._root(spelled)] = self._root(name)

    def family_of(self, unit: Unit) -> Optional[str]:
        return None if unit.family is None else self._root(unit.family)

    def class_(self, node: ast.ClassDef) -> None:
        for part in (*node.decorator_list, *node.bases, *node.keywords):
            self._keep(part)
        self._root(node.name)
        for base in node.bases:
            self._relate(node.name, base)
        self._owner.append(node.name)
        self._body(node)
        self._owner.pop()

    def _body(self, node: ast.ClassDef) -> None:
        for statement in node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(statement, True)
            elif isinstance(statement, ast.ClassDef):
                self.class_(statement)
            else:
                self._keep(statement)


def needed_units(
    units: Sequence[Unit], kept_names: Collection[str], family: Callable[[Unit], Optional[str]] = lambda u: u.family
) -> list[Unit]:
    """The units the analysis needs (see the module docstring). ``self.m`` and ``super().m`` name the
    methods ``m`` of the unit's own ``family`` (its class and every class of the file related to it by
    bases, through any chain: a subclass's override, a base's method, a mixin's); any other attribute
    ``x.m`` names every method ``m`` of the file."""
    methods = [unit for unit in units if unit.is_method]
    top_level_names = {name for unit in units if not unit.is_method for name in unit.defines}
    by_name: dict[str, list[Unit]] = {}
    by_family_name: dict[tuple[Optional[str], str], list[Unit]] = {}
    for unit in methods:
        for name in unit.defines:
            by_name.setdefault(name, []).append(unit)
            by_family_name.setdefault((family(unit), name), []).append(unit)

    def named(unit: Unit) -> list[Unit]:
        found = [method for name in unit.mentions for method in by_name.get(name, ())]
        own = family(unit)
        for name in unit.own_mentions:
            found.extend(by_family_name.get((own, name), ()) if own is not None else by_name.get(name, ()))
        return found

    references = {id(unit): named(unit) for unit in units}
    # every method on a path of calls to a method that writes self (decided per method, not per name: one
    # class's forward caching a tensor does not make every forward of the file needed)
    writing = {id(unit) for unit in methods if unit.writes}
    changed = True
    while changed:
        changed = False
        for unit in methods:
            if id(unit) not in writing and any(id(other) in writing for other in references[id(unit)]):
                writing.add(id(unit))
                changed = True
    needed_globals = set(kept_names) & top_level_names
    done: set[int] = set()
    reported_in = {id(unit) for unit in methods if unit.reported_in}
    queue = [
        unit for unit in units
        if unit.kept or id(unit) in writing or (unit.is_method and "__init__" in unit.defines)
        or any(id(other) in reported_in for other in references[id(unit)])
    ]
    changed = True
    while changed:  # and everything a needed unit names
        changed = False
        queue.extend(unit for unit in units if not unit.is_method and unit.defines & needed_globals)
        while queue:
            unit = queue.pop()
            if id(unit) in done:
                continue
            done.add(id(unit))
            changed = True
            queue.extend(references[id(unit)])
            needed_globals |= unit.names & top_level_names
    return [unit for unit in units if id(unit) in done]


def masked_spans(tree: ast.Module, lines: Sequence[str], needs: Collection[BodyNeed] = ()) -> list[Span]:
    """The lines of ``tree`` (whose source has the physical ``lines``) that nothing needs, in the order of
    the file: the units nothing needs (a function's whole definition where it can be one line) and the
    string statements outside them (:mod:`torchlint.outline.string_statements`)."""
    collector = _Collector(lines, needs)
    collector.module(tree)
    needed = {id(unit) for unit in needed_units(collector.units, collector.kept_names, collector.family_of)}
    blanked = sorted(
        (unit.definition or unit.span for unit in collector.units if id(unit) not in needed and unit.span is not None),
        key=lambda span: span.first,
    )  # type: ignore[union-attr]
    spans: list[Span] = []
    index = 0
    for string in string_statement_spans(tree, lines):
        while index < len(blanked) and blanked[index].last < string.first:
            spans.append(blanked[index])
            index += 1
        if index == len(blanked) or string.last < blanked[index].first:
            spans.append(string)
    spans.extend(blanked[index:])
    return spans
