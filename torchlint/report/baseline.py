"""``--baseline FILE``: adopt torchlint on a code base that has findings, and report only new ones.

When FILE does not exist, today's findings are recorded there and the run exits 0; when it exists, findings
recorded in it are not reported. A finding is keyed by its file (relative to the baseline's directory, with
forward slashes), its code and the stripped text of its line, with a count: edits elsewhere in the file,
even ones that move the finding to another line, keep it baselined, while a second equal finding on an equal
line is new. Editing the reported line itself makes the finding new, which is the point: code that is touched
gets checked. Syntax errors are never baselined.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from torchlint.config.config_file import ConfigError
from torchlint.contract.diagnostics import SYNTAX_ERROR_CODE, Diagnostic
from torchlint.report.sources import Sources, line_keys

FORMAT_VERSION = 1
Key = tuple[str, str, str]  # (file, code, stripped line text)


class BaselineError(ConfigError):
    """A baseline file that cannot be read or written; the message is one line meant for the user."""


@dataclass(frozen=True)
class Filtered:
    new: list[Diagnostic]  # what to report
    known: int  # findings the baseline holds that were found again
    stale: int  # baseline entries that matched nothing this time (fixed, or their line was edited)


def _file_key(path: str, baseline: str) -> str:
    directory = os.path.dirname(os.path.abspath(baseline))
    return os.path.relpath(os.path.abspath(path), directory).replace(os.sep, "/")


def _keys(diagnostics: Sequence[Diagnostic], sources: Sources, baseline: str) -> list[Key]:
    return [
        (_file_key(d.path, baseline), code, text)
        for d, (code, text, _) in zip(diagnostics, line_keys(diagnostics, sources))
    ]


def record(baseline: str, diagnostics: Sequence[Diagnostic], sources: Sources) -> int:
    """Write the findings to ``baseline``; returns how many were recorded."""
    kept = [d for d in diagnostics if d.code != SYNTAX_ERROR_CODE]
    counts = Counter(_keys(kept, sources, baseline))
    entries = [
        {"file": file, "code": code, "source": text, "count": count}
        for (file, code, text), count in sorted(counts.items())
    ]
    document = {"torchlint-baseline": FORMAT_VERSION, "findings": entries}
    try:
        with open(baseline, "w", encoding="utf-8", newline="\n") as handle:
            json.dump(document, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
    except OSError as error:
        raise BaselineError(f"{baseline}: cannot write the baseline: {error.strerror or error}") from None
    return len(kept)


def load(baseline: str) -> Counter[Key]:
    try:
        with open(baseline, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as error:
        raise BaselineError(f"{baseline}: cannot read the baseline: {error.strerror or error}") from None
    except ValueError as error:
        raise BaselineError(f"{baseline}: not a torchlint baseline (invalid JSON: {error})") from None
    if not isinstance(document, dict) or document.get("torchlint-baseline") != FORMAT_VERSION:
        raise BaselineError(f"{baseline}: not a torchlint baseline (version {FORMAT_VERSION} expected)")
    counts: Counter[Key] = Counter()
    for entry in document.get("findings", []):
        try:
            key = (str(entry["file"]), str(entry["code"]), str(entry["source"]))
            count = int(entry.get("count", 1))
        except (KeyError, TypeError, ValueError):
            raise BaselineError(f"{baseline}: not a torchlint baseline (bad entry {entry!r})") from None
        counts[key] += count
    return counts


def filter_new(baseline: str, diagnostics: Sequence[Diagnostic], sources: Sources) -> Filtered:
    """The diagnostics that ``baseline`` does not hold (the first ``count`` equal ones are held)."""
    remaining = load(baseline)
    new = []
    known = 0
    for diagnostic, key in zip(diagnostics, _keys(diagnostics, sources, baseline)):
        if diagnostic.code != SYNTAX_ERROR_CODE and remaining[key] > 0:
            remaining[key] -= 1
            known += 1
        else:
            new.append(diagnostic)
    return Filtered(new, known, sum(remaining.values()))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def apply(baseline: str, diagnostics: Sequence[Diagnostic], sources: Sources) -> tuple[list[Diagnostic], str]:
    """What to report under ``--baseline FILE``, and a note for standard error: when FILE does not exist,
    the findings are recorded there and only syntax errors are reported."""
    if not os.path.exists(baseline):
        count = record(baseline, diagnostics, sources)
        kept = [d for d in diagnostics if d.code == SYNTAX_ERROR_CODE]
        return kept, f"recorded {_plural(count, 'finding')} in {baseline}; only new findings are reported from now on"
    filtered = filter_new(baseline, diagnostics, sources)
    note = f"{_plural(filtered.known, 'finding')} in {baseline} not shown"
    if filtered.stale:
        entries = "1 entry there no longer matches" if filtered.stale == 1 else \
            f"{filtered.stale} entries there no longer match"
        note += f"; {entries} (fixed or edited): delete the file and run again to record the findings anew"
    return filtered.new, note
