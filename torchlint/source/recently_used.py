"""A bounded store that keeps the most recently used values: what the language server carries from one edit
of a file to the next (region trees, body scans, function indexes), without growing over a whole run."""

from __future__ import annotations

from typing import Callable, Generic, Optional, TypeVar

K = TypeVar("K")
V = TypeVar("V")
_MISSING = object()


class RecentlyUsed(Generic[K, V]):
    """Up to ``limit`` values by key; the least recently used goes first."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._values: dict[K, V] = {}

    def get(self, key: K, make: Callable[[], V], valid: Optional[Callable[[V], bool]] = None) -> V:
        """The value kept for ``key`` (when ``valid`` accepts it), else ``make()``, kept from now on."""
        found = self._values.pop(key, _MISSING)
        if found is _MISSING or (valid is not None and not valid(found)):  # type: ignore[arg-type]
            found = make()
        self._values[key] = found  # type: ignore[assignment]  # the most recently used last
        if len(self._values) > self.limit:
            del self._values[next(iter(self._values))]
        return found  # type: ignore[return-value]

    def clear(self) -> None:
        self._values.clear()
