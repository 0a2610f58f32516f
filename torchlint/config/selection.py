"""Turn ``--select`` / ``--extend-select`` / ``--ignore`` into the set of enabled codes.

A selector is a full code (``TL001``), a prefix (``TL``, ``TL00``) or ``ALL``. A selector that matches no
known code is an error, unlike flake8, which silently selects nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Optional

from torchlint.config.suggestion import did_you_mean


class SelectionError(Exception):
    pass


def _expand(selector: str, codes: Sequence[str]) -> set[str]:
    token = selector.strip().upper()
    if token == "ALL":
        return set(codes)
    matched = {code for code in codes if code.startswith(token)}
    if not token or not matched:
        hint = did_you_mean(selector, codes, upper=True) if token else ""
        raise SelectionError(f"unknown rule selector {selector.strip()!r}{hint} (known codes: {', '.join(codes)})")
    return matched


def _expand_all(selectors: Iterable[str], codes: Sequence[str]) -> set[str]:
    result: set[str] = set()
    for selector in selectors:
        result |= _expand(selector, codes)
    return result


def enabled_codes(
    codes: Sequence[str],
    default: Iterable[str],
    select: Optional[Sequence[str]] = None,
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> frozenset[str]:
    chosen = _expand_all(select, codes) if select is not None else set(default)
    chosen |= _expand_all(extend_select, codes)
    chosen -= _expand_all(ignore, codes)
    return frozenset(chosen)


def split_codes(value: str) -> list[str]:
    """``"TL001, TL002"`` -> ``["TL001", "TL002"]`` (comma or whitespace separated)."""
    return [part for part in value.replace(",", " ").split() if part]
