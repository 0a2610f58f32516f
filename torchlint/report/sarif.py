"""SARIF 2.1.0 output, in the subset GitHub code scanning reads (``--output-format sarif``).

One run; ``tool.driver.rules`` holds every rule with its documentation (the rule module's docstring), so
code scanning shows the full explanation next to each alert. Result locations are relative to the top of
the git work tree (or the current directory outside one), with forward slashes and ``uriBaseId``
``%SRCROOT%``, as GitHub needs them to match files of the repository. Columns count Unicode code points,
which the run declares with ``columnKind``.

In a notebook the region is in the notebook's JSON (the line that holds the cell's line, so that code
scanning shows the right line of the file), and the result's ``properties`` hold ``cell``, ``cellLine`` and
``cellColumn``, the position ``nb.ipynb:cell 3:4:9`` names.

``partialFingerprints`` identify a finding across commits without line numbers: a hash of the rule code,
the file, the stripped text of the reported line and the finding's index among equal ones in the file, so
adding lines above a finding keeps its alert.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

from torchlint import __version__
from torchlint.contract.diagnostics import SYNTAX_ERROR_CODE, Diagnostic
from torchlint.contract.rule import Rule
from torchlint.engine.registry import all_rules
from torchlint.report.repository import repository_path, repository_root
from torchlint.report.sources import Sources, line_keys

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "torchlint/v1"
SRCROOT = "%SRCROOT%"
_SECTION = re.compile(r"^## (?P<title>.+)$", re.MULTILINE)


def information_uri() -> Optional[str]:
    """The project's home page as its installed metadata declares it (``[project.urls]``), if any."""
    try:
        metadata = importlib.metadata.metadata("torchlint")
    except importlib.metadata.PackageNotFoundError:
        return None
    urls = [entry.split(",", 1)[1].strip() for entry in metadata.get_all("Project-URL") or [] if "," in entry]
    homepage = metadata.get_all("Home-page") or []
    return homepage[0] if homepage else urls[0] if urls else None


def _body(rule: Rule) -> str:
    """The rule's documentation without its ``TLNNN name`` title line."""
    lines = rule.documentation.splitlines()
    if lines and lines[0].strip() == f"{rule.code} {rule.name}":
        lines = lines[1:]
    return "\n".join(lines).strip()


def _section(markdown: str, title: str) -> str:
    """The text under ``## title``, as one paragraph."""
    matches = list(_SECTION.finditer(markdown))
    for index, match in enumerate(matches):
        if match.group("title").strip() == title:
            end = matches[index + 1].start() if index + 1 < len(matches) else len(markdown)
            return " ".join(markdown[match.end():end].split())
    return ""


def _descriptor(rule: Rule) -> dict[str, Any]:
    body = _body(rule)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _section(body, "What it does") or rule.summary},
        "help": {"text": body, "markdown": body},
        "defaultConfiguration": {"level": rule.severity.value, "enabled": rule.default_enabled},
        "properties": {"tags": ["pytorch", "nn.Module"]},
    }


def _syntax_error_descriptor() -> dict[str, Any]:
    text = "The file cannot be parsed, so torchlint cannot check it."
    return {
        "id": SYNTAX_ERROR_CODE,
        "name": "syntax-error",
        "shortDescription": {"text": "file that cannot be parsed"},
        "fullDescription": {"text": text},
        "help": {"text": text, "markdown": text},
        "defaultConfiguration": {"level": "error"},
    }


def _fingerprint(uri: str, key: tuple[str, str, int]) -> str:
    code, text, occurrence = key
    return hashlib.sha256("\0".join([code, uri, text, str(occurrence)]).encode()).hexdigest()[:32]


def _region(d: Diagnostic, sources: Sources) -> dict[str, int]:
    """In the file's own text; for a notebook, in its JSON, where the cell's line is written."""
    line, column, end_line, end_column = sources.region(d)
    region = {"startLine": line, "startColumn": column}
    if (end_line, end_column) > (line, column):
        region.update(endLine=end_line, endColumn=end_column)
    return region


def render(diagnostics: Sequence[Diagnostic], sources: Sources) -> str:
    root = repository_root()
    rules = list(all_rules())
    descriptors = [_descriptor(rule) for rule in rules] + [_syntax_error_descriptor()]
    index = {descriptor["id"]: position for position, descriptor in enumerate(descriptors)}
    levels = {rule.code: rule.severity.value for rule in rules}
    results = []
    for d, key in zip(diagnostics, line_keys(diagnostics, sources)):
        relative = repository_path(d.path, root)
        if relative is not None:
            artifact = {"uri": relative, "uriBaseId": SRCROOT}
            identity = relative
        else:  # outside the repository: an absolute file URI
            artifact = {"uri": Path(os.path.abspath(d.path)).as_uri()}
            identity = artifact["uri"]
        result: dict[str, Any] = {
            "ruleId": d.code,
            "level": levels.get(d.code, "error"),
            "message": {"text": d.message},
            "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": _region(d, sources)}}],
            "partialFingerprints": {FINGERPRINT: _fingerprint(identity, key)},
        }
        if d.cell is not None:  # a notebook: where the finding is in the cell, as Ruff reports it
            result["properties"] = {"cell": d.cell, "cellLine": d.line, "cellColumn": d.column}
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        results.append(result)
    driver: dict[str, Any] = {"name": "torchlint", "version": __version__, "semanticVersion": __version__}
    homepage = information_uri()
    if homepage:
        driver["informationUri"] = homepage
    driver["rules"] = descriptors
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "originalUriBaseIds": {SRCROOT: {"uri": Path(root).as_uri().rstrip("/") + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
