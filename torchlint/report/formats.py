"""Print diagnostics in the formats ``--output-format`` offers.

- ``flake8`` (default): ``path:line:col: CODE message``, the line every flake8 editor integration parses.
- ``full``: the same line, then the source line with a caret under the finding and the fix with its safety.
- ``json``: a list of objects shaped like Ruff's JSON output (filename, code, message, location,
  end_location, fix with applicability, message and text edits, noqa_row) plus the rule's name and where its
  documentation is. The command line checks without its cache and renders each fix's edits as text for this
  format (see :mod:`torchlint.fix.text_edits`), so ``edits`` are complete; a fix whose edits were not rendered
  (a library caller that did not enable it) shows ``"edits": []``.
- ``sarif``: SARIF 2.1.0 for GitHub code scanning (:mod:`torchlint.report.sarif`).
- ``github``: GitHub Actions workflow commands, which show as annotations on pull requests: ``::error`` or
  ``::warning`` after the rule's severity.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional

from torchlint.contract.diagnostics import SYNTAX_ERROR_CODE, Diagnostic, TextEdit
from torchlint.contract.rule import Applicability
from torchlint.engine.registry import rule_by_code
from torchlint.report.repository import repository_path, repository_root
from torchlint.report.sarif import render as render_sarif
from torchlint.report.sources import Sources


@dataclass(frozen=True)
class FixView:
    """How the current options treat a diagnostic's fix."""

    applicability: Callable[[Diagnostic], Optional[Applicability]]  # after per-code promotions
    enabled: Callable[[Diagnostic], bool]  # would --fix apply it with the options given


def flake8(diagnostics: Sequence[Diagnostic], fixes: FixView, sources: Optional[Sources] = None) -> str:
    """``path:line:col: CODE message``; ``CODE [*] message`` when ``--fix`` would fix it, as Ruff marks it."""
    return "".join(
        f"{d.path}:{d.location}: {d.code} {'[*] ' if fixes.enabled(d) else ''}{d.message}\n"
        for d in diagnostics
    )


def unsafe_reason(diagnostic: Diagnostic, fixes: FixView) -> Optional[str]:
    """Why the diagnostic's fix counts as unsafe with the options given, or None when it is safe."""
    if diagnostic.fix is None or fixes.applicability(diagnostic) is not Applicability.UNSAFE:
        return None
    if diagnostic.fix.applicability is Applicability.SAFE:
        return "made unsafe by --extend-unsafe-fixes"
    return diagnostic.fix.unsafe_reason


def _fix_note(diagnostic: Diagnostic, fixes: FixView) -> Optional[str]:
    applicability = fixes.applicability(diagnostic)
    if diagnostic.fix is None or applicability is None:
        return None
    if fixes.enabled(diagnostic):
        how = f"{applicability.value} fix, applied by --fix"
    elif applicability is Applicability.UNSAFE:
        how = "unsafe fix, applied by --fix --unsafe-fixes"
    else:
        how = f"{applicability.value} fix"
    reason = unsafe_reason(diagnostic, fixes)
    return f"{diagnostic.fix.description} ({how}{f': unsafe because {reason}' if reason else ''})"


def full(diagnostics: Sequence[Diagnostic], fixes: FixView, sources: Optional[Sources] = None) -> str:
    """The flake8 line, then the source line with the finding underlined, and the fix with its safety."""
    sources = sources or Sources()
    blocks = []
    for d in diagnostics:
        header = flake8([d], fixes)
        line = sources.line(d.path, d.line, d.cell)
        number = str(d.line)
        gutter = " " * len(number)
        start = len(line[: d.column - 1].expandtabs(4))
        stop = len(line[: d.end_column - 1].expandtabs(4)) if d.end_line == d.line else len(line.expandtabs(4))
        rows = [header, f"{gutter} |\n", f"{number} | {line.expandtabs(4)}\n",
                f"{gutter} | {' ' * start}{'^' * max(1, stop - start)} {d.code}\n", f"{gutter} |\n"]
        note = _fix_note(d, fixes)
        if note is not None:
            rows.append(f"{gutter} = fix: {note}\n")
        blocks.append("".join(rows))
    return "\n".join(blocks)


def _location(line: int, column: int) -> dict[str, int]:
    return {"row": line, "column": column}


def _edit(edit: TextEdit) -> dict[str, Any]:
    return {
        "content": edit.content,
        "location": _location(edit.line, edit.column),
        "end_location": _location(edit.end_line, edit.end_column),
    }


def as_json(diagnostics: Sequence[Diagnostic], fixes: FixView, sources: Optional[Sources] = None) -> str:
    rules = rule_by_code()
    rows = []
    for d in diagnostics:
        applicability = fixes.applicability(d)
        rule = rules.get(d.code)
        rows.append({
            "filename": d.path,
            "cell": d.cell,
            "code": d.code,
            "name": rule.name if rule is not None else "syntax-error" if d.code == SYNTAX_ERROR_CODE else None,
            "message": d.message,
            "location": _location(d.line, d.column),
            "end_location": _location(d.end_line, d.end_column),
            "fix": None if d.fix is None or applicability is None else {
                "applicability": applicability.value,
                "message": d.fix.description,
                "unsafe_reason": unsafe_reason(d, fixes),
                "edits": [_edit(edit) for edit in d.edits],
            },
            "noqa_row": d.line,
            "documentation": f"torchlint rule {d.code}" if rule is not None else None,
        })
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(diagnostics: Sequence[Diagnostic], fixes: FixView, sources: Optional[Sources] = None) -> str:
    """``::error file=F,line=L,col=C,endLine=..,endColumn=..,title=CODE::message`` workflow commands, escaped
    as GitHub's toolkit escapes them; paths relative to the repository, as annotations need them. In a
    notebook the annotation points at the line of its JSON that holds the cell's line, and the message starts
    with ``cell N:line:col``."""
    sources = sources or Sources()
    root = repository_root()
    rules = rule_by_code()
    lines = []
    for d in diagnostics:
        path = repository_path(d.path, root) or d.path.replace(os.sep, "/")
        line, column, end_line, end_column = sources.region(d)
        properties = {
            "file": path, "line": line, "col": column, "endLine": end_line, "endColumn": end_column,
            "title": d.code,
        }
        rendered = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties.items())
        mark = "[*] " if fixes.enabled(d) else ""
        rule = rules.get(d.code)
        level = rule.severity.value if rule is not None else "error"
        where = f"{d.location}: " if d.cell is not None else ""
        lines.append(f"::{level} {rendered}::{_escape_data(f'{where}{d.code} {mark}{d.message}')}\n")
    return "".join(lines)


def sarif(diagnostics: Sequence[Diagnostic], fixes: FixView, sources: Optional[Sources] = None) -> str:

    return render_sarif(diagnostics, sources or Sources())


Format = Callable[[Sequence[Diagnostic], FixView, Optional[Sources]], str]
FORMATS: dict[str, Format] = {
    "flake8": flake8, "full": full, "json": as_json, "sarif": sarif, "github": github,
}
NEEDS_EDITS = frozenset({"json"})  # formats that show fixes' text edits (checked without the cache)
