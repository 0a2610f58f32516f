#!/usr/bin/env python3
"""Generate ``torchlint/torch_facts/data/torch_api.json`` from the installed PyTorch's own type information.

The linter needs to know which call expressions produce a ``torch.Tensor`` (``torch.zeros(...)``,
``x.float()``, ``F.softmax(...)``) and which produce a tuple/list of tensors (``a, b = x.chunk(2)``).
Rather than hand-typing hundreds of names, this script reads PyTorch's stubs and annotated sources
*as text* and parses them with :mod:`ast`.  ``torch`` is located with
``importlib.util.find_spec("torch")`` and never imported, so the script works without loading the
C extension (and ``--torch-dir`` can point at any unpacked torch package).

Sources (all relative to the torch package directory)
-----------------------------------------------------
* ``torch/__init__.py``: which names the ``torch`` namespace really binds, in statement order.
  It is read the way a type checker reads it: ``if TYPE_CHECKING:`` bodies are taken (that is where
  ``from torch._C._VariableFunctions import *`` lives), ``from torch.functional import *`` later
  overrides those bindings, ``del`` removes names (``segment_reduce``), the removed ops re-bound
  from ``torch._linalg_utils`` (``solve``, ``eig``, ...) replace the generated ones, and names in
  its ``PRIVATE_OPS`` tuple (``unique_dim``, skipped by the runtime loop) are dropped.
* ``torch/_C/_VariableFunctions.pyi`` (and its copy ``torch/_VF.pyi``): the generated ATen
  functions of the ``torch`` namespace.
* ``torch/functional.py`` (``einsum``, ``stft``, ``meshgrid``, ``split``, ``norm``, ``lu``...),
  and any other module ``torch/__init__.py`` imports names from (``torch.random``,
  ``torch.utils.dlpack``, ``torch._lowrank``, ...), followed import by import.
* ``torch/_C/__init__.pyi`` class ``TensorBase`` and ``torch/_tensor.py`` class ``Tensor``:
  tensor methods and properties (``Tensor`` shadows ``TensorBase``).
* ``torch/return_types.pyi``: the named tuples (``torch.return_types.max`` ...); a named tuple
  whose ``tuple[...]`` base has only Tensor fields counts as a sequence of tensors.
* ``torch/nn/functional.pyi`` (preferred, as type checkers do) merged with
  ``torch/nn/functional.py`` for names the stub lacks; it re-exports from ``torch`` and
  ``torch/_C/_nn.pyi``.
* ``torch/fft/__init__.py``, ``torch/linalg/__init__.py``, ``torch/special/__init__.py``.
  There are no ``torch/_C/_fft.pyi``/``_linalg.pyi``/``_special.pyi`` stubs (torch 2.x does not
  ship them), so for those builtins the return type is taken from the signature line that starts
  the docstring given to ``_add_docstr`` (``fft(input, n=None, ...) -> Tensor``,
  ``linalg.eigh(A, ...) -> (Tensor, Tensor)``).
* ``torch/version.py``: ``__version__``, recorded as ``torch_version``.

Rules
-----
* A callable is described by its overloads: the ``@overload`` definitions if there are any,
  otherwise its (last) definition.  Each overload's return annotation (or ``# type:`` comment) is
  classified as *tensor* (exactly ``torch.Tensor`` -- however spelled, resolved through the
  imports -- a subclass of it, ``Self`` on a tensor class, or a ``TypeVar`` bound to Tensor),
  *sequence* (``tuple[Tensor, ...]``, ``tuple[Tensor, Tensor]``, ``list[Tensor]``,
  ``Sequence[Tensor]``, ``Tuple``/``List`` spellings, or an all-Tensor named tuple) or *other*
  (anything else: ``int``, ``bool``, ``Tensor | None``, mixed tuples, ...).
* A *tensor function/method* has at least one overload and every overload is *tensor*; a
  *tensor sequence function/method* has every overload *sequence*.  Mixed callables (e.g.
  ``torch.max``: a Tensor overload and a ``torch.return_types.max`` overload) are in neither list.
* A Python definition without any return annotation (``torch.functional.cdist``,
  ``Tensor.unflatten`` ...) is classified from its ``return`` statements: every ``return`` must
  be a call to a callable this script can classify (``return _VF.cdist(...)``,
  ``return super().unflatten(...)``) or, in a tensor class, ``return self``;
  ``return handle_torch_function(...)`` (the ``__torch_function__`` override path) is ignored.
  Anything else makes the callable unknown, and unknown callables are left out.  An unknown,
  unannotated method override (``Tensor.split``) falls back to the declaration it overrides
  (``TensorBase.split`` in the stub).
* A Python function whose body only raises (the removed ``torch.solve``, ``torch.eig`` ...,
  annotated as returning tuples) never returns a value and is left out.
* ``X = _add_docstr(target, doc)`` is ``target`` (``_add_docstr`` returns its argument); when
  ``target`` cannot be resolved (a builtin with no stub), the docstring signature line(s) decide.
* ``X = boolean_dispatch(if_true=f, if_false=g, ...)`` (a TorchScript helper that calls ``f`` or
  ``g`` depending on a bool argument) has the overloads of ``f`` and ``g`` together.
* Tensor properties: ``@property`` getters or plain annotated attributes of ``Tensor``/
  ``TensorBase`` whose type is exactly Tensor (so ``grad: Tensor | None`` is excluded).
* Names with a leading underscore (private and dunder) are skipped everywhere.  Classes
  (``torch.Tensor``, ``torch.FloatTensor``, ``torch.Size``...) are never listed: calling a class
  is the engine's business.

Hand-written facts (things no stub says) are limited to the constants below:
``_TENSOR_CLASSES`` (the two classes a tensor is made of), ``_SEQUENCE_GENERICS`` (spellings of
tuple/list/Sequence), ``_SELF_NAMES``, ``_DOCSTRING_TENSOR_NAMES``, the names of the helpers
``_add_docstr``/``boolean_dispatch``/``handle_torch_function`` whose behaviour is described above,
and ``_UNSTATED_RETURNS``: the few callables whose return type no source states at all (the
unannotated ``torch.functional`` wrappers whose ops ``gen_pyi`` leaves out of the stubs, and two
builtins whose docstrings lack a signature line).  Those entries are only used while the sources
stay silent; the script warns when one becomes derivable or disappears.

Usage::

    python tools/generate_torch_api.py [--torch-dir DIR] [--output PATH] [--check]

``--check`` regenerates in memory and exits 1 if the checked-in file differs.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import importlib.util
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "torchlint" / "torch_facts" / "data" / "torch_api.json"
GENERATED_BY = "tools/generate_torch_api.py"

TENSOR = "tensor"
SEQUENCE = "sequence"
OTHER = "other"

#: Public namespaces written to the JSON file, in output order.
NAMESPACES: tuple[str, ...] = ("torch", "torch.nn.functional", "torch.fft", "torch.linalg", "torch.special")

#: Files (relative to the torch package directory) the output depends on; each entry is satisfied
#: by any one of its alternatives.
REQUIRED_FILES: tuple[tuple[str, ...], ...] = (
    ("__init__.py",),
    ("version.py",),
    ("_C/__init__.pyi",),
    ("_C/_VariableFunctions.pyi",),
    ("_tensor.py",),
    ("functional.py",),
    ("return_types.pyi",),
    ("nn/functional.pyi", "nn/functional.py"),
    ("fft/__init__.py",),
    ("linalg/__init__.py",),
    ("special/__init__.py",),
)

# Hand-written facts the stubs cannot state themselves (see the module docstring).
#: (module, class) of the classes every torch.Tensor is an instance of.
_TENSOR_CLASSES: frozenset[tuple[str, str]] = frozenset({("torch._tensor", "Tensor"), ("torch._C", "TensorBase")})
#: Generic aliases whose parameters are the element types of a tuple/list of values.
_SEQUENCE_GENERICS: frozenset[str] = frozenset(
    {
        "tuple",
        "Tuple",
        "typing.Tuple",
        "list",
        "List",
        "typing.List",
        "Sequence",
        "typing.Sequence",
        "collections.abc.Sequence",
        "abc.Sequence",
    }
)
#: Spellings of PEP 673 ``Self``.
_SELF_NAMES: frozenset[str] = frozenset({"Self", "typing.Self", "typing_extensions.Self"})
#: How docstring signature lines (prose, no imports to resolve) spell the tensor type.
_DOCSTRING_TENSOR_NAMES: frozenset[str] = frozenset({"Tensor", "torch.Tensor"})
#: Callables whose return type no stub, annotation or docstring signature states (each checked
#: against the documentation).  An entry is used only while the sources stay silent about the name;
#: entries that become derivable or whose name disappears are reported on stderr.
_UNSTATED_RETURNS: dict[tuple[str, str], str] = {
    # torch/functional.py wrappers: unannotated, and tools/pyi/gen_pyi.py leaves the underlying
    # ops out of _VariableFunctions.pyi, so type checkers see them as returning Any.
    ("torch", "block_diag"): TENSOR,
    ("torch", "broadcast_tensors"): SEQUENCE,
    ("torch", "chain_matmul"): TENSOR,
    ("torch", "norm"): TENSOR,
    ("torch", "tensordot"): TENSOR,
    # Builtins whose docstring has no ``-> Ret`` signature line.
    ("torch.linalg", "multi_dot"): TENSOR,
    ("torch.special", "logsumexp"): TENSOR,
}
#: Spellings of ``typing.TYPE_CHECKING`` in ``if`` tests.
_TYPE_CHECKING_NAMES: frozenset[str] = frozenset({"TYPE_CHECKING", "typing.TYPE_CHECKING"})


class GeneratorError(Exception):
    """A torch source file is missing or cannot be understood."""


# --------------------------------------------------------------------------------------------------
# Bindings: what a name in a module or class body is bound to.
# --------------------------------------------------------------------------------------------------

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]


@dataclass
class DefGroup:
    """One or more ``def`` statements of the same name (an overload series plus implementation)."""

    module: ModuleInfo
    defs: list[FunctionNode]
    cls: Optional[ClassInfo]


@dataclass(frozen=True)
class ImportRef:
    """``from <module> import <name>``."""

    module: str
    name: str


@dataclass(frozen=True)
class ModuleRef:
    """``import <name>`` (a module object)."""

    name: str


@dataclass
class AssignRef:
    """``name = value`` or ``name: annotation [= value]``."""

    module: ModuleInfo
    value: Optional[ast.expr]
    annotation: Optional[ast.expr]
    cls: Optional[ClassInfo]


@dataclass
class ClassInfo:
    """A ``class`` statement and the bindings of its body."""

    module: ModuleInfo
    node: ast.ClassDef
    bindings: dict[str, Binding] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.module.name, self.node.name)


Binding = Union[DefGroup, ImportRef, ModuleRef, AssignRef, ClassInfo]
Namespace = Union[ModuleRef, ClassInfo]


@dataclass
class ModuleInfo:
    """A parsed module: the bindings of its stub, plus those of its .py for names the stub lacks."""

    name: str
    is_package: bool
    is_stub: bool
    bindings: dict[str, Binding] = field(default_factory=dict)
    star_names: Optional[list[str]] = None


def _dotted(node: ast.expr) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _last_name(node: ast.expr) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _decorator_names(node: FunctionNode) -> list[str]:
    names = []
    for dec in node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        names.append(_dotted(target) or "")
    return names


def _is_overload(node: FunctionNode) -> bool:
    # typing.overload, or torch._jit_internal._overload (imported as ``overload``).
    return any(name.rsplit(".", 1)[-1] in ("overload", "_overload") for name in _decorator_names(node))


def _is_property(node: FunctionNode) -> bool:
    return any(name.rsplit(".", 1)[-1] in ("property", "cached_property") for name in _decorator_names(node))


def _is_accessor(node: FunctionNode) -> bool:
    """``@x.setter`` / ``@x.deleter``: not a new binding of the name."""
    return any(name.endswith((".setter", ".deleter")) for name in _decorator_names(node))


def _string_list(node: ast.expr) -> Optional[list[str]]:
    if isinstance(node, (ast.List, ast.Tuple)) and all(
        isinstance(elt, ast.Constant) and isinstance(elt.value, str) for elt in node.elts
    ):
        return [elt.value for elt in node.elts if isinstance(elt, ast.Constant)]
    return None


def _type_checking_test(test: ast.expr) -> Optional[bool]:
    """True for ``if TYPE_CHECKING``, False for ``if not TYPE_CHECKING``, None otherwise."""
    if _dotted(test) in _TYPE_CHECKING_NAMES:
        return True
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and _dotted(test.operand) in _TYPE_CHECKING_NAMES:
        return False
    return None


class _AllTracker:
    """Statically evaluates ``__all__`` (None once anything non-literal happens to it)."""

    def __init__(self) -> None:
        self.names: Optional[list[str]] = None
        self.dynamic = False

    def add(self, names: Optional[list[str]], replace: bool = False) -> None:
        if names is None:
            self.dynamic = True
        elif replace or self.names is None:
            self.names = list(names)
        else:
            self.names.extend(names)

    def result(self) -> Optional[list[str]]:
        return None if self.dynamic else self.names


# --------------------------------------------------------------------------------------------------
# The resolver.
# --------------------------------------------------------------------------------------------------

Kinds = Optional[list[str]]


class TorchApi:
    """Reads a torch package directory and classifies callables by their return types."""

    def __init__(self, torch_dir: Path) -> None:
        self.torch_dir = torch_dir
        self._modules: dict[str, Optional[ModuleInfo]] = {}
        self._building: set[str] = set()
        self._visiting: set[tuple[object, ...]] = set()
        self.hand_entries_used: set[tuple[str, str]] = set()
        self.hand_entries_redundant: set[tuple[str, str]] = set()

    # ---- module loading -------------------------------------------------------------------------

    def _module_files(self, name: str) -> tuple[Optional[Path], Optional[Path], bool]:
        """(stub, source, is_package) for a dotted module name inside torch."""
        parts = name.split(".")
        if parts[0] != "torch":
            return None, None, False
        base = self.torch_dir.joinpath(*parts[1:])
        stub = source = None
        is_package = False
        for candidate, package in ((base / "__init__.pyi", True), (base.with_name(base.name + ".pyi"), False)):
            if len(parts) > 1 or package:
                if candidate.is_file():
                    stub, is_package = candidate, package
                    break
        for candidate, package in ((base / "__init__.py", True), (base.with_name(base.name + ".py"), False)):
            if len(parts) > 1 or package:
                if candidate.is_file():
                    source = candidate
                    is_package = is_package or package
                    break
        return stub, source, is_package

    def module_exists(self, name: str) -> bool:
        stub, source, _ = self._module_files(name)
        return stub is not None or source is not None

    def load(self, name: str) -> Optional[ModuleInfo]:
        if name in self._modules:
            return self._modules[name]
        if name in self._building:  # import cycle: the partial module is not available yet
            return None
        stub, source, is_package = self._module_files(name)
        if stub is None and source is None:
            self._modules[name] = None
            return None
        self._building.add(name)
        try:
            info = ModuleInfo(name=name, is_package=is_package, is_stub=stub is not None)
            star_names: Optional[list[str]] = None
            # The .py first, then the stub on top: type checkers only read the stub, but names the
            # stub forgot (nn.functional.threshold_) still exist at runtime.
            for path, is_stub in ((source, False), (stub, True)):
                if path is None:
                    continue
                tree = _parse(path)
                module = ModuleInfo(name=name, is_package=is_package, is_stub=is_stub)
                tracker = _AllTracker()
                self._collect(tree.body, module.bindings, module, None, tracker)
                info.bindings.update(module.bindings)
                names = tracker.result()
                if names is None:
                    names = [n for n in module.bindings if not n.startswith("_")]
                star_names = names
            info.star_names = star_names
        finally:
            self._building.discard(name)
        self._modules[name] = info
        return info

    def _absolute(self, module: ModuleInfo, node: ast.ImportFrom) -> str:
        if node.level == 0:
            return node.module or ""
        package = module.name.split(".")
        if not module.is_package:
            package = package[:-1]
        if node.level > 1:
            package = package[: len(package) - (node.level - 1)]
        return ".".join(package + ([node.module] if node.module else []))

    def _collect(
        self,
        body: Sequence[ast.stmt],
        bindings: dict[str, Binding],
        module: ModuleInfo,
        cls: Optional[ClassInfo],
        tracker: _AllTracker,
    ) -> None:
        """Bind the names of a module or class body, statement by statement."""
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if _is_accessor(stmt):
                    continue
                existing = bindings.get(stmt.name)
                if (
                    isinstance(existing, DefGroup)
                    and existing.module is module
                    and all(_is_overload(d) for d in existing.defs)
                ):
                    existing.defs.append(stmt)  # next overload, or the implementation after them
                else:
                    bindings[stmt.name] = DefGroup(module, [stmt], cls)
            elif isinstance(stmt, ast.ClassDef):
                info = ClassInfo(module, stmt)
                self._collect(stmt.body, info.bindings, module, info, _AllTracker())
                bindings[stmt.name] = info
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        if target.id == "__all__" and cls is None:
                            tracker.add(_string_list(stmt.value), replace=True)
                        bindings[target.id] = AssignRef(module, stmt.value, None, cls)
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                bindings[stmt.target.id] = AssignRef(module, stmt.value, stmt.annotation, cls)
            elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
                if stmt.target.id == "__all__" and cls is None:
                    tracker.add(_string_list(stmt.value))
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                func = stmt.value.func
                if cls is None and isinstance(func, ast.Attribute) and _dotted(func.value) == "__all__":
                    args = stmt.value.args
                    if func.attr == "append" and len(args) == 1:
                        arg = args[0]
                        literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                        tracker.add([arg.value] if literal and isinstance(arg, ast.Constant) else None)
                    elif func.attr == "extend" and len(args) == 1:
                        tracker.add(_string_list(args[0]))
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        bindings[alias.asname] = ModuleRef(alias.name)
                    else:
                        top = alias.name.split(".")[0]
                        bindings[top] = ModuleRef(top)
            elif isinstance(stmt, ast.ImportFrom):
                source = self._absolute(module, stmt)
                for alias in stmt.names:
                    if alias.name == "*":
                        target = self.load(source)
                        for name in (target.star_names or []) if target else []:
                            bindings[name] = ImportRef(source, name)
                    else:
                        bindings[alias.asname or alias.name] = ImportRef(source, alias.name)
            elif isinstance(stmt, ast.If):
                branch = _type_checking_test(stmt.test)
                if branch is not False:
                    self._collect(stmt.body, bindings, module, cls, tracker)
                if branch is not True:
                    self._collect(stmt.orelse, bindings, module, cls, tracker)
            elif isinstance(stmt, ast.Try):
                self._collect(stmt.body, bindings, module, cls, tracker)
                for handler in stmt.handlers:
                    self._collect(handler.body, bindings, module, cls, tracker)
                self._collect(stmt.orelse, bindings, module, cls, tracker)
                self._collect(stmt.finalbody, bindings, module, cls, tracker)
            elif isinstance(stmt, ast.Delete):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        bindings.pop(target.id, None)

    # ---- recursion guard ------------------------------------------------------------------------

    def _guarded(self, key: tuple[object, ...]) -> bool:
        """Enter ``key``; False if it is already being resolved (a cycle)."""
        if key in self._visiting:
            return False
        self._visiting.add(key)
        return True

    # ---- names to namespaces --------------------------------------------------------------------

    def member(self, module_name: str, attr: str) -> Optional[Union[Binding, ModuleRef]]:
        """What ``<module>.<attr>`` is: a binding of the module, or a submodule."""
        submodule = f"{module_name}.{attr}"
        module = self.load(module_name)
        binding = module.bindings.get(attr) if module else None
        if binding is None or (
            isinstance(binding, ImportRef) and self.module_exists(f"{binding.module}.{binding.name}")
        ):
            if isinstance(binding, ImportRef):
                submodule = f"{binding.module}.{binding.name}"
            return ModuleRef(submodule) if self.module_exists(submodule) else None
        return binding

    def _binding_namespace(self, binding: Optional[Union[Binding, ModuleRef]]) -> Optional[Namespace]:
        if isinstance(binding, (ModuleRef, ClassInfo)):
            return binding
        if isinstance(binding, ImportRef):
            key = ("ns", binding.module, binding.name)
            if not self._guarded(key):
                return None
            try:
                return self._binding_namespace(self.member(binding.module, binding.name))
            finally:
                self._visiting.discard(key)
        if isinstance(binding, AssignRef) and binding.value is not None:
            return self.namespace(binding.value, binding.module, None)
        return None

    def namespace(self, expr: ast.expr, module: ModuleInfo, self_cls: Optional[ClassInfo]) -> Optional[Namespace]:
        """The module or class an expression like ``torch._C`` or ``self`` or ``super()`` denotes."""
        if isinstance(expr, ast.Name):
            if self_cls is not None and expr.id == "self":
                return self_cls
            return self._binding_namespace(module.bindings.get(expr.id))
        if isinstance(expr, ast.Attribute):
            base = self.namespace(expr.value, module, self_cls)
            if isinstance(base, ModuleRef):
                return self._binding_namespace(self.member(base.name, expr.attr))
            if isinstance(base, ClassInfo):
                return self._binding_namespace(self.class_attr(base, expr.attr))
            return None
        if (
            isinstance(expr, ast.Call)
            and _dotted(expr.func) == "super"
            and not expr.args
            and self_cls is not None
            and self_cls.node.bases
        ):
            base_ns = self.namespace(self_cls.node.bases[0], self_cls.module, None)
            return base_ns if isinstance(base_ns, ClassInfo) else None
        return None

    def class_bases(self, cls: ClassInfo) -> Iterator[ClassInfo]:
        for base in cls.node.bases:
            ns = self.namespace(base, cls.module, None)
            if isinstance(ns, ClassInfo):
                yield ns

    def class_attr(self, cls: ClassInfo, name: str) -> Optional[Binding]:
        """Look ``name`` up on a class and its bases (depth first, which suffices for Tensor)."""
        key = ("attr", cls.key, name)
        if not self._guarded(key):
            return None
        try:
            if name in cls.bindings:
                return cls.bindings[name]
            for base in self.class_bases(cls):
                found = self.class_attr(base, name)
                if found is not None:
                    return found
            return None
        finally:
            self._visiting.discard(key)

    def class_names(self, cls: ClassInfo) -> set[str]:
        names = set(cls.bindings)
        for base in self.class_bases(cls):
            names |= self.class_names(base)
        return names

    # ---- type classification --------------------------------------------------------------------

    def is_tensor_class(self, cls: ClassInfo) -> bool:
        if cls.key in _TENSOR_CLASSES:
            return True
        key = ("subclass", cls.key)
        if not self._guarded(key):
            return False
        try:
            return any(self.is_tensor_class(base) for base in self.class_bases(cls))
        finally:
            self._visiting.discard(key)

    def _class_kind(self, cls: ClassInfo) -> str:
        if self.is_tensor_class(cls):
            return TENSOR
        # A named tuple (torch.return_types.*) is a class deriving from tuple[Tensor, ...].
        for base in cls.node.bases:
            if isinstance(base, ast.Subscript) and self.type_kind(base, cls.module, None) == SEQUENCE:
                return SEQUENCE
        return OTHER

    def type_kind(self, expr: Optional[ast.expr], module: Optional[ModuleInfo], cls: Optional[ClassInfo]) -> str:
        """Classify a type expression; ``module=None`` means docstring prose (spelling only)."""
        if expr is None:
            return OTHER
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):  # forward reference
            try:
                parsed = ast.parse(expr.value.strip(), mode="eval").body
            except SyntaxError:
                return OTHER
            return self.type_kind(parsed, module, cls)
        if isinstance(expr, (ast.Tuple, ast.Subscript)):
            if isinstance(expr, ast.Subscript):
                if _dotted(expr.value) not in _SEQUENCE_GENERICS:
                    return OTHER
                params = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
            else:
                params = expr.elts
            elements = [p for p in params if not (isinstance(p, ast.Constant) and p.value is Ellipsis)]
            if elements and all(self.type_kind(p, module, cls) == TENSOR for p in elements):
                return SEQUENCE
            return OTHER
        dotted = _dotted(expr)
        if dotted is None:
            return OTHER  # X | None, Callable[...], ...
        if dotted in _SELF_NAMES:
            return TENSOR if cls is not None and self.is_tensor_class(cls) else OTHER
        if module is None:
            return TENSOR if dotted in _DOCSTRING_TENSOR_NAMES else OTHER
        if isinstance(expr, ast.Name):
            binding: Optional[Union[Binding, ModuleRef]] = module.bindings.get(expr.id)
        else:
            assert isinstance(expr, ast.Attribute)
            base = self.namespace(expr.value, module, None)
            binding = self.member(base.name, expr.attr) if isinstance(base, ModuleRef) else None
        return self._binding_type_kind(binding, dotted)

    def _binding_type_kind(self, binding: Optional[Union[Binding, ModuleRef]], spelling: str) -> str:
        if isinstance(binding, ImportRef):
            key = ("type", binding.module, binding.name)
            if not self._guarded(key):
                return OTHER
            try:
                return self._binding_type_kind(self.member(binding.module, binding.name), spelling)
            finally:
                self._visiting.discard(key)
        if isinstance(binding, ClassInfo):
            return self._class_kind(binding)
        if isinstance(binding, AssignRef) and binding.value is not None:
            value = binding.value
            if isinstance(value, ast.Call) and _last_name(value.func) == "TypeVar":
                for keyword in value.keywords:  # T = TypeVar("T", bound=Tensor)
                    if keyword.arg == "bound":
                        return self.type_kind(keyword.value, binding.module, None)
                return OTHER
            key = ("alias", id(value))
            if not self._guarded(key):
                return OTHER
            try:
                return self.type_kind(value, binding.module, None)  # a type alias
            finally:
                self._visiting.discard(key)
        return OTHER

    # ---- callables ------------------------------------------------------------------------------

    def binding_kinds(self, binding: Optional[Union[Binding, ModuleRef]]) -> Kinds:
        """Return kinds of the overloads of a bound callable, or None if unknown/not callable."""
        if isinstance(binding, DefGroup):
            return self._def_group_kinds(binding)
        if isinstance(binding, ImportRef):
            key = ("callable", binding.module, binding.name)
            if not self._guarded(key):
                return None
            try:
                return self.binding_kinds(self.member(binding.module, binding.name))
            finally:
                self._visiting.discard(key)
        if isinstance(binding, AssignRef) and binding.value is not None:
            key = ("assign", id(binding.value))
            if not self._guarded(key):
                return None
            try:
                return self.expr_kinds(binding.value, binding.module, binding.cls, None)
            finally:
                self._visiting.discard(key)
        return None

    def function_kinds(self, module_name: str, name: str) -> Kinds:
        binding = self.member(module_name, name)
        kinds = self.binding_kinds(binding)
        key = (module_name, name)
        if key in _UNSTATED_RETURNS and binding is not None:
            if kinds is None:
                self.hand_entries_used.add(key)
                return [_UNSTATED_RETURNS[key]]
            self.hand_entries_redundant.add(key)
        return kinds

    def method_kinds(self, cls: ClassInfo, name: str) -> Kinds:
        binding = self.class_attr(cls, name)
        if isinstance(binding, DefGroup) and any(_is_property(d) for d in binding.defs):
            return None
        if isinstance(binding, AssignRef) and binding.value is None:
            return None  # an annotated attribute, not a method
        kinds = self.binding_kinds(binding)
        if kinds is None and isinstance(binding, DefGroup) and binding.cls is not None and not binding.module.is_stub:
            # An unannotated Python override (Tensor.split) keeps the contract of the method it
            # overrides (TensorBase.split in the stub).
            for base in self.class_bases(binding.cls):
                kinds = self.method_kinds(base, name)
                if kinds is not None:
                    break
        return kinds

    def property_kind(self, cls: ClassInfo, name: str) -> Optional[str]:
        binding = self.class_attr(cls, name)
        if isinstance(binding, DefGroup) and any(_is_property(d) for d in binding.defs):
            getter = binding.defs[0]
            return self.type_kind(getter.returns, binding.module, binding.cls)
        if isinstance(binding, AssignRef) and binding.value is None and binding.annotation is not None:
            return self.type_kind(binding.annotation, binding.module, binding.cls)
        return None

    def _def_group_kinds(self, group: DefGroup) -> Kinds:
        overloads = [d for d in group.defs if _is_overload(d)]
        defs = overloads or group.defs[-1:]
        if not group.module.is_stub and not overloads and _always_raises(defs[0]):
            return None  # a removed op kept only to raise an error (torch.solve, torch.eig ...)
        returns: list[Optional[ast.expr]] = [_return_annotation(d) for d in defs]
        if all(r is not None for r in returns):
            return [self.type_kind(r, group.module, group.cls) for r in returns]
        if len(defs) == 1 and not group.module.is_stub:
            return self._inferred_kinds(defs[0], group)
        return None

    def _inferred_kinds(self, func: FunctionNode, group: DefGroup) -> Kinds:
        """Kinds of an unannotated function from what its ``return`` statements call."""
        key = ("infer", id(func))
        if not self._guarded(key):
            return None
        try:
            kinds: list[str] = []
            for ret in _own_returns(func):
                value = ret.value
                if isinstance(value, ast.Name) and value.id == "self" and group.cls is not None:
                    kinds.append(TENSOR if self.is_tensor_class(group.cls) else OTHER)  # share_memory_
                    continue
                if not isinstance(value, ast.Call):
                    return None
                if _last_name(value.func) == "handle_torch_function":
                    continue
                called = self.callee_kinds(value.func, group.module, group.cls)
                if called is None:
                    return None
                kinds.extend(called)
            return kinds or None
        finally:
            self._visiting.discard(key)

    def callee_kinds(self, func: ast.expr, module: ModuleInfo, self_cls: Optional[ClassInfo]) -> Kinds:
        """Kinds of the callable an expression like ``_VF.split`` / ``self.to_sparse`` denotes."""
        if isinstance(func, ast.Name):
            return self.binding_kinds(module.bindings.get(func.id))
        if isinstance(func, ast.Attribute):
            base = self.namespace(func.value, module, self_cls)
            if isinstance(base, ModuleRef):
                return self.function_kinds(base.name, func.attr)
            if isinstance(base, ClassInfo):
                return self.method_kinds(base, func.attr)
        return None

    def expr_kinds(
        self, expr: ast.expr, module: ModuleInfo, scope_cls: Optional[ClassInfo], self_cls: Optional[ClassInfo]
    ) -> Kinds:
        """Kinds of the callable a right-hand side evaluates to (``x = <expr>``)."""
        if isinstance(expr, ast.Name) and scope_cls is not None and expr.id in scope_cls.bindings:
            return self.binding_kinds(scope_cls.bindings[expr.id])  # class body: __rtruediv__ = __rdiv__
        if isinstance(expr, (ast.Name, ast.Attribute)):
            return self.callee_kinds(expr, module, self_cls)
        if isinstance(expr, ast.Call):
            helper = _last_name(expr.func)
            if helper == "_add_docstr" and expr.args:
                # _add_docstr(obj, doc) attaches doc to obj and returns obj itself.
                kinds = self.expr_kinds(expr.args[0], module, scope_cls, self_cls)
                if kinds is None and len(expr.args) > 1:
                    kinds = self.docstring_kinds(expr.args[1])
                return kinds
            if helper == "boolean_dispatch":
                branches = {kw.arg: kw.value for kw in expr.keywords}
                if "if_true" in branches and "if_false" in branches:
                    result: list[str] = []
                    for branch in (branches["if_true"], branches["if_false"]):
                        kinds = self.expr_kinds(branch, module, scope_cls, self_cls)
                        if kinds is None:
                            return None
                        result.extend(kinds)
                    return result
        return None

    def docstring_kinds(self, doc_expr: ast.expr) -> Kinds:
        """Kinds from the ``name(args) -> Ret`` line(s) that start a builtin's docstring."""
        text = _leading_text(doc_expr)
        if text is None:
            return None
        kinds: list[str] = []
        for line in text.strip().splitlines():
            line = line.strip()
            head, arrow, ret = line.rpartition("->")
            if not arrow or not head.rstrip().endswith(")") or "(" not in head:
                break
            callee = head.split("(", 1)[0].strip()
            if not callee.replace(".", "").replace("_", "").isalnum():
                break
            ret = ret.strip().rstrip(":").strip()
            try:
                parsed: Optional[ast.expr] = ast.parse(ret, mode="eval").body
            except SyntaxError:
                parsed = None
            kinds.append(self.type_kind(parsed, None, None))
        return kinds or None

    # ---- public namespaces ----------------------------------------------------------------------

    def namespace_functions(self, module_name: str) -> dict[str, list[str]]:
        """Public names of a module that are tensor / tensor-sequence callables."""
        module = self.load(module_name)
        if module is None:
            raise GeneratorError(f"cannot find module {module_name} under {self.torch_dir}")
        hidden = _runtime_hidden(module)
        tensors: list[str] = []
        sequences: list[str] = []
        for name in sorted(module.bindings):
            if name.startswith("_") or name in hidden:
                continue
            kind = _overall(self.function_kinds(module_name, name))
            if kind == TENSOR:
                tensors.append(name)
            elif kind == SEQUENCE:
                sequences.append(name)
        return {TENSOR: tensors, SEQUENCE: sequences}

    def tensor_class(self) -> ClassInfo:
        binding = self.member("torch", "Tensor")
        ns = self._binding_namespace(binding)
        if not isinstance(ns, ClassInfo) or ns.key != ("torch._tensor", "Tensor"):
            raise GeneratorError("torch/__init__.py does not bind Tensor to torch._tensor.Tensor")
        return ns

    def tensor_members(self) -> dict[str, list[str]]:
        cls = self.tensor_class()
        methods: list[str] = []
        sequences: list[str] = []
        properties: list[str] = []
        for name in sorted(self.class_names(cls)):
            if name.startswith("_"):
                continue
            prop = self.property_kind(cls, name)
            if prop is not None:
                if prop == TENSOR:
                    properties.append(name)
                continue
            kind = _overall(self.method_kinds(cls, name))
            if kind == TENSOR:
                methods.append(name)
            elif kind == SEQUENCE:
                sequences.append(name)
        return {"methods": methods, "sequence_methods": sequences, "properties": properties}


def _runtime_hidden(module: ModuleInfo) -> frozenset[str]:
    """Names in a literal ``PRIVATE_OPS`` tuple: torch/__init__.py's loop over
    ``dir(_C._VariableFunctions)`` skips them, although the TYPE_CHECKING star import binds them."""
    binding = module.bindings.get("PRIVATE_OPS")
    if isinstance(binding, AssignRef) and binding.value is not None:
        names = _string_list(binding.value)
        if names is not None:
            return frozenset(names)
    return frozenset()


def _parse(path: Path) -> ast.Module:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path), type_comments=True)
    except SyntaxError as exc:  # pragma: no cover - depends on the torch build
        raise GeneratorError(f"cannot parse {path}: {exc}") from exc


def _return_annotation(func: FunctionNode) -> Optional[ast.expr]:
    if func.returns is not None:
        return func.returns
    if func.type_comment:  # TorchScript-style ``# type: (Tensor, int) -> Tensor``
        try:
            signature = ast.parse(func.type_comment, mode="func_type")
        except SyntaxError:
            return None
        return signature.returns
    return None


def _always_raises(func: FunctionNode) -> bool:
    """True if the body is just ``raise ...`` (after an optional docstring)."""
    body = list(func.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return bool(body) and all(isinstance(stmt, ast.Raise) for stmt in body)


def _own_returns(func: FunctionNode) -> Iterator[ast.Return]:
    """``return`` statements of ``func`` itself, not of nested functions or classes."""
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            yield node
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def _leading_text(expr: ast.expr) -> Optional[str]:
    """The literal text a docstring expression starts with (before any formatted part)."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.JoinedStr):
        text = ""
        for part in expr.values:
            if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
                break
            text += part.value
        return text
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _leading_text(expr.left)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "format":
        return _leading_text(expr.func.value)
    return None


def _overall(kinds: Kinds) -> Optional[str]:
    """TENSOR / SEQUENCE if every overload agrees, else None."""
    if not kinds:
        return None
    if all(kind == TENSOR for kind in kinds):
        return TENSOR
    if all(kind == SEQUENCE for kind in kinds):
        return SEQUENCE
    return None


def read_torch_version(torch_dir: Path) -> str:
    tree = _parse(torch_dir / "version.py")
    for stmt in tree.body:
        targets: list[ast.expr] = []
        value: Optional[ast.expr] = None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            targets, value = [stmt.target], stmt.value
        for target in targets:
            if isinstance(target, ast.Name) and target.id == "__version__":
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    return value.value
    raise GeneratorError(f"no literal __version__ in {torch_dir / 'version.py'}")


def find_torch_dir() -> Path:
    """The installed torch package directory, located without importing torch."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        raise GeneratorError("torch is not installed (importlib.util.find_spec('torch') is None); use --torch-dir")
    return Path(next(iter(spec.submodule_search_locations)))


def check_sources(torch_dir: Path) -> None:
    if not torch_dir.is_dir():
        raise GeneratorError(f"{torch_dir} is not a directory")
    missing = [
        " or ".join(alternatives)
        for alternatives in REQUIRED_FILES
        if not any((torch_dir / name).is_file() for name in alternatives)
    ]
    if missing:
        raise GeneratorError(
            f"{torch_dir} does not look like a torch package this script supports; missing: {'; '.join(missing)}"
        )


def generate(torch_dir: Path) -> dict[str, object]:
    """Build the JSON document for the torch package at ``torch_dir``."""
    check_sources(torch_dir)
    api = TorchApi(torch_dir)
    functions: dict[str, list[str]] = {}
    sequence_functions: dict[str, list[str]] = {}
    for namespace in NAMESPACES:
        found = api.namespace_functions(namespace)
        functions[namespace] = found[TENSOR]
        sequence_functions[namespace] = found[SEQUENCE]
    members = api.tensor_members()
    for module_name, name in sorted(set(_UNSTATED_RETURNS) - api.hand_entries_used):
        reason = "is now derivable" if (module_name, name) in api.hand_entries_redundant else "was not found"
        print(
            f"generate_torch_api: warning: _UNSTATED_RETURNS entry {module_name}.{name} {reason}; remove it",
            file=sys.stderr,
        )
    return {
        "generated_by": GENERATED_BY,
        "torch_version": read_torch_version(torch_dir),
        "tensor_functions": functions,
        "tensor_sequence_functions": sequence_functions,
        "tensor_methods": members["methods"],
        "tensor_sequence_methods": members["sequence_methods"],
        "tensor_properties": members["properties"],
    }


def render(data: dict[str, object]) -> str:
    return json.dumps(data, indent=1) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--torch-dir", type=Path, help="torch package directory (default: the installed torch)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"default: {DEFAULT_OUTPUT}")
    parser.add_argument("--check", action="store_true", help="exit 1 if --output is not up to date")
    args = parser.parse_args(argv)

    try:
        torch_dir = args.torch_dir if args.torch_dir is not None else find_torch_dir()
        text = render(generate(torch_dir))
    except GeneratorError as exc:
        print(f"generate_torch_api: error: {exc}", file=sys.stderr)
        return 2

    output: Path = args.output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.is_file() else ""
        if current == text:
            return 0
        diff = difflib.unified_diff(
            current.splitlines(keepends=True), text.splitlines(keepends=True), str(output), "regenerated", n=1
        )
        sys.stderr.writelines(list(diff)[:60])
        print(
            f"generate_torch_api: {output} is out of date for the torch at {torch_dir}; run: python {GENERATED_BY}",
            file=sys.stderr,
        )
        return 1
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
