"""Settings that change what rules report or how they fix, as resolved from the command line (and config)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

NON_PERSISTENT = "non-persistent"
PERSISTENT = "persistent"


@dataclass(frozen=True)
class Settings:
    target_torch: Optional[tuple[int, int]] = None  # the oldest torch the project supports, e.g. (2, 5)
    buffer_persistence: str = NON_PERSISTENT  # how TL001's fix registers buffers
    extend_module_bases: frozenset[str] = frozenset()  # qualified names of more nn.Module base classes
    line_length: Optional[int] = None  # what a fixed line must fit in (the CLI always sets it); None: no limit

    def torch_at_least(self, major: int, minor: int) -> bool:
        return self.target_torch is not None and self.target_torch >= (major, minor)


def parse_torch_version(text: str) -> tuple[int, int]:
    """``"2.5"`` or ``"2.5.1"`` -> ``(2, 5)``; ValueError otherwise."""
    parts = text.strip().split(".")
    if len(parts) < 2 or not all(part.isdigit() for part in parts[:2]):
        raise ValueError(f"expected a torch version like 2.5, got {text!r}")
    return int(parts[0]), int(parts[1])


DEFAULT = Settings()
