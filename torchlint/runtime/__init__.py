"""Runtime truth about module registration; imports torch only when used.

:func:`record` notes, while models are being built, every place where a plain tensor lands in a module's
instance ``__dict__``, with the same codes the static rules use (TL001 unregistered tensor, TL002 tensor that
requires grad instead of a Parameter), and where each attribute's present value was assigned.

:func:`audit` walks a live model and reports what escapes registration (TL001 to TL004), pointing at the
assignment lines that a recording saw.
"""

from torchlint.runtime.audit import ROOT, RuntimeFinding, audit, filter_findings
from torchlint.runtime.recording import Location, Recording, Site, active_recordings, record

__all__ = [
    "ROOT", "Location", "Recording", "RuntimeFinding", "Site",
    "active_recordings", "audit", "filter_findings", "record",
]
