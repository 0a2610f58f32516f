"""Runtime truth about module registration; imports torch only when used.

:func:`record` notes, while models are being built, every place where a plain tensor lands in a module's
instance ``__dict__``, with the same codes the static rules use (TL001 unregistered tensor, TL002 tensor that
requires grad instead of a Parameter).
"""

from torchlint.runtime.recording import Recording, Site, record

__all__ = ["Recording", "Site", "record"]
