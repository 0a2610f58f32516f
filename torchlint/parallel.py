"""Check many files on several cores.

Workers are forked, so they inherit the parsed rules and per-run state without pickling; each builds its
own project knowledge and writes its own cache entries. Results hold no syntax-tree nodes (see
:func:`torchlint.runner.check_file`), so they pickle small. Where fork is not available,
or the tree is small enough that starting workers costs more than it saves, files are checked in-process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from torchlint.runner import Job, Outcome, cached_outcome, check_file

MIN_FILES_PER_WORKER = 16  # below this, process start-up and transfer outweigh the parallel speed-up
_WORK: list[tuple[str, Job]] = []


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _check_chunk(indices: Sequence[int]) -> list[Outcome]:
    return [check_file(*_WORK[index]) for index in indices]


def check_files(work: Sequence[tuple[str, Job]], jobs: int) -> list[Outcome]:
    """Outcomes for every (path, job), in order, using up to ``jobs`` processes. Results the cache holds are
    read here; only the other files are handed to workers, so an unchanged tree starts none."""
    outcomes = [cached_outcome(path, job) for path, job in work]
    missing = [index for index, outcome in enumerate(outcomes) if outcome is None]
    for index, outcome in zip(missing, _check_all([work[index] for index in missing], jobs)):
        outcomes[index] = outcome
    return [outcome for outcome in outcomes if outcome is not None]


def _check_all(work: Sequence[tuple[str, Job]], jobs: int) -> list[Outcome]:
    workers = min(jobs, len(work) // MIN_FILES_PER_WORKER)
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [check_file(path, job) for path, job in work]
    _WORK[:] = work
    try:
        chunk = max(1, min(64, len(work) // (workers * 8)))
        chunks = [list(range(start, min(start + chunk, len(work)))) for start in range(0, len(work), chunk)]
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return [outcome for part in pool.map(_check_chunk, chunks) for outcome in part]
    finally:
        _WORK.clear()
