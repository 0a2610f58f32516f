"""Run one command and print, as one JSON object, its wall time, CPU time and peak memory.

Usage: ``python _measure.py SPEC`` where SPEC is a JSON object with ``argv``, ``cwd``, ``stdout`` and
``stderr`` (paths the command's output goes to), and optionally ``nofile`` (a soft limit on open files for
the command) and ``timeout`` (seconds).

This process starts exactly one child, so after waiting for it ``getrusage(RUSAGE_CHILDREN)`` describes that
command alone: ``ru_maxrss`` is the largest resident set of the command or of any process it started and
waited for (for a pool of workers: the largest one, not their sum), and the CPU times are their totals. The
sum over the process tree is sampled from /proc every ``POLL`` seconds, which catches parallel workers.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Optional

POLL = 0.1
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                found.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):
            continue
    return found


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


def tree_rss(pid: int) -> int:
    """The summed resident set of ``pid`` and all its descendants, in bytes."""
    total, pending, seen = 0, [pid], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        total += _rss(current)
        pending.extend(_children(current))
    return total


def _limit(nofile: Optional[int]) -> Optional[Callable[[], None]]:
    if nofile is None:
        return None

    def apply() -> None:
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, hard))

    return apply


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    peak = [0]
    done = threading.Event()
    with open(spec["stdout"], "wb") as out, open(spec["stderr"], "wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            spec["argv"], cwd=spec["cwd"], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            preexec_fn=_limit(spec.get("nofile")), start_new_session=True,
        )

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], tree_rss(process.pid))
                done.wait(POLL)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timed_out = False
        try:
            returncode = process.wait(timeout=spec.get("timeout"))
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            returncode = process.wait()
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "returncode": returncode,
        "timed_out": timed_out,
        "wall_s": wall,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "max_rss_mb": usage.ru_maxrss / 1024,  # KiB on Linux
        "tree_rss_mb": peak[0] / 2**20,
    }


def main() -> None:
    print(json.dumps(measure(json.loads(sys.argv[1]))))


if __name__ == "__main__":
    main()
