"""Importable stand-ins for packages whose real builds cannot run here (CUDA-only wheels of torchvision/torchaudio;
ray, which neuralforecast imports for hyperparameter search only, so its stub is permissive).

Every attribute of a stub module, at any depth, is a stub class; calling or instantiating one raises, so a model
that really needs the package fails to build (and is reported so) instead of silently building something else.
Importing works, so a package whose models do not need it at construction time can be measured.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Sequence
from typing import Any, Optional

_PERMISSIVE: set[str] = set()  # stub packages whose calls return stubs instead of raising


class StubUsed(RuntimeError):
    pass


class _StubMeta(type):
    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _stub_class(f"{cls.__qualname__}.{name}")

    def __call__(cls, *args: object, **kwargs: object) -> Any:
        if cls.__module__.split(".")[0] in _PERMISSIVE:
            return cls  # an import-time default such as ray's BasicVariantGenerator(): a stub again, not an error
        raise StubUsed(f"{cls.__qualname__} is a stub (the real package is not installed in the oracle)")


def _stub_class(qualname: str) -> type:
    stub = _StubMeta(qualname.rsplit(".", 1)[-1], (), {"__module__": qualname.rsplit(".", 1)[0]})
    stub.__qualname__ = qualname
    return stub


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = _stub_class(f"{self.__name__}.{name}")
        setattr(self, name, value)
        return value


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, root: str) -> None:
        self.root = root

    def find_spec(self, fullname: str, path: Optional[Sequence[str]], target: object = None) -> Any:
        if fullname.startswith(self.root + "."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__version__ = "0.28.0"  # type: ignore[attr-defined]


def install(name: str, permissive: bool = False) -> None:
    """Make ``name`` (already being imported) a stub package and serve its submodules as stubs.

    ``permissive``: calling a stub returns it instead of raising (for a package used only at import time)."""
    if permissive:
        _PERMISSIVE.add(name)
    module = sys.modules[name]
    module.__class__ = _StubModule
    module.__version__ = "0.28.0"  # type: ignore[attr-defined]
    sys.meta_path.insert(0, _Finder(name))
