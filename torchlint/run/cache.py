"""The on-disk cache of lint results, so an unchanged tree is re-checked without parsing.

One small JSON entry per source file under ``.torchlint_cache/`` (beside the configuration, like Ruff's
``.ruff_cache``). An entry is valid when the file's content, the torchlint version and the effective
configuration (enabled codes and settings) hash to the same key, and every project file the analysis
looked at (cross-file bases and helpers) still has the size and modification time it had. Entries are
written atomically (temporary file, then rename), so concurrent runs never read a partial entry; at worst
they compute the same result twice.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any, Optional

from torchlint import __version__
from torchlint.contract.diagnostics import Diagnostic
from torchlint.contract.rule import Applicability, Fix

CACHE_DIRECTORY = ".torchlint_cache"


def _stat(path: str) -> Optional[list[int]]:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_mtime_ns, info.st_size]


def _encode(diagnostic: Diagnostic) -> dict[str, Any]:
    fix = diagnostic.fix
    return {
        "line": diagnostic.line, "column": diagnostic.column, "end_line": diagnostic.end_line,
        "end_column": diagnostic.end_column, "code": diagnostic.code, "message": diagnostic.message,
        "fix": None if fix is None else [fix.applicability.value, fix.description, fix.unsafe_reason],
        "cell": diagnostic.cell,
    }


def _decode(row: dict[str, Any], path: str) -> Diagnostic:
    fix = row["fix"]
    return Diagnostic(
        path=path, line=row["line"], column=row["column"], code=row["code"], message=row["message"],
        end_line=row["end_line"], end_column=row["end_column"],
        fix=None if fix is None else Fix(fix[1], Applicability(fix[0]), (), fix[2] if len(fix) > 2 else None),
        cell=row.get("cell"),
    )


@functools.cache
def code_fingerprint() -> str:
    """A hash of torchlint's own code and data, so results of an edited (editable) install are not reused."""
    import torchlint
    from torchlint.engine.registry import rules_package

    digest = hashlib.sha256(__version__.encode())
    for package in (torchlint, rules_package()):
        for directory in package.__path__:
            for root, _, files in sorted(os.walk(directory)):
                for name in sorted(files):
                    if name.endswith((".py", ".json")):
                        with open(os.path.join(root, name), "rb") as handle:
                            digest.update(name.encode() + handle.read())
    return digest.hexdigest()[:16]


class Cache:
    def __init__(self, directory: str, fingerprint: str) -> None:
        self.directory = os.path.join(directory, f"{__version__}-{code_fingerprint()}", fingerprint)
        self._ready = False

    @staticmethod
    def fingerprint(parts: Iterable[object]) -> str:
        """A short stable hash of the configuration pieces that change results."""
        return hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()[:16]

    def _entry(self, path: str) -> str:
        return os.path.join(self.directory, hashlib.sha256(os.path.abspath(path).encode()).hexdigest()[:32] + ".json")

    @staticmethod
    def key(raw: bytes, codes: Sequence[str]) -> str:
        digest = hashlib.sha256(raw)
        digest.update(",".join(codes).encode())
        return digest.hexdigest()

    def get(self, path: str, key: str, shown_as: str) -> Optional[tuple[list[Diagnostic], int]]:
        """The stored diagnostics and the number of module classes analysed, when the entry is valid."""
        try:
            with open(self._entry(path), encoding="utf-8") as handle:
                entry = json.load(handle)
        except (OSError, ValueError):
            return None
        if entry.get("key") != key:
            return None
        if any(_stat(dependency) != stamp for dependency, stamp in entry.get("depends_on", {}).items()):
            return None
        try:
            return [_decode(row, shown_as) for row in entry["diagnostics"]], int(entry.get("classes", 0))
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, path: str, key: str, diagnostics: Sequence[Diagnostic], depends_on: Iterable[str],
            classes: int = 0) -> None:
        """Store a result; a cache that cannot be written is silently skipped (it is only an optimisation)."""
        own = os.path.abspath(path)
        entry = {
            "key": key,
            "depends_on": {dep: _stat(dep) for dep in sorted(depends_on) if dep != own},
            "diagnostics": [_encode(d) for d in diagnostics],
            "classes": classes,
        }
        try:
            self._prepare()
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(entry, stream)
            os.replace(temporary, self._entry(path))
        except OSError:
            return

    def _prepare(self) -> None:
        if self._ready:
            return
        os.makedirs(self.directory, exist_ok=True)
        top = os.path.dirname(os.path.dirname(self.directory))
        ignore = os.path.join(top, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w", encoding="utf-8") as handle:
                handle.write("# Automatically created by torchlint.\n*\n")
        self._ready = True
