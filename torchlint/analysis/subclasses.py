"""What the same-file subclasses of a class do with an attribute name.

A fix that registers ``self.<name>`` in a base class runs in every subclass too, including those whose own
analysis never reaches the statement (a subclass that overrides ``forward`` or ``_apply``). Registering the
name raises ``KeyError`` in a subclass that has a method or class attribute of that name, or that assigns
``self.<name>`` before it calls ``super().__init__()``.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from torchlint.outline.file_model import ClassInfo, FileModel
from torchlint.source.statements import small_statements, store_targets
from torchlint.source.syntax import first_parameter, setattr_arguments


def subclasses(model: FileModel, cls: ClassInfo) -> list[ClassInfo]:
    """The classes of the file that derive from ``cls``, directly or not."""
    found: list[ClassInfo] = []
    family = {id(cls)}
    changed = True
    while changed:
        changed = False
        for info in model.classes:
            if id(info) not in family and any(id(base) in family for base in info.same_file_bases):
                family.add(id(info))
                found.append(info)
                changed = True
    return found


def is_super_init(statement: cst.BaseStatement, self_id: str) -> bool:
    """``super().__init__(...)``, ``super(C, self).__init__(...)`` or ``Base.__init__(self, ...)``."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        call = small.value if isinstance(small, cst.Expr) else None
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)):
            continue
        if call.func.attr.value != "__init__":
            continue
        receiver = call.func.value
        if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) and receiver.func.value == "super":
            return True
        first = call.args[0].value if call.args else None
        if isinstance(first, cst.Name) and first.value == self_id:
            return True
    return False


def writes_name(statement: cst.BaseSmallStatement, self_id: str, name: str) -> bool:
    """Whether ``statement`` assigns ``self.<name>`` (as a target, in a tuple target, or by setattr())."""
    if isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call):
        arguments = setattr_arguments(statement.value)
        if arguments is not None:
            obj, key, _ = arguments
            return (
                isinstance(obj, cst.Name) and obj.value == self_id
                and isinstance(key, cst.SimpleString) and key.evaluated_value == name
            )
    return any(
        isinstance(target, cst.Attribute) and target.attr.value == name
        and isinstance(target.value, cst.Name) and target.value.value == self_id
        for target in store_targets(statement)
    )


def base_init_index(init: cst.FunctionDef) -> Optional[int]:
    """The index in ``init``'s body of its first top-level call of the base ``__init__``, or None."""
    self_id = first_parameter(init)
    if self_id is None or not isinstance(init.body, cst.IndentedBlock):
        return None
    return next((index for index, statement in enumerate(init.body.body) if is_super_init(statement, self_id)), None)


def run_before_base_init(init: cst.FunctionDef) -> list[cst.BaseSmallStatement]:
    """The small statements of ``init`` up to and including its base ``__init__`` call (all of them, when it
    has no top-level call to tell)."""
    if not isinstance(init.body, cst.IndentedBlock):
        return []
    anchor = base_init_index(init)
    body = init.body.body if anchor is None else init.body.body[: anchor + 1]
    return [small for statement in body for small in small_statements(statement)]


def assigns_before_super_init(init: cst.FunctionDef, name: str) -> bool:
    """Whether ``init`` may assign ``self.<name>`` before it calls the base ``__init__``."""
    self_id = first_parameter(init)
    return self_id is not None and any(writes_name(small, self_id, name) for small in run_before_base_init(init))


def subclass_conflict(model: FileModel, cls: ClassInfo, name: str) -> Optional[str]:
    """Why registering ``name`` in ``cls``'s code would raise in one of its same-file subclasses, or None."""
    for subclass in subclasses(model, cls):
        if name in subclass.methods or name in subclass.class_attributes:
            return f"the subclass `{subclass.name}` has a method or class attribute named `{name}`"
        init = subclass.methods.get("__init__")
        if init is not None and assigns_before_super_init(init, name):
            return f"the subclass `{subclass.name}` assigns `self.{name}` before super().__init__()"
    return None
