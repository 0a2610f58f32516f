"""Record where plain tensors are stored on ``nn.Module`` instances while they are constructed.

``record()`` wraps ``torch.nn.Module.__setattr__`` for the duration of a ``with`` block (nestable, and safe
when several threads build models: the wrapper is installed once, removed when the last block exits, and
every active recording receives the sites). A site is recorded when, after ``Module.__setattr__`` ran, the
instance ``__dict__`` holds a tensor that is not a Parameter under that name and did not hold a plain tensor
before: exactly the first assignment that the static rule TL001 (or TL002, for a leaf tensor that requires
grad) reports. A tensor that an override of ``_apply``, ``to`` or ``cuda`` moves after all (decided per
attribute from the override's source, :mod:`torchlint.runtime.override_effects`) is not recorded as TL001,
matching the static rule.

Each recording also remembers, per live instance and attribute, where the value that now sits in the
instance ``__dict__`` was assigned, whenever that value is a plain tensor or a plain ``list``, ``tuple`` or
``dict``: :meth:`Recording.location` answers it, and :func:`torchlint.runtime.audit` uses it to point its
findings at source lines. The location is that of the assignment that first gave the attribute a value of
its present kind (the line the static rules report), not of later reassignments of the same kind.
"""

from __future__ import annotations

import sys
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Callable, Optional

from torchlint.runtime.override_effects import moves_attribute

_lock = threading.RLock()  # re-entrant: a __del__ run by the collector may build a module
_active: list[Recording] = []
_original_setattr: Optional[Callable[..., None]] = None
_MISSING = object()
_TENSOR, _CONTAINER = "tensor", "container"


@dataclass(frozen=True)
class Site:
    code: str  # "TL001" or "TL002"
    filename: str
    line: int
    cls: str  # qualified name of the instance's class
    attribute: str


@dataclass(frozen=True)
class Location:
    """Where an attribute's present value was assigned."""

    filename: str
    line: int


class _Instance:
    """The locations recorded for one live module instance, held through a weak reference."""

    __slots__ = ("ref", "locations")

    def __init__(self, ref: weakref.ref[Any]) -> None:
        self.ref = ref
        self.locations: dict[str, Location] = {}


@dataclass
class Recording:
    sites: list[Site] = field(default_factory=list)
    _instances: dict[int, _Instance] = field(default_factory=dict, init=False, repr=False, compare=False)
    # (class, attribute) -> every location seen for it on any instance: copy.deepcopy() builds instances
    # without __setattr__, and their values were assigned where the original's were
    _by_class: dict[tuple[type, str], set[Location]] = field(default_factory=dict, init=False, repr=False,
                                                              compare=False)

    def lines(self, filename: str) -> set[tuple[int, str]]:
        """``{(line, code)}`` of the sites in one file."""
        return {(site.line, site.code) for site in self.sites if site.filename == filename}

    def location(self, instance: object, attribute: str) -> Optional[Location]:
        """Where ``instance.attribute`` got its present plain tensor or plain container, if seen here."""
        with _lock:
            entry = self._instances.get(id(instance))
            if entry is None or entry.ref() is not instance:
                return None
            return entry.locations.get(attribute)

    def class_location(self, cls: type, attribute: str) -> Optional[Location]:
        """The one place where instances of ``cls`` got ``attribute`` a plain tensor or container, if only one."""
        with _lock:
            found = self._by_class.get((cls, attribute), set())
            return next(iter(found)) if len(found) == 1 else None

    def _note(self, instance: object, attribute: str, location: Optional[Location]) -> None:
        """Set (or with ``None`` forget) a location; the caller holds ``_lock``."""
        key = id(instance)
        entry = self._instances.get(key)
        if entry is not None and entry.ref() is not instance:
            entry = None  # a dead instance whose id was reused
        if location is None:
            if entry is not None:
                entry.locations.pop(attribute, None)
            return
        if entry is None:
            try:
                ref = weakref.ref(instance, self._forget_callback(key))
            except TypeError:  # not weakly referenceable: no location rather than keeping it alive
                return
            entry = self._instances[key] = _Instance(ref)
        entry.locations[attribute] = location
        self._by_class.setdefault((type(instance), attribute), set()).add(location)

    def _forget_callback(self, key: int) -> Callable[[weakref.ref[Any]], None]:
        instances = self._instances

        def forget(ref: weakref.ref[Any]) -> None:
            # Runs during garbage collection, possibly while _lock is held: single dict operations only.
            entry = instances.get(key)
            if entry is not None and entry.ref is ref:
                instances.pop(key, None)

        return forget


def _assignment_frame(frame: Optional[FrameType]) -> Optional[FrameType]:
    """Skip frames of ``__setattr__`` overrides so that the site is the statement that assigned."""
    while frame is not None and frame.f_code.co_name == "__setattr__":
        frame = frame.f_back
    return frame


def _manages_own_tensors(cls: type, module_type: type) -> bool:
    return any(getattr(cls, name) is not getattr(module_type, name) for name in ("_apply", "to", "cuda"))


def _install() -> None:
    global _original_setattr
    import torch

    module_type = torch.nn.Module
    original = module_type.__setattr__
    _original_setattr = original
    tensor_type, parameter_type = torch.Tensor, torch.nn.Parameter

    def is_plain_tensor(value: object) -> bool:
        return isinstance(value, tensor_type) and not isinstance(value, parameter_type)

    def kind(value: object) -> Optional[str]:
        if value is _MISSING:
            return None
        if is_plain_tensor(value):
            return _TENSOR
        if isinstance(value, (list, tuple, dict)):
            return _CONTAINER
        return None

    def recording_setattr(self: Any, name: str, value: Any) -> None:
        before = self.__dict__.get(name, _MISSING)
        original(self, name, value)
        after = self.__dict__.get(name, _MISSING)
        after_kind = kind(after)
        if after_kind is None:
            if kind(before) is not None:
                with _lock:
                    for recording in _active:
                        recording._note(self, name, None)
            return
        if after_kind == kind(before):
            return  # the location of the first value of this kind stands
        frame = _assignment_frame(sys._getframe(1))
        if frame is None:
            return
        filename, line = frame.f_code.co_filename, frame.f_lineno
        site: Optional[Site] = None
        if after_kind == _TENSOR:
            if after.requires_grad and after.is_leaf:
                code: Optional[str] = "TL002"
            elif moves_attribute(type(self), name, module_type):
                code = None
            else:
                code = "TL001"
            if code is not None:
                cls = type(self)
                site = Site(code, filename, line, f"{cls.__module__}.{cls.__qualname__}", name)
        location = Location(filename, line)
        with _lock:
            for recording in _active:
                recording._note(self, name, location)
                if site is not None:
                    recording.sites.append(site)

    module_type.__setattr__ = recording_setattr  # type: ignore[method-assign]


def _uninstall() -> None:
    global _original_setattr
    import torch

    if _original_setattr is not None:
        torch.nn.Module.__setattr__ = _original_setattr  # type: ignore[method-assign]
        _original_setattr = None


def active_recordings() -> list[Recording]:
    """The recordings of the ``record()`` blocks open now, in any thread, outermost first."""
    with _lock:
        return list(_active)


@contextmanager
def record() -> Iterator[Recording]:
    """Record plain-tensor assignment sites on ``nn.Module`` instances built inside the block."""
    recording = Recording()
    with _lock:
        if not _active:
            _install()
        _active.append(recording)
    try:
        yield recording
    finally:
        with _lock:
            # By identity: two recordings that saw the same sites are equal, and list.remove would take the first.
            del _active[next(index for index, active in enumerate(_active) if active is recording)]
            if not _active:
                _uninstall()
