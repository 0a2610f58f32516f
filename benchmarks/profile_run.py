#!/usr/bin/env python3
"""Profile one torchlint run and print where its time goes, by torchlint function.

    python benchmarks/profile_run.py [--top N] [--output FILE.prof] -- --no-cache -j 1 --exit-zero SUBDIR

Plain ``python -m cProfile -m torchlint`` sees almost nothing when torchlint checks each file on a separate
deep-stack thread (cProfile profiles only the thread that enabled it): this enables the profiler inside every
such thread too. Use ``-j 1``: worker processes are not profiled.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Sequence
from typing import Any, Callable, Optional

PROFILER = cProfile.Profile()


def _profiled(original: Callable[[Callable[[], Any]], Any]) -> Callable[[Callable[[], Any]], Any]:
    def call(function: Callable[[], Any]) -> Any:
        def inner() -> Any:
            PROFILER.enable()
            try:
                return function()
            finally:
                PROFILER.disable()

        return original(inner)

    return call


def _patch_deep_stack() -> bool:
    """Profile inside the deep-stack threads; False when this torchlint checks files on the main thread."""
    try:
        import torchlint.source.deep_stack as deep_stack
    except ImportError:
        return False
    original = deep_stack.call_with_deep_stack
    patched = _profiled(original)
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("torchlint") and \
                getattr(module, "call_with_deep_stack", None) is original:
            module.call_with_deep_stack = patched  # type: ignore[attr-defined]
    return True


def _short(filename: str) -> str:
    for marker in ("torchlint", "libcst", "site-packages/"):
        if marker in filename:
            return filename[filename.rfind(marker):].removeprefix("site-packages/")
    return filename


def report(stats: pstats.Stats, top: int) -> None:
    everything = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        everything.append((cumulative, own, calls, f"{_short(filename)}:{line}({name})", filename))
    rows = [row[:4] for row in everything if "torchlint" in row[4] and "benchmarks" not in row[4]]
    total = max((row[0] for row in everything), default=0.0) or 1.0
    sections = [("torchlint functions by cumulative", rows, 0), ("torchlint functions by own", rows, 1),
                ("functions of any package by own", [row[:4] for row in everything], 1)]
    for title, chosen, key in sections:
        print(f"\ntop {top} {title} time (s; % of the profiled total {total:.2f} s)", file=sys.stderr)
        print(f"{'cumulative':>10} {'own':>8} {'calls':>9}  function", file=sys.stderr)
        for cumulative, own, calls, where in sorted(chosen, key=lambda row: -row[key])[:top]:
            share = 100 * (cumulative if key == 0 else own) / total
            print(f"{cumulative:10.2f} {own:8.2f} {calls:9d}  {where}  ({share:.0f}%)", file=sys.stderr)

def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--top", type=int, default=25, help="functions to list (default: 25)")
    parser.add_argument("--output", metavar="FILE", help="also save the raw profile (for pstats or snakeviz)")
    parser.add_argument("torchlint_args", nargs=argparse.REMAINDER, help="arguments for torchlint, after --")
    args = parser.parse_args(argv)
    arguments = [a for a in args.torchlint_args if a != "--"] or ["--no-cache", "-j", "1", "--exit-zero", "."]
    from torchlint.commands.cli import main as torchlint_main

    started = time.perf_counter()
    if _patch_deep_stack():  # the per-file work only; one profiler cannot span two threads
        torchlint_main(arguments)
    else:
        PROFILER.enable()
        try:
            torchlint_main(arguments)
        finally:
            PROFILER.disable()
    print(f"\ntorchlint ran {time.perf_counter() - started:.2f} s under the profiler", file=sys.stderr)
    PROFILER.create_stats()
    if args.output:
        PROFILER.dump_stats(args.output)
    report(pstats.Stats(PROFILER, stream=sys.stderr), args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
