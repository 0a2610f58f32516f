"""Base classes outside the file that make a class an ``nn.Module``."""

from __future__ import annotations

from torchlint.torch_api import is_nn_module_class

MODULE_BASES = frozenset({"torch.nn.Module", "torch.nn.modules.Module", "torch.nn.modules.module.Module"})


def is_module_base(qualified: str, extra: frozenset[str] = frozenset()) -> bool:
    """True for ``torch.nn.Module`` under any of its public paths, torch.nn's own layer classes, and the
    project's own ``extend-module-bases``."""
    return qualified in MODULE_BASES or is_nn_module_class(qualified) or qualified in extra
