"""Run tasks in spawned worker processes; a task whose worker dies is retried alone, then marked crashed."""

from __future__ import annotations

import concurrent.futures as futures
import multiprocessing
import sys
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Optional

from oracle.builders import Task
from oracle.sandbox import worker_init
from oracle.worker import Settings, run_task


def _new_pool(jobs: int, memory_gb: float, stubs: bool) -> futures.ProcessPoolExecutor:
    options: dict[str, Any] = {}
    if sys.version_info >= (3, 11):
        options["max_tasks_per_child"] = 40  # bound what a worker accumulates (imported modules, caches)
    return futures.ProcessPoolExecutor(
        jobs, mp_context=multiprocessing.get_context("spawn"), initializer=worker_init, initargs=(memory_gb, stubs),
        **options,
    )


def crashed(task: Task) -> dict[str, Any]:
    empty: dict[str, Any] = {"builds": [], "facts": [], "lines": {}, "classes": [], "stored": []}
    return {"task": task, "error": "worker crashed", **empty}


def failed(task: Task, error: BaseException) -> dict[str, Any]:
    empty: dict[str, Any] = {"builds": [], "facts": [], "lines": {}, "classes": [], "stored": []}
    message = " ".join(str(error).split())[:200]
    return {"task": task, "error": f"worker: {type(error).__name__}: {message}", **empty}


def run_tasks(
    tasks: Sequence[Task], settings: Settings, jobs: int, memory_gb: float, stubs: bool,
    report: Optional[Callable[[dict[str, Any]], None]] = None,
) -> list[dict[str, Any]]:
    """Results in the order of ``tasks``."""
    results: dict[Task, dict[str, Any]] = {}
    queue = list(tasks)
    suspects: list[Task] = []

    def done(result: dict[str, Any]) -> None:
        results[result["task"]] = result
        if report:
            report(result)

    while queue:
        in_flight: dict[futures.Future[dict[str, Any]], Task] = {}
        with _new_pool(jobs, memory_gb, stubs) as pool:
            try:
                while queue or in_flight:
                    while queue and len(in_flight) < jobs:
                        task = queue.pop(0)
                        in_flight[pool.submit(run_task, task, settings)] = task
                    finished, _ = futures.wait(in_flight, return_when=futures.FIRST_COMPLETED)
                    for future in finished:
                        task = in_flight.pop(future)
                        error = future.exception()
                        if isinstance(error, BrokenProcessPool):
                            in_flight[future] = task  # retried alone below
                            raise error
                        # any other exception out of a task is that task's failure, not the package's
                        done(future.result() if error is None else failed(task, error))
            except BrokenProcessPool:
                suspects.extend(in_flight.values())
                print(f"a worker died while running {[t.target for t in in_flight.values()]}", file=sys.stderr)
    for task in suspects:
        with _new_pool(1, memory_gb, stubs) as pool:
            try:
                done(pool.submit(run_task, task, settings).result())
            except BrokenProcessPool:
                done(crashed(task))
    return [results[task] for task in tasks]
