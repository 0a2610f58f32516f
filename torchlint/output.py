"""Print diagnostics in the formats ``--output-format`` offers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable, Optional

from torchlint.diagnostics import Diagnostic
from torchlint.rule import Applicability


@dataclass(frozen=True)
class FixView:
    """How the current options treat a diagnostic's fix."""

    applicability: Callable[[Diagnostic], Optional[Applicability]]  # after per-code promotions
    enabled: Callable[[Diagnostic], bool]  # would --fix apply it with the options given


def flake8(diagnostics: Sequence[Diagnostic], fixes: FixView) -> str:
    """``path:line:col: CODE message``; ``CODE [*] message`` when ``--fix`` would fix it, as Ruff marks it."""
    return "".join(
        f"{d.path}:{d.line}:{d.column}: {d.code} {'[*] ' if fixes.enabled(d) else ''}{d.message}\n"
        for d in diagnostics
    )


def as_json(diagnostics: Sequence[Diagnostic], fixes: FixView) -> str:
    rows = []
    for d in diagnostics:
        applicability = fixes.applicability(d)
        rows.append({
            "filename": d.path,
            "code": d.code,
            "message": d.message,
            "location": {"row": d.line, "column": d.column},
            "end_location": {"row": d.end_line, "column": d.end_column},
            "fix": None if d.fix is None or applicability is None else {
                "applicability": applicability.value,
                "message": d.fix.description,
            },
        })
    return json.dumps(rows, indent=2) + "\n"


FORMATS: dict[str, Callable[[Sequence[Diagnostic], FixView], str]] = {"flake8": flake8, "json": as_json}
