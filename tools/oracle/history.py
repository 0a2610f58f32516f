"""Log of every tensor or container assignment on a module instance while a model is built.

``torchlint.runtime.record()`` keeps only where each attribute's *present* value came from; the oracle also
needs the assignments whose value was replaced later (they count for neither side) and a few facts about the
assigning frame that explain misses. ``History`` wraps ``nn.Module.__setattr__`` outside ``record()``'s
wrapper; its wrapper is named ``__setattr__`` so that ``record()`` skips its frame when locating a site.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Callable, Optional

TENSOR, CONTAINER = "tensor", "container"


@dataclass
class Assignment:
    instance: Any  # strong reference: history lives only as long as one build
    attribute: str
    value: Any
    kind: str  # TENSOR or CONTAINER
    filename: str
    line: int
    function: str  # co_qualname of the assigning frame
    on_self: bool  # the assigning frame's first argument is the instance (a method running on it)
    before_init: bool  # Module.__init__ had not run yet on the instance


class History:
    """Context manager installing the logging wrapper; ``assignments`` and ``instances`` after exit."""

    def __init__(self) -> None:
        self.assignments: list[Assignment] = []
        self.instances: dict[int, Any] = {}
        self.others: set[tuple[str, int, str, str]] = set()  # (file, line, attribute, type) of other values
        self._previous: Optional[Callable[..., None]] = None

    def __enter__(self) -> History:
        import torch

        module_type = torch.nn.Module
        previous = self._previous = module_type.__setattr__
        tensor_type = torch.Tensor
        parameter_type = torch.nn.Parameter
        log = self.assignments
        instances = self.instances
        others = self.others

        def __setattr__(self: Any, name: str, value: Any) -> None:  # noqa: N807 - record() skips this frame by name
            before_init = "_modules" not in self.__dict__
            previous(self, name, value)
            instances.setdefault(id(self), self)
            if name not in self.__dict__:
                kind = ""  # registered (nn.Buffer, a name already in _buffers, a module): not a plain value
            elif isinstance(value, tensor_type) and not isinstance(value, parameter_type):
                kind = TENSOR
            elif isinstance(value, (list, tuple, dict)):
                kind = CONTAINER
            else:
                kind = ""
            frame = sys._getframe(1)
            while frame is not None and frame.f_code.co_name == "__setattr__":
                frame = frame.f_back  # type: ignore[assignment]
            if frame is None:
                return
            if not kind:
                registered = "" if name in self.__dict__ else "registered "
                others.add((frame.f_code.co_filename, frame.f_lineno, name, registered + type(value).__name__))
                return
            code = frame.f_code
            first = code.co_varnames[0] if code.co_argcount else None
            on_self = first is not None and frame.f_locals.get(first) is self
            log.append(Assignment(
                self, name, value, kind, code.co_filename, frame.f_lineno,
                getattr(code, "co_qualname", code.co_name), on_self, before_init,
            ))

        module_type.__setattr__ = __setattr__  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        import torch

        torch.nn.Module.__setattr__ = self._previous  # type: ignore[method-assign]
