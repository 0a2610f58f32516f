"""Did you mean ...?" for a misspelt configuration key or rule code, as difflib finds the closest one."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def did_you_mean(wrong: str, known: Sequence[str], upper: bool = False) -> str:
    """``"; did you mean 'exclude'?"`` for the known word closest to ``wrong``, or ``""`` when none is close."""
    token = wrong.strip().upper() if upper else wrong.strip()
    matches = difflib.get_close_matches(token, list(known), n=1, cutoff=0.6)
    return f"; did you mean {matches[0]!r}?" if matches else ""
