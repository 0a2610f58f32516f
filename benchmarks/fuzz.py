#!/usr/bin/env python3
"""torchlint's long fuzz run (issue 8): the properties of tests/test_fuzz.py with many more examples.

    python benchmarks/fuzz.py --examples 20000              # 20000 generated programs, 5000 mutated files
    python benchmarks/fuzz.py --examples 2000 --seed 7      # the same inputs every time for a given seed
    python benchmarks/fuzz.py --examples 5000 --files 0 --no-cli

Generated programs are files of nn.Module classes built from torchlint's vocabulary, with a share (``--hypothesmith``,
default 10%) of programs from hypothesmith's Python grammar and LibCST strategies placed inside such a class;
mutated files are the files of tests/fixtures and tests/rule_fixtures with lines deleted, duplicated and swapped,
tokens, brackets and indentation inserted, truncation, encoding cookies, CRLF/CR line endings and tensor
assignments inserted into ``__init__`` bodies (``--files``, default a quarter of ``--examples``). Every input is
linted with all rules, fixed with every fix, and (unless ``--no-cli``) run through ``torchlint`` and
``torchlint --fix --unsafe-fixes``; see tests/fuzz_support.py for the properties. The run ends with one line

    tried 20000 generated programs, 5000 mutated files: 0 crashes, 0 bad fixes (0 distinct) in 9000 s, seed 7

and, for each distinct failure, a minimised reproducer (``--no-minimise`` skips minimising); a failure found
here belongs in tests/test_fuzz.py as a regression test once it is fixed. Without ``--seed`` a random seed is
chosen and printed. Exit status: 0 when nothing failed, 1 otherwise. An input takes about 0.35 s with the
command line (0.2 s with ``--no-cli``) on a busy 2-core machine: ``--examples 1200`` is about ten minutes.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzz_support import (  # noqa: E402
    SETTINGS,
    Failure,
    check_source,
    failure_of,
    hypothesmith_programs,
    minimise,
    mutated_fixtures,
    same_failure,
    torch_programs,
)
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from torchlint.config.settings import Settings  # noqa: E402


@dataclass
class Found:
    failure: Failure
    data: bytes
    settings: Settings
    source: str
    count: int = 1


@dataclass
class Tally:
    tried: dict[str, int] = field(default_factory=dict)
    failures: dict[str, Found] = field(default_factory=dict)  # by signature
    crashes: int = 0
    bad_fixes: int = 0


def _run(name: str, strategy: st.SearchStrategy[tuple[str, bytes]], examples: int, run_seed: int, cli: bool,
         tally: Tally, progress: Callable[[], None]) -> None:
    if examples <= 0:
        return

    @seed(run_seed)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(strategy, st.sampled_from(SETTINGS))
    def explore(labelled: tuple[str, bytes], fix_settings: Settings) -> None:
        source, data = labelled
        tally.tried[name] = tally.tried.get(name, 0) + 1
        try:
            check_source(data, fix_settings, cli)
        except Failure as failure:
            if failure.kind == "crash":
                tally.crashes += 1
            else:
                tally.bad_fixes += 1
            found = tally.failures.get(failure.signature)
            if found is None:
                tally.failures[failure.signature] = Found(failure, data, fix_settings, source)
                print(f"\n{failure.kind}: {failure.signature} ({source})", file=sys.stderr)
            else:
                found.count += 1
        progress()

    explore()


def _labelled(programs: st.SearchStrategy[str], label: str) -> st.SearchStrategy[tuple[str, bytes]]:
    return programs.map(lambda text: (label, text.encode("utf-8")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="generated programs to try (default 2000)")
    parser.add_argument("--files", type=int, help="mutated fixture files to try (default: examples // 4)")
    parser.add_argument("--hypothesmith", type=float, default=0.1,
                        help="share of generated programs that come from hypothesmith (default 0.1)")
    parser.add_argument("--seed", type=int, help="makes the run repeatable (default: random, printed)")
    parser.add_argument("--no-cli", action="store_true", help="check lint_text and fix_text only, not the CLI")
    parser.add_argument("--no-minimise", action="store_true", help="print failing inputs as found")
    args = parser.parse_args()
    run_seed = args.seed if args.seed is not None else random.randrange(2**32)
    files = args.files if args.files is not None else args.examples // 4
    from_hypothesmith = round(args.examples * args.hypothesmith)
    from_node = from_hypothesmith // 5  # hypothesmith's LibCST strategy is about ten times slower than its grammar
    plan = [
        ("torchlint vocabulary", _labelled(torch_programs(), "torch program"), args.examples - from_hypothesmith),
        ("hypothesmith grammar", _labelled(hypothesmith_programs(), "hypothesmith grammar"),
         from_hypothesmith - from_node),
        ("hypothesmith libcst", _labelled(hypothesmith_programs(node=True), "hypothesmith libcst"), from_node),
        ("mutated files", mutated_fixtures(), files),
    ]
    warnings.simplefilter("ignore")  # SyntaxWarnings of generated code, hypothesis' recursion-limit notes
    print(f"seed {run_seed}: " + ", ".join(f"{count} {name}" for name, _, count in plan), file=sys.stderr)
    tally = Tally()
    start = time.monotonic()
    total = args.examples + files

    def progress() -> None:
        done = sum(tally.tried.values())
        if done % 100 == 0:
            print(f"\r{done}/{total} inputs, {time.monotonic() - start:.0f} s, "
                  f"{tally.crashes} crashes, {tally.bad_fixes} bad fixes", end="", file=sys.stderr, flush=True)

    for index, (name, strategy, count) in enumerate(plan):
        _run(name, strategy, count, run_seed + index, not args.no_cli, tally, progress)
    elapsed = time.monotonic() - start
    print(file=sys.stderr)

    for signature, found in tally.failures.items():
        data, failure = found.data, found.failure
        if not args.no_minimise:
            data = minimise(data, same_failure(signature, found.settings, not args.no_cli))
            failure = failure_of(partial(check_source, data, found.settings, not args.no_cli)) or failure
        print(f"\n{failure.kind}: {signature} ({found.count}x, first from {found.source}, {found.settings})")
        print(f"reproducer: {data!r}")
        print("\n".join("    " + line for line in failure.detail.splitlines()[:30]))
    generated = sum(count for name, count in tally.tried.items() if name != "mutated files")
    print(f"tried {generated} generated programs, {tally.tried.get('mutated files', 0)} mutated files: "
          f"{tally.crashes} crashes, {tally.bad_fixes} bad fixes ({len(tally.failures)} distinct) "
          f"in {elapsed:.0f} s, seed {run_seed}")
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
