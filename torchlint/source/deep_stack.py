"""Run a function on a thread with a large stack and a high recursion limit.

LibCST's native parser recurses on the C stack and crashes the whole process (SIGSEGV) on deeply nested
input that CPython itself accepts or rejects cleanly; LibCST's and torchlint's Python code recurse per
nesting level too. Checking each file on a thread with a 512 MiB stack (reserved, not committed: only the
pages used are paid for) turns such input into a normal result or a clean error instead of a crash.
"""

from __future__ import annotations

import sys
import threading
from typing import Callable, TypeVar

T = TypeVar("T")

STACK_SIZE = 512 * 1024 * 1024
RECURSION_LIMIT = 50_000
_lock = threading.Lock()


def call_with_deep_stack(function: Callable[[], T]) -> T:
    """``function()``, evaluated on a deep-stack thread; its exception, if any, is re-raised here."""
    outcome: list[tuple[bool, object]] = []

    def target() -> None:
        try:
            outcome.append((True, function()))
        except BaseException as error:  # handed to the caller, including KeyboardInterrupt-like errors
            outcome.append((False, error))

    with _lock:
        previous = threading.stack_size()
        threading.stack_size(STACK_SIZE)
        try:
            thread = threading.Thread(target=target, name="torchlint-check", daemon=True)
        finally:
            threading.stack_size(previous)
        if sys.getrecursionlimit() < RECURSION_LIMIT:
            sys.setrecursionlimit(RECURSION_LIMIT)
    thread.start()
    thread.join()
    succeeded, value = outcome[0]
    if not succeeded:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]
