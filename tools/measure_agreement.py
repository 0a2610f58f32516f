"""Measure torchlint's TL001-TL004 precision and recall on installed packages, with runtime introspection as truth.

Usage::

    python tools/measure_agreement.py PACKAGE [PACKAGE ...] [--packages a,b,c] [--json out.json]
                                      [--markdown out.md] [--jobs 2] [--timeout 10] [--types llama gpt2 ...]

For each package (an import name: ``rotary_embedding_torch``, ``whisper``, ``transformers``...), every
``nn.Module`` subclass defined in its modules that constructs with no arguments is built, plus the package's
own factories (``tools/oracle/hooks.py``: registries, tiny configs, shipped model configs); for transformers,
a tiny config per model type (``tools/oracle/hf.py``). Each build runs in a worker process under a CPU-time
and a memory limit, offline, on the meta device first and on the CPU when meta fails, inside
``torchlint.runtime.record()`` and a line tracer. When construction ends, each attribute is judged
(``tools/oracle/truth.py``): a plain tensor, or a plain list/tuple/dict holding modules or tensors registered
nowhere in the model, is a runtime-positive site; replaced values, aliases of registered state and classes
whose own ``_apply`` moves their tensors are neutral. The package's files are then linted through the
torchlint CLI and compared at executed lines (``tools/oracle/scoring.py``); every miss and false positive gets
a cause (``tools/oracle/causes.py``). torchvision and torchaudio are stubbed (``tools/oracle/stubs``) unless
``--no-stubs``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from oracle.measure import measure, reclassify  # noqa: E402 - after the path set-up
from oracle.report import markdown, print_package  # noqa: E402


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("package", nargs="*", help="import names of the target packages")
    parser.add_argument("--packages", default="", help="comma-separated import names (added to the positional ones)")
    parser.add_argument("--json", dest="json_path", default=None, help="write the full result as JSON here")
    parser.add_argument("--markdown", default=None, help="write the summary table and the miss list here")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="worker processes")
    parser.add_argument("--timeout", type=float, default=10.0, help="CPU seconds allowed for one build attempt")
    parser.add_argument("--memory-gb", type=float, default=6.0, help="data-size limit of one worker (0: none)")
    parser.add_argument("--heads", type=int, default=1, help="transformers: head variants besides the base model")
    parser.add_argument("--types", nargs="*", default=None,
                        help="transformers: build only these model types ('sample': the benchmark's 69)")
    parser.add_argument("--limit", type=int, default=None, help="run only the first N tasks of each package")
    parser.add_argument("--lint-executed-only", action="store_true",
                        help="lint only the files that ran (default: every file of the package, so that "
                             "cross-file base classes resolve)")
    parser.add_argument("--no-stubs", action="store_true", help="do not stub torchvision/torchaudio")
    parser.add_argument("--show", type=int, default=40, help="FN rows printed per package (all FP rows are)")
    parser.add_argument("--verbose", action="store_true", help="print each task's build status")
    parser.add_argument("--merge", nargs="+", default=None, metavar="JSON",
                        help="measure nothing: combine the packages of earlier --json outputs (packages are "
                             "measured independently, so parts run separately add up to one run) and recompute "
                             "the causes of their misses and false positives")
    parser.add_argument("--command", default=None, help="with --merge: the command recorded in the outputs")
    args = parser.parse_args(argv)
    args.argv = list(argv if argv is not None else sys.argv[1:])
    packages = [*args.package, *(name for name in args.packages.split(",") if name)]
    results = []
    if args.merge:
        for path in args.merge:
            document = json.loads(Path(path).read_text("utf-8"))
            for result in document["packages"]:
                result.setdefault("measured_by", document.get("command", path))
                reclassify(result)
                names = [earlier["summary"]["package"] for earlier in results]
                if result["summary"]["package"] in names:  # measured again in a later file: replaces, in place
                    results[names.index(result["summary"]["package"])] = result
                else:
                    results.append(result)
    elif not packages:
        parser.error("name at least one package")
    for package in packages if not args.merge else []:
        print(f"measuring {package} ...", file=sys.stderr)
        result = measure(package, args)
        result["measured_by"] = "python tools/measure_agreement.py " + shlex.join(args.argv)
        print_package(result["summary"], result["rows"], args.show)
        results.append(result)
        write(results, args, quiet=True)  # after every package: a long run that is stopped keeps what it measured
    write(results, args, quiet=False)
    return 0


def write(results: list[dict[str, Any]], args: argparse.Namespace, quiet: bool) -> None:
    command = args.command or "python tools/measure_agreement.py " + shlex.join(args.argv)
    if args.json_path:
        document = {"command": command, "packages": results}
        Path(args.json_path).write_text(json.dumps(document, indent=1, default=str) + "\n", "utf-8")
        if not quiet:
            print(f"\nwrote {args.json_path}", file=sys.stderr)
    if args.markdown:
        Path(args.markdown).write_text(markdown(results, command), "utf-8")
        if not quiet:
            print(f"wrote {args.markdown}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
