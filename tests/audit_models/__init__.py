"""Small models with known registration bugs, built by the runtime-audit tests and the ``torchlint audit`` CLI.

Every line that a finding points at ends with a comment naming the code the audit reports there (``# TL001``);
:func:`marked` finds those lines. Importing this package does not import torch.
"""

from __future__ import annotations

import re
from pathlib import Path

MODELS = Path(__file__).with_name("models.py")
_MARK = re.compile(r"#\s*(TL\d{3})\b")


def marked(code: str, path: Path = MODELS) -> list[int]:
    """The 1-based numbers of the lines in ``path`` whose trailing comment names ``code``."""
    lines = path.read_text("utf-8").splitlines()
    return [number for number, line in enumerate(lines, 1) if any(m == code for m in _MARK.findall(line))]
