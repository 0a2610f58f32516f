"""The worker side: run one task's builds inside ``record()``, a line tracer and the assignment log."""

from __future__ import annotations

import gc
import importlib
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from oracle import builders
from oracle.history import History
from oracle.sandbox import BuildTimeout, LineTracer, max_rss_mb, short_error, time_limit
from oracle.truth import Collector, Fact, class_name


@dataclass(frozen=True)
class Settings:
    root: str  # the package's directory, with a trailing separator: only its lines are traced
    timeout: float  # CPU seconds for one build attempt (and again for collecting its truth)
    heads: int  # transformers: head variants built besides the base model


def run_task(task: builders.Task, settings: Settings) -> dict[str, Any]:
    """Runtime facts of every successful build of ``task``; a failed attempt's data is dropped."""
    started = time.process_time()
    if task.kind == "discover":
        return {"task": task, **builders.discover(task.package)}
    result: dict[str, Any] = {"task": task, "builds": [], "facts": [], "lines": {}, "classes": [], "stored": []}
    try:
        importlib.import_module(task.package)
        specs = builders.specs(task, settings.heads)
    except BaseException as error:  # noqa: BLE001 - an import failure skips the task
        result["error"] = f"import: {short_error(error)}"
        return result
    lines: dict[str, set[int]] = defaultdict(set)
    facts: set[Fact] = set()
    classes: set[str] = set()
    stored: set[tuple[str, int, str, str]] = set()
    for spec in specs:
        build: dict[str, Any] = {"name": spec.name}
        result["builds"].append(build)
        if spec.error:
            build["error"] = spec.error
            continue
        outcome = _build(task.package, spec, settings)
        build.update({k: v for k, v in outcome.items() if k not in ("facts", "lines", "classes", "stored")})
        if "error" in outcome:
            continue
        classes |= outcome["classes"]
        stored |= {entry for entry in outcome["stored"] if entry[0].startswith(settings.root)}
        for filename, numbers in outcome["lines"].items():
            lines[filename] |= numbers
        facts |= set(outcome["facts"])
        gc.collect()
    result["facts"] = [fact.as_dict() for fact in sorted(facts, key=repr)]
    result["lines"] = {filename: sorted(numbers) for filename, numbers in lines.items()}
    result["classes"] = sorted(classes)
    result["stored"] = sorted(stored)
    result["cpu_seconds"] = round(time.process_time() - started, 2)
    result["max_rss_mb"] = max_rss_mb()
    return result


def _build(package: str, spec: builders.Spec, settings: Settings) -> dict[str, Any]:
    import torch

    from torchlint.runtime import record

    errors: list[str] = []
    timed_out = False
    for attempt in spec.attempts:
        if timed_out and attempt.device != "meta":
            continue  # a bigger or real-memory build would only time out again
        t0 = time.process_time()
        try:
            with time_limit(settings.timeout):
                tracer = LineTracer(settings.root)
                history = History()
                with record() as recording, history, tracer, torch.device(attempt.device):
                    model = attempt.factory()
                if not isinstance(model, torch.nn.Module):
                    raise TypeError(f"factory returned {type(model).__name__}, not an nn.Module")
            with time_limit(settings.timeout):
                facts = Collector(package, recording, history).collect(model)
                stored = history.others
                instantiated = {class_name(type(m)) for m in model.modules()}
        except BaseException as error:  # noqa: BLE001 - includes BuildTimeout; a failed build's data is dropped
            if isinstance(error, KeyboardInterrupt):
                raise
            errors.append(f"{attempt.label}: {short_error(error)}")
            timed_out = timed_out or isinstance(error, BuildTimeout)
            _clear_caches(package)  # a cache filled on the meta device would poison the CPU attempt
            continue
        finally:
            model = history = recording = None  # noqa: F841 - drop the model (and the log's strong references)
        outcome: dict[str, Any] = {
            "attempt": attempt.label, "cpu_seconds": round(time.process_time() - t0, 2),
            "facts": facts, "lines": tracer.lines, "classes": instantiated, "stored": stored,
        }
        if errors:
            outcome["failed_attempts"] = errors
        return outcome
    return {"error": errors[-1] if errors else "no attempt", "errors": errors}


def _clear_caches(package: str) -> None:
    """Empty the ``functools`` caches of the package's functions (e3nn caches Clebsch-Gordan tensors)."""
    import sys

    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] != package:
            continue
        for value in list(vars(module).values()):
            try:  # a placeholder for a missing optional backend raises ImportError on any attribute
                clear = getattr(value, "cache_clear", None)
                if callable(clear):
                    clear()
            except Exception:  # noqa: BLE001 - not a functools cache after all
                continue
