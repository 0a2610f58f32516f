"""Test helpers: assert that a model keeps all its state registered.

``assert_registered(model)`` runs :func:`torchlint.runtime.audit` and fails with one readable entry per
finding. Build the model inside ``torchlint.runtime.record()`` (or use the ``torchlint_record`` pytest
fixture) and each entry also names the file and line of the assignment. Importing this module does not
import torch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Union

from torchlint.runtime.audit import RuntimeFinding, audit, display_path, filter_findings
from torchlint.runtime.recording import Recording

if TYPE_CHECKING:
    import torch

__all__ = ["assert_registered", "format_findings"]


def format_findings(findings: Sequence[RuntimeFinding]) -> str:
    """A readable multi-line report: per finding its code, qualified name, module path, class and site.

    Sites under the current directory are shown relative to it.
    """
    count = len(findings)
    lines = [f"{count} finding{'' if count == 1 else 's'}: model state escapes nn.Module registration"]
    for finding in findings:
        if finding.filename is not None and finding.line is not None:
            site = f"{display_path(finding.filename)}:{finding.line}"
        else:
            site = "assignment not recorded"
        lines.append(
            f"  {finding.code} {finding.qualified_name}  "
            f"[module {finding.module_path}, class {finding.cls}, {site}]"
        )
        lines.append(f"      {finding.problem}")
    return "\n".join(lines)


def assert_registered(
    model: torch.nn.Module,
    *,
    ignore: Iterable[str] = (),
    recording: Union[Recording, Sequence[Recording], None] = None,
) -> None:
    """Raise ``AssertionError`` listing every finding of :func:`~torchlint.runtime.audit` on ``model``.

    ``ignore``: codes or code prefixes (``"TL001"``), or ``fnmatch`` patterns for qualified attribute names
    (``"encoder.*.mask"``) or class-qualified ones (``"*.RotaryEmbedding.inv_freq"``).
    ``recording``: the recording(s) made while the model was built; by default every open ``record()``.
    """
    __tracebackhide__ = True  # pytest shows the caller's frame, not this one
    findings = filter_findings(audit(model, recording=recording), ignore)
    if findings:
        raise AssertionError(format_findings(findings))
