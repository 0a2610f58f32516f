"""Whether a module class is built by a framework's load path that does not keep what ``__init__`` filled in.

transformers >= 5 ``from_pretrained`` builds the model on the meta device, loads the checkpoint, then
re-creates every missing key and every non-persistent buffer with ``torch.empty_like`` and relies on the
model's ``_init_weights`` to refill them: a buffer only ``__init__`` fills reloads as uninitialised memory.
Such a load path builds the model class and every submodule it holds, which usually live in the same file, so
a file with one such class (or a file of transformers itself) counts as a whole.

diffusers 0.42 ``ModelMixin.from_pretrained`` is not one: it builds under accelerate's ``init_empty_weights()``,
which puts parameters on meta but leaves buffers as ``__init__`` made them (``include_buffers`` is off), and
loads no buffer it did not save. ``tools/fix_proof`` measured it: the fixed diffusers models (small
configurations) went through ``save_pretrained`` -> ``from_pretrained`` with every tensor, non-persistent
buffers included, as built (``benchmarks/fix_proof/README.md``).
"""

from __future__ import annotations

from typing import Optional
from weakref import WeakKeyDictionary

from torchlint.analysis.events import Context
from torchlint.outline.file_model import FileModel
from torchlint.outline.module_classes import full_mro

# the frameworks, by top-level package, and the words their load-path bases end with
FRAMEWORKS = {
    "transformers": ("transformers' from_pretrained", ("PreTrainedModel",)),
}


def _framework(qualified: str) -> Optional[str]:
    package = qualified.split(".")[0]
    known = FRAMEWORKS.get(package)
    if known is not None and qualified.rsplit(".", 1)[-1].endswith(known[1]):
        return package
    return None


_KNOWN: WeakKeyDictionary[FileModel, Optional[str]] = WeakKeyDictionary()


def file_load_path(model: FileModel) -> Optional[str]:
    """The framework whose meta-device load path builds the module classes of this file, or None."""
    if model not in _KNOWN:
        _KNOWN[model] = _file_load_path(model)
    return _KNOWN[model]


def _file_load_path(model: FileModel) -> Optional[str]:
    if model.package is not None:
        framework = FRAMEWORKS.get(model.package.split(".")[0])
        if framework is not None:
            return model.package.split(".")[0]
    for info in model.classes:
        if not info.is_module:
            continue
        for entry in full_mro(info):
            if not isinstance(entry, str):
                continue
            for name in model.external_ancestors(entry):
                framework = _framework(name)
                if framework is not None:
                    return framework
    return None


def load_path_reason(context: Context, what: str) -> Optional[str]:
    """Why a fix that registers ``what`` in ``__init__`` would load wrongly, in words for a message, or None."""
    framework = file_load_path(context.model)
    if framework is None:
        return None
    loader = FRAMEWORKS[framework][0]
    return (
        f"this file's models are built by {loader}, which builds them on the meta device and re-creates "
        f"{what} empty instead of running __init__'s value: register it and also refill it in the model's "
        f"_init_weights"
    )
