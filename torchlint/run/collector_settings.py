"""Python's cyclic garbage collector, set for a linter run.

Parsing one file with LibCST allocates hundreds of thousands of nodes; with Python's default thresholds the
collector runs every 700 allocations and, as the run's long-lived state grows (outlines, caches, results),
each run of it walks more objects. Syntax trees hold no reference cycles (a dropped tree is freed by
reference counting alone), so collecting that often finds nothing: on transformers' source it made a run
about a quarter slower. During a run the youngest generation is collected every 100,000 allocations instead.
benchmarks/parse_floor.py parses with the same settings, so the floor it measures compares like with like.

What cyclic garbage there is (the standard library's ``ast.literal_eval``, behind LibCST's string values,
makes some on every call) is promoted to the oldest generation, which Python collects more and more rarely as
the heap grows: memory crept up with every file. A full collection after every ``FILES_PER_COLLECTION`` files
keeps it flat, for a few milliseconds each.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

THRESHOLDS = (100_000, 50, 100)
FILES_PER_COLLECTION = 1000
_files_checked = 0


@contextmanager
def linting_thresholds() -> Iterator[None]:
    """The collector thresholds for a run, restored afterwards (``main`` may be called in-process)."""
    previous = gc.get_threshold()
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def file_checked() -> None:
    """Count a checked file; every ``FILES_PER_COLLECTION`` files, collect every generation."""
    global _files_checked
    _files_checked += 1
    if _files_checked >= FILES_PER_COLLECTION:
        _files_checked = 0
        gc.collect()
