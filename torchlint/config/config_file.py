"""``[tool.torchlint]`` in ``pyproject.toml`` (or a ``torchlint.toml`` / ``.torchlint.toml``): load, validate,
and find the configuration that applies to each file, as Ruff does: the nearest one above the file.

Every key is checked: an unknown key or a value of the wrong type is a one-line :class:`ConfigError`
naming the file, the key and what was expected.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from torchlint.config.settings import NON_PERSISTENT, PERSISTENT, parse_torch_version
from torchlint.config.suggestion import did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

CONFIG_FILES = ("torchlint.toml", ".torchlint.toml", "pyproject.toml")


class ConfigError(Exception):
    """A configuration problem; the message is one line meant for the user."""


@dataclass(frozen=True)
class Config:
    """The options one configuration file sets (None / empty: not set)."""

    path: Optional[str] = None  # the file it came from; None for the built-in defaults
    root: str = "."  # the directory that patterns are relative to
    select: Optional[tuple[str, ...]] = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: Optional[tuple[str, ...]] = None
    extend_exclude: tuple[str, ...] = ()
    extend_module_bases: tuple[str, ...] = ()
    target_torch: Optional[tuple[int, int]] = None
    fix_buffer_persistence: Optional[str] = None
    respect_gitignore: bool = True
    unsafe_fixes: Optional[bool] = None
    extend_safe_fixes: tuple[str, ...] = ()
    extend_unsafe_fixes: tuple[str, ...] = ()
    force_exclude: bool = False
    python: Optional[str] = None  # the project's interpreter (or its environment), relative to ``root``
    line_length: Optional[int] = None


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError("a list of strings")
    return tuple(value)


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError("a path string")
    return value


def _string_table(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise TypeError("a table of glob = [codes]")
    result = []
    for pattern, codes in value.items():
        try:
            result.append((pattern, _strings(codes)))
        except TypeError:
            raise TypeError(f"a list of code strings for pattern {pattern!r}") from None
    return tuple(result)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("true or false")
    return value


def _torch(value: Any) -> tuple[int, int]:
    if not isinstance(value, str):
        raise TypeError('a version string such as "2.5"')
    try:
        return parse_torch_version(value)
    except ValueError:
        raise TypeError('a version string such as "2.5"') from None


def _line_length(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise TypeError("a positive integer")
    return value


def _persistence(value: Any) -> str:
    if value not in (NON_PERSISTENT, PERSISTENT):
        raise TypeError(f'"{NON_PERSISTENT}" or "{PERSISTENT}"')
    return str(value)


# key in the file -> (field of Config, converter that raises TypeError("what was expected"))
_KEYS: Mapping[str, tuple[str, Callable[[Any], Any]]] = {
    "select": ("select", _strings),
    "extend-select": ("extend_select", _strings),
    "ignore": ("ignore", _strings),
    "per-file-ignores": ("per_file_ignores", _string_table),
    "exclude": ("exclude", _strings),
    "extend-exclude": ("extend_exclude", _strings),
    "extend-module-bases": ("extend_module_bases", _strings),
    "target-torch": ("target_torch", _torch),
    "fix-buffer-persistence": ("fix_buffer_persistence", _persistence),
    "respect-gitignore": ("respect_gitignore", _boolean),
    "unsafe-fixes": ("unsafe_fixes", _boolean),
    "extend-safe-fixes": ("extend_safe_fixes", _strings),
    "extend-unsafe-fixes": ("extend_unsafe_fixes", _strings),
    "force-exclude": ("force_exclude", _boolean),
    "python": ("python", _string),
    "line-length": ("line_length", _line_length),
}
KNOWN_KEYS = tuple(_KEYS)


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def config_from_table(table: Mapping[str, Any], path: str, section: str = "[tool.torchlint]") -> Config:
    values: dict[str, Any] = {}
    where = f" in {section}" if section else ""
    for key, value in table.items():
        if key not in _KEYS:
            known = ", ".join(KNOWN_KEYS)
            hint = did_you_mean(key, KNOWN_KEYS)
            raise ConfigError(f"{path}: unknown key {key!r}{where}{hint} (known keys: {known})")
        attribute, convert = _KEYS[key]
        try:
            values[attribute] = convert(value)
        except TypeError as expected:
            raise ConfigError(f"{path}: {key} must be {expected}, got {_describe(value)}") from None
    return Config(path=path, root=os.path.dirname(os.path.abspath(path)), **values)


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None


def load(path: str) -> Optional[Config]:
    """The configuration in ``path``, or None when it is a pyproject.toml without ``[tool.torchlint]``."""
    data = _read_toml(path)
    if os.path.basename(path) != "pyproject.toml":
        return config_from_table(data, path, section="")  # torchlint.toml: the keys at top level, as ruff.toml
    tool = data.get("tool", {})
    if not isinstance(tool, dict) or "torchlint" not in tool:
        return None
    table = tool["torchlint"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.torchlint] must be a table")
    return config_from_table(table, path)


@dataclass
class ConfigResolver:
    """Finds the configuration for each path: ``--config``, else the nearest file above it, else defaults."""

    explicit: Optional[Config] = None
    isolated: bool = False
    default: Config = field(default_factory=lambda: Config(root=os.getcwd()))
    _by_directory: dict[str, Config] = field(default_factory=dict)

    def for_directory(self, directory: str) -> Config:
        if self.explicit is not None:
            return self.explicit
        if self.isolated:
            return self.default
        directory = os.path.abspath(directory)
        cached = self._by_directory.get(directory)
        if cached is not None:
            return cached
        found: Optional[Config] = None
        for name in CONFIG_FILES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                found = load(candidate)
                if found is not None:
                    break
        if found is None:
            parent = os.path.dirname(directory)
            found = self.for_directory(parent) if parent != directory else self.default
        self._by_directory[directory] = found
        return found

    def for_file(self, path: str) -> Config:
        return self.for_directory(os.path.dirname(os.path.abspath(path)))
