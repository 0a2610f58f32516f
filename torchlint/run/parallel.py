"""Check many files on several cores.

Workers are forked, so they inherit the parsed rules and per-run state without pickling; each builds its
own project knowledge and writes its own cache entries. Results hold no syntax-tree nodes (see
:func:`torchlint.run.runner.check_file`), so they pickle small. Where fork is not available,
or the tree is small enough that starting workers costs more than it saves, files are checked in-process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Optional

from torchlint.run.runner import Job, Outcome, cached_outcome, check_file

MIN_FILES_PER_WORKER = 16  # below this, process start-up and transfer outweigh the parallel speed-up
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_WORK: list[tuple[str, Job]] = []


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class RunCounts:
    """What a run checked, for its summary."""

    files: int = 0
    classes: int = 0  # module classes analysed


def _keep(outcome: Outcome) -> Outcome:
    """The outcome, or for a clean file only its count of classes (a run keeps only what it reports)."""
    return outcome if outcome.reports_anything else Outcome(outcome.path, classes=outcome.classes)


def _check_one(index: int) -> tuple[int, Optional[Outcome]]:
    return index, _keep(check_file(*_WORK[index]))


def _largest_first(work: Sequence[tuple[str, Job]]) -> list[int]:
    """Indices of ``work``, the biggest files first: the long ones start early instead of ending the run with
    one worker busy and the others idle (on torch's tree, the last 64-file chunk took a third of the run)."""

    def size(index: int) -> int:
        try:
            return os.stat(work[index][0]).st_size
        except OSError:
            return 0

    return sorted(range(len(work)), key=size, reverse=True)


def check_files(work: Sequence[tuple[str, Job]], jobs: int, counts: Optional[RunCounts] = None) -> list[Outcome]:
    """The outcomes of every (path, job) that have something to report, in order, using up to ``jobs``
    processes (a clean file's outcome is dropped at once: a run over many files keeps only what it reports).
    Results the cache holds are read here; only the other files are handed to workers, so an unchanged tree
    starts none."""
    outcomes = [cached_outcome(path, job) for path, job in work]
    missing = [index for index, outcome in enumerate(outcomes) if outcome is None]
    for index, outcome in zip(missing, _check_all([work[index] for index in missing], jobs)):
        outcomes[index] = outcome
    if counts is not None:
        counts.files += len(work)
        counts.classes += sum(outcome.classes for outcome in outcomes if outcome is not None)
    return [outcome for outcome in outcomes if outcome is not None and outcome.reports_anything]


def _check_all(work: Sequence[tuple[str, Job]], jobs: int) -> list[Optional[Outcome]]:
    """An outcome for each of ``work``, in order; None for those with nothing to report."""
    workers = min(jobs, len(work) // MIN_FILES_PER_WORKER)
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [_keep(check_file(path, job)) for path, job in work]
    _WORK[:] = work
    try:
        order = _largest_first(work)
        # workers start with Ctrl-C held back, until they have set how they answer it
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pool = multiprocessing.get_context("fork").Pool(workers, initializer=_worker_signals, initargs=(held,))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        outcomes: list[Optional[Outcome]] = [None] * len(work)
        try:
            for index, outcome in pool.imap_unordered(_check_one, order, chunksize=4):
                outcomes[index] = outcome
            pool.close()
        except BaseException:  # Ctrl-C, or a worker that died: stop the others now
            pool.terminate()
            raise
        finally:
            pool.join()
        return outcomes
    finally:
        _WORK.clear()


def _worker_signals(mask: set[signal.Signals]) -> None:
    """Ctrl-C reaches every process of the terminal's group: the parent alone answers it, by terminating the
    workers. SIGTERM then ends a worker as an exception, which a file being written defers and cleans up
    after (see :mod:`torchlint.source.writer`), so no file is left half-written and nothing prints a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_quietly)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _exit_quietly(signum: int, frame: Optional[FrameType]) -> None:
    raise SystemExit(128 + signum)
