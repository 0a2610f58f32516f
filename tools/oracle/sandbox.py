"""What every worker process needs: offline environment, resource limits, stub modules, line tracing."""

from __future__ import annotations

import os
import signal
import sys
import warnings
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, Callable, Optional

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TORCH_HOME": "/nonexistent",
    "YOLO_OFFLINE": "1", "WANDB_MODE": "disabled", "YOLO_VERBOSE": "False", "TQDM_DISABLE": "1",
    "PYTORCH_FID_WEIGHTS_URL": "", "NO_ALBUMENTATIONS_UPDATE": "1",
}
STUBS = Path(__file__).with_name("stubs")
TraceFunction = Callable[[FrameType, str, Any], Any]


class LineTracer:
    """``sys.settrace`` line tracer that records ``(file, line)`` only for files under ``root``."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.lines: dict[str, set[int]] = defaultdict(set)
        self._inside: dict[str, bool] = {}

    def _global(self, frame: FrameType, event: str, arg: Any) -> Optional[TraceFunction]:
        filename = frame.f_code.co_filename
        inside = self._inside.get(filename)
        if inside is None:
            inside = self._inside[filename] = filename.startswith(self.root)
        if not inside:
            return None
        lines = self.lines[filename]

        def local(frame: FrameType, event: str, arg: Any) -> TraceFunction:
            if event == "line":
                lines.add(frame.f_lineno)
            return local

        return local

    def __enter__(self) -> LineTracer:
        sys.settrace(self._global)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(None)


class BuildTimeout(Exception):
    pass


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise BuildTimeout in the main thread after ``seconds`` of CPU time (checked when Python code runs).

    CPU time rather than wall time, so that what builds does not depend on how busy the machine is."""

    def on_alarm(signum: int, frame: Optional[FrameType]) -> None:
        raise BuildTimeout(f"took more than {seconds:g}s of CPU")

    previous = signal.signal(signal.SIGPROF, on_alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def worker_init(memory_gb: float, stubs: bool) -> None:
    """Offline, bounded, quiet; stub packages (torchvision, torchaudio) first on ``sys.path`` when asked."""
    os.environ.update(OFFLINE_ENV)
    if stubs:
        sys.path.insert(0, str(STUBS))
    if memory_gb > 0:  # fail a greedy build with MemoryError instead of having the OOM killer end the worker
        import resource

        limit = int(memory_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    warnings.filterwarnings("ignore")
    import logging

    logging.disable(logging.WARNING)
    import torch

    torch.set_num_threads(1)
    _block_downloads(torch)


def _block_downloads(torch: Any) -> None:
    """A model that tries to fetch weights fails at once instead of waiting on the network."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("download refused by the oracle (offline)")

    torch.hub.load_state_dict_from_url = refuse
    torch.hub.download_url_to_file = refuse
    import urllib.request

    urllib.request.urlopen = refuse  # type: ignore[assignment]
    urllib.request.urlretrieve = refuse  # type: ignore[assignment]


def short_error(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".splitlines()[0] if str(error) else type(error).__name__
    return text[:200]


def max_rss_mb() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
