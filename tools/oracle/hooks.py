"""Per-package factories beyond the no-argument classes: registries, tiny configs, shipped model configs.

``HOOKS[package]`` maps a name to a zero-argument callable returning a module; ``DYNAMIC[package]`` lists more
names at discovery time (e.g. one per model config file the package ships). Kept small on purpose.
"""

from __future__ import annotations

from typing import Any, Callable

HOOKS: dict[str, dict[str, Callable[[], Any]]] = {}
DYNAMIC: dict[str, tuple[Callable[[], list[str]], Callable[[str], Callable[[], Any]]]] = {}


def names(package: str) -> list[str]:
    listed = list(HOOKS.get(package, {}))
    if package in DYNAMIC:
        listed += DYNAMIC[package][0]()
    return listed


def factory(package: str, name: str) -> Callable[[], Any]:
    if name in HOOKS.get(package, {}):
        return HOOKS[package][name]
    return DYNAMIC[package][1](name)
