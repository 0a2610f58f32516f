"""Record where plain tensors are stored on ``nn.Module`` instances while they are constructed.

``record()`` wraps ``torch.nn.Module.__setattr__`` for the duration of a ``with`` block (nestable, and safe
when several threads build models: the wrapper is installed once, removed when the last block exits, and
every active recording receives the sites). A site is recorded when, after ``Module.__setattr__`` ran, the
instance ``__dict__`` holds a tensor that is not a Parameter under that name and did not hold a plain tensor
before: exactly the first assignment that the static rule TL001 (or TL002, for a leaf tensor that requires
grad) reports. Classes that override ``_apply``, ``to`` or ``cuda`` move their own tensors, so TL001 is not
recorded for them, matching the static rule.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Callable, Optional

_lock = threading.Lock()
_active: list[Recording] = []
_original_setattr: Optional[Callable[..., None]] = None
_MISSING = object()


@dataclass(frozen=True)
class Site:
    code: str  # "TL001" or "TL002"
    filename: str
    line: int
    cls: str  # qualified name of the instance's class
    attribute: str


@dataclass
class Recording:
    sites: list[Site] = field(default_factory=list)

    def lines(self, filename: str) -> set[tuple[int, str]]:
        """``{(line, code)}`` of the sites in one file."""
        return {(site.line, site.code) for site in self.sites if site.filename == filename}


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

    def recording_setattr(self: Any, name: str, value: Any) -> None:
        before = self.__dict__.get(name, _MISSING)
        original(self, name, value)
        after = self.__dict__.get(name, _MISSING)
        if after is _MISSING or not is_plain_tensor(after) or is_plain_tensor(before):
            return
        if after.requires_grad and after.is_leaf:
            code = "TL002"
        elif _manages_own_tensors(type(self), module_type):
            return
        else:
            code = "TL001"
        frame = _assignment_frame(sys._getframe(1))
        if frame is None:
            return
        cls = type(self)
        site = Site(code, frame.f_code.co_filename, frame.f_lineno, f"{cls.__module__}.{cls.__qualname__}", name)
        with _lock:
            for recording in _active:
                recording.sites.append(site)

    module_type.__setattr__ = recording_setattr  # type: ignore[method-assign]


def _uninstall() -> None:
    global _original_setattr
    import torch

    if _original_setattr is not None:
        torch.nn.Module.__setattr__ = _original_setattr  # type: ignore[method-assign]
        _original_setattr = None


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
            _active.remove(recording)
            if not _active:
                _uninstall()
