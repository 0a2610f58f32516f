"""Print diagnostics in the formats ``--output-format`` offers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Callable

from torchlint.diagnostics import Diagnostic


def flake8(diagnostics: Sequence[Diagnostic]) -> str:
    """``path:line:col: CODE message``, the line every editor integration for flake8 parses."""
    return "".join(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}\n" for d in diagnostics)


def as_json(diagnostics: Sequence[Diagnostic]) -> str:
    rows = [
        {
            "filename": d.path,
            "code": d.code,
            "message": d.message,
            "location": {"row": d.line, "column": d.column},
            "end_location": {"row": d.end_line, "column": d.end_column},
            "fix": None if d.fix is None else {
                "applicability": d.fix.applicability.value,
                "message": d.fix.description,
            },
        }
        for d in diagnostics
    ]
    return json.dumps(rows, indent=2) + "\n"


FORMATS: dict[str, Callable[[Sequence[Diagnostic]], str]] = {"flake8": flake8, "json": as_json}
