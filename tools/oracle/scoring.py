"""Compare static findings with runtime sites, at executed lines.

* TP: a finding whose line span holds a positive runtime site of the same code;
* FP: a finding at an executed line with no positive nor neutral site of its code;
* FN: a positive runtime site (in a package file) with no finding of its code over it;
* neutral: a finding on a neutral site (value replaced later, alias of registered state, self-moving class);
* unverified: a finding whose lines never ran while building.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from oracle.static import Finding
from oracle.truth import POSITIVE

SiteKey = tuple[str, str, int]  # (code, absolute path, line)


@dataclass
class Site:
    """One runtime site, merged over every build: positive if any build saw it positive."""

    code: str
    path: str
    line: int
    verdict: str = "neutral"
    classes: set[str] = field(default_factory=set)
    attributes: set[str] = field(default_factory=set)
    reasons: set[str] = field(default_factory=set)
    flags: set[str] = field(default_factory=set)


@dataclass
class Row:
    kind: str  # TP, FP, FN, neutral, unverified
    code: str
    path: str  # relative to the package's parent directory
    line: int
    source: str = ""
    scope: str = ""
    classes: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)  # FP: what the line stored at runtime, by type
    cause: str = ""
    detail: str = ""


def merge_sites(facts: Iterable[dict[str, Any]]) -> tuple[dict[SiteKey, Site], list[dict[str, Any]]]:
    """Sites by (code, path, line); the positive facts no recording or log located."""
    sites: dict[SiteKey, Site] = {}
    unlocated = []
    for fact in facts:
        if not fact["filename"]:
            if fact["verdict"] == POSITIVE:
                unlocated.append(fact)
            continue
        key = (fact["code"], fact["filename"], fact["line"])
        site = sites.setdefault(key, Site(*key))
        if fact["verdict"] == POSITIVE:
            if site.verdict != POSITIVE:
                site.reasons.clear()
            site.verdict = POSITIVE
        if fact["verdict"] == site.verdict:
            site.classes.add(fact["cls"])
            site.attributes.add(fact["attribute"])
            site.flags.update(fact["flags"])
            if fact["reason"]:
                site.reasons.add(fact["reason"])
    return sites, unlocated


def compare(
    root: str, lines: dict[str, set[int]], sites: dict[SiteKey, Site], findings: Sequence[Finding],
) -> list[Row]:
    base = os.path.dirname(root.rstrip(os.sep))
    by_line: dict[tuple[str, str], dict[int, Site]] = defaultdict(dict)
    for (code, path, line), site in sites.items():
        if path.startswith(root):
            by_line[(code, path)][line] = site
    rows: list[Row] = []
    matched: set[SiteKey] = set()

    def row(kind: str, code: str, path: str, line: int, site: Any = None) -> Row:
        result = Row(kind, code, os.path.relpath(path, base), line)
        if site is not None:
            result.classes = sorted(site.classes)
            result.attributes = sorted(site.attributes)
            result.flags = sorted(site.flags)
            result.reasons = sorted(site.reasons)
        return result

    for finding in sorted(set(findings), key=lambda f: (f.path, f.line, f.code)):
        path = os.path.abspath(finding.path)
        span = range(finding.line, max(finding.line, finding.end_line) + 1)
        here = by_line.get((finding.code, path), {})
        positive = [here[n] for n in span if n in here and here[n].verdict == POSITIVE]
        neutral = [here[n] for n in span if n in here and here[n].verdict != POSITIVE]
        if positive:
            for site in positive:
                matched.add((site.code, site.path, site.line))
            rows.append(row("TP", finding.code, path, finding.line, positive[0]))
        elif neutral:
            rows.append(row("neutral", finding.code, path, finding.line, neutral[0]))
        elif any(number in lines.get(path, ()) for number in span):
            rows.append(row("FP", finding.code, path, finding.line))
        else:
            rows.append(row("unverified", finding.code, path, finding.line))
    for key, site in sorted(sites.items()):
        if site.verdict == POSITIVE and site.path.startswith(root) and key not in matched:
            rows.append(row("FN", site.code, site.path, site.line, site))
    return rows
