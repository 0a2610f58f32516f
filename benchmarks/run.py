#!/usr/bin/env python3
"""torchlint's speed and memory benchmark (issue 7).

    python benchmarks/run.py                       # the installed torch package's source tree
    python benchmarks/run.py --corpus DIR          # any directory (its .py files are copied first)
    python benchmarks/run.py --wheel timm==1.0.31  # a wheel from PyPI, downloaded and unpacked
    python benchmarks/run.py --wheel transformers==5.23.0 --no-scale --no-torchfix
    python benchmarks/run.py --scale               # a generated tree of 1k, 5k and 20k files

Every corpus is copied into a temporary directory first, so caches and the one file the benchmark edits
never touch the original. Each measurement is the median of ``--runs`` runs, every run a fresh process
started through ``_measure.py``, which reports that run's wall time, CPU time and peak resident set.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402

MEASURE = HERE / "_measure.py"
FLOOR = HERE / "parse_floor.py"
TORCHFIX_VERSION = "0.7.0"
RUFF_VERSION = "0.17.5"  # the Ruff measured beside torchlint (pip install ruff==0.17.5)
# cold -j 1 / LibCST parse floor (CPU), by corpus name (issue 20); other corpora have no target
FLOOR_TARGETS = {"torch": 0.35, "timm": 0.5}
RUFF_TARGET = 10.0  # torchlint cold -j N / Ruff (wall)
# torchlint with its masked first pass switched off (an internal switch; forked workers inherit it)
UNMASKED = ("import sys; from torchlint.engine import masked_pass; masked_pass.enable(False); "
            "from torchlint.commands.cli import main; sys.exit(main(sys.argv[1:]))")
SCALE_SIZES = (1_000, 5_000, 20_000)
SCALE_NOFILE = 256  # a soft limit on open files for the scaling runs: a handle leak fails them
QUIET_RULE = "TL005"  # a rule with no findings in the generated trees
BOOKKEEPING_KB = 1.0  # what a run may keep per file: its path and its place in the work list
CONFIG_FILES = ("pyproject.toml", "torchlint.toml", "setup.cfg")
SKIP_DIRECTORIES = (".git", ".hg", ".svn", "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache")
MODULE_CLASS = re.compile(rb"^class \w+\((?:torch\.)?(?:nn\.)?Module\):", re.MULTILINE)
FINDING = re.compile(r"^.+:\d+:\d+: [A-Z]+\d+ ")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def version_of(distribution: str) -> Optional[str]:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


# --- measurements ---------------------------------------------------------------------------------------


@dataclass
class Measurement:
    key: str  # short identifier used by the ratios and the JSON
    name: str  # shown in the table
    argv: list[str]
    files: int
    runs: list[dict[str, Any]] = field(default_factory=list)
    findings: Optional[int] = None
    errors: list[str] = field(default_factory=list)
    note: str = ""

    def median(self, key: str) -> float:
        return float(statistics.median(run[key] for run in self.runs))

    def as_json(self) -> dict[str, Any]:
        summary = {key: self.median(key) for key in ("wall_s", "cpu_s", "max_rss_mb", "tree_rss_mb")}
        summary["files_per_s"] = self.files / summary["wall_s"] if summary["wall_s"] else 0.0
        return {
            "key": self.key, "name": self.name, "command": self.argv, "files": self.files, "median": summary,
            "runs": self.runs, "findings": self.findings, "errors": self.errors[:20], "note": self.note,
        }


def snapshot_torchlint(work: Path) -> tuple[dict[str, str], str]:
    """Copy torchlint's code as it is now to ``work/lib`` and return an environment that imports it from there.

    torchlint is usually installed in editable mode from a checkout that may be edited while the benchmark
    runs: without a snapshot, the runs would measure different code, and every edit would change the code
    fingerprint in the cache key, so the warm runs would silently run cold. Returns the environment and a
    short hash of the snapshot.
    """
    package = importlib.util.find_spec("torchlint")
    rules = importlib.util.find_spec("torchlint.rules")
    if not (package and package.submodule_search_locations and rules and rules.submodule_search_locations):
        sys.exit(f"benchmark: {sys.executable} cannot import torchlint; run it with torchlint's Python")
    target = work / "lib" / "torchlint"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(list(package.submodule_search_locations)[0], target, ignore=ignore)
    shutil.copytree(list(rules.submodule_search_locations)[0], target / "rules", ignore=ignore, dirs_exist_ok=True)
    digest = hashlib.sha256()
    for path in sorted(target.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(target)).encode() + path.read_bytes())
    compileall.compile_dir(str(target), quiet=1)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(work / "lib"), env.get("PYTHONPATH")]))
    probe_code = "import torchlint.rules, torchlint.commands.cli; print(torchlint.__file__)"
    probe = subprocess.run([sys.executable, "-c", probe_code],
                           env=env, cwd=work, capture_output=True, text=True, check=False)
    if probe.returncode != 0 or not probe.stdout.strip().startswith(str(target)):
        sys.exit(f"benchmark: the snapshot of torchlint in {target} does not import: {probe.stderr.strip()[-500:]}")
    return env, digest.hexdigest()[:12]


class Bench:
    """Runs commands through ``_measure.py`` inside one working directory, with torchlint's snapshot."""

    def __init__(self, work: Path, python: str, env: dict[str, str]) -> None:
        self.work = work
        self.python = python
        self.env = env
        self.output = work / "output"
        self.output.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def run(self, measurement: Measurement, nofile: Optional[int] = None, timeout: Optional[float] = None) -> None:
        self.count += 1
        stdout = self.output / f"{self.count:03d}-{measurement.key}.out"
        stderr = self.output / f"{self.count:03d}-{measurement.key}.err"
        spec = {"argv": measurement.argv, "cwd": str(self.work), "stdout": str(stdout), "stderr": str(stderr),
                "nofile": nofile, "timeout": timeout}
        result = subprocess.run([self.python, str(MEASURE), json.dumps(spec)], capture_output=True, text=True,
                                check=True, env=self.env)
        run: dict[str, Any] = json.loads(result.stdout)
        run["load_1min_after"] = os.getloadavg()[0]
        measurement.runs.append(run)
        text = stdout.read_text(encoding="utf-8", errors="replace")
        measurement.findings = sum(1 for line in text.splitlines() if FINDING.match(line))
        problems = [line for line in stderr.read_text(encoding="utf-8", errors="replace").splitlines()
                    if "error:" in line or "Traceback" in line]
        if run["timed_out"]:
            problems.insert(0, f"timed out after {timeout} s")
        measurement.errors = problems
        log(f"  {measurement.name:<44} run {len(measurement.runs)}: {run['wall_s']:8.1f} s wall, "
            f"{run['cpu_s']:8.1f} s CPU, {run['max_rss_mb']:6.0f} MB, exit {run['returncode']}")


# --- corpora --------------------------------------------------------------------------------------------


def copy_python_tree(source: Path, target: Path) -> None:
    """Copy the .py files (and configuration files) under ``source``, keeping the layout."""
    for root, directories, files in os.walk(source):
        directories[:] = sorted(d for d in directories if d not in SKIP_DIRECTORIES
                                and not (Path(root) / d / "pyvenv.cfg").exists())
        destination = target / Path(root).relative_to(source)
        for name in files:
            if name.endswith(".py") or name in CONFIG_FILES:
                destination.mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(root) / name, destination / name)


def torch_source() -> tuple[Path, str]:
    spec = importlib.util.find_spec("torch")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        sys.exit("benchmark: torch is not installed; give --corpus DIR or --wheel NAME==VERSION")
    return Path(list(spec.submodule_search_locations)[0]), f"torch {version_of('torch')}"


def fetch_wheel(requirement: str, work: Path) -> tuple[Path, str]:
    download = work / "download"
    log(f"downloading {requirement} ...")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", requirement, "-d",
                    str(download)], check=True)
    archives = sorted(download.iterdir())
    if len(archives) != 1:
        sys.exit(f"benchmark: expected one file from pip download, got {[a.name for a in archives]}")
    unpacked = work / "unpacked"
    archive = archives[0]
    if archive.suffix == ".whl" or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(unpacked)
    else:
        with tarfile.open(archive) as bundle:
            if hasattr(tarfile, "data_filter"):
                bundle.extractall(unpacked, filter="data")
            else:  # pragma: no cover - Python without extraction filters
                bundle.extractall(unpacked)
    return unpacked, archive.name


def list_files(corpus: Path) -> list[str]:
    """The files torchlint checks under ``corpus``, found by torchlint's own discovery when it is importable."""
    try:
        from torchlint.config.config_file import ConfigResolver
        from torchlint.config.discovery import discover

        files, _ = discover([str(corpus)], ConfigResolver())
        return sorted(os.path.abspath(file) for file in files)
    except Exception:  # an older or changed torchlint: every .py file
        return sorted(str(path) for path in corpus.rglob("*.py"))


def requested_path(corpus: Path, requested: str, option: str, exists: Callable[[Path], bool], what: str) -> Path:
    """``corpus / requested``, or exit with a one-line error naming ``option`` when it is no such ``what``."""
    path = corpus / requested
    if not exists(path):
        sys.exit(f"benchmark: {option} {requested}: no such {what} under the corpus")
    return path


def pick_small_tree(files: Sequence[str], corpus: Path, requested: Optional[str]) -> Path:
    """A directory of the corpus with a few dozen files, to show that -j N costs nothing on a small tree."""
    if requested is not None:
        return requested_path(corpus, requested, "--small-tree", Path.is_dir, "directory")
    counts: dict[Path, int] = {}
    for file in files:
        for parent in Path(file).parents:
            if parent == corpus.parent:
                break
            counts[parent] = counts.get(parent, 0) + 1
    fitting = [path for path, count in counts.items() if 20 <= count <= 60]
    return min(fitting, key=lambda path: (-counts[path], str(path))) if fitting else corpus


def pick_touched(files: Sequence[str], corpus: Path, requested: Optional[str]) -> Path:
    if requested is not None:
        return requested_path(corpus, requested, "--touch", Path.is_file, "file")
    for file in files:
        if MODULE_CLASS.search(Path(file).read_bytes()):
            return Path(file)
    return Path(files[0])


# --- Ruff and the masked pass ----------------------------------------------------------------------------


def ruff_available(python: str) -> Optional[str]:
    """``ruff X.Y.Z`` when ``python -m ruff`` runs, else None."""
    result = subprocess.run([python, "-m", "ruff", "--version"], capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


@dataclass
class MaskingComparison:
    measurements: list[Measurement]
    ratios: list[Ratio]


def compare_masking(bench: Bench, python: str, jobs: int, target: str, count: int) -> MaskingComparison:
    """``--select ALL`` findings and ``--diff --unsafe-fixes`` output with the masked first pass and
    without it (torchlint as it was before it): they must be identical."""
    pairs = []
    for key, name, extra in (("all", "--select ALL", []), ("diff", "--select ALL --diff --unsafe-fixes",
                                                           ["--diff", "--unsafe-fixes"])):
        arguments = ["--no-cache", "-j", str(jobs), "--exit-zero", "--select", "ALL", *extra, target]
        masked = Measurement(f"masked_{key}", f"torchlint cold -j {jobs} {name}",
                             [python, "-m", "torchlint", *arguments], count)
        unmasked = Measurement(f"unmasked_{key}", "  the same without the masked pass",
                               [python, "-c", UNMASKED, *arguments], count)
        outputs = []
        for measurement in (masked, unmasked):
            bench.run(measurement)
            outputs.append((bench.output / f"{bench.count:03d}-{measurement.key}.out").read_bytes())
        same = outputs[0] == outputs[1]
        masked.note = f"output {'identical to' if same else 'DIFFERENT from'} the run without the masked pass " \
                      f"({len(outputs[0].splitlines())} lines)"
        pairs.append((name, masked, unmasked, same))
    ratios = [Ratio(f"{name}: output with / without the masked pass", 1.0 if same else 0.0, "identical",
                    same) for name, _, _, same in pairs]
    ratios.append(Ratio("--select ALL: masked / unmasked (wall)", pairs[0][1].median("wall_s") /
                        pairs[0][2].median("wall_s"), "-", None))
    return MaskingComparison([m for _, masked, unmasked, _ in pairs for m in (masked, unmasked)], ratios)


# --- TorchFix -------------------------------------------------------------------------------------------


def cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "torchlint-benchmark"


def torchfix_venv() -> Path:
    return cache_home() / f"torchfix-{TORCHFIX_VERSION}"


def has_torchfix(python: str) -> Optional[str]:
    """TorchFix's version in ``python``'s environment, or None."""
    probe = "import importlib.metadata as m; print(f\"torchfix {m.version('torchfix')}, libcst {m.version('libcst')}\")"
    result = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def install_torchfix() -> str:
    """Install TorchFix into its own virtual environment (TorchFix 0.7.0 pins libcst<1.6, which pip would
    otherwise install over torchlint's newer libcst); it does not depend on torch."""
    venv = torchfix_venv()
    python = str(venv / "bin" / "python")
    log(f"installing torchfix=={TORCHFIX_VERSION} into {venv} ...")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", f"torchfix=={TORCHFIX_VERSION}"], check=True)
    if subprocess.run([python, "-c", "import torch"], capture_output=True, check=False).returncode == 0:
        log("warning: the TorchFix environment has a torch (it should not need one)")
    return python


def locate_torchfix(args: argparse.Namespace) -> tuple[Optional[str], str]:
    """The Python that runs TorchFix, and how it was found."""
    if args.torchfix_python:
        if has_torchfix(args.torchfix_python) is None:
            sys.exit(f"benchmark: {args.torchfix_python} cannot import torchfix")
        return args.torchfix_python, "--torchfix-python"
    if importlib.util.find_spec("torchfix") is not None:
        return sys.executable, "the benchmark's environment"
    venv_python = torchfix_venv() / "bin" / "python"
    if venv_python.exists() and has_torchfix(str(venv_python)) is not None:
        return str(venv_python), f"{torchfix_venv()}"
    if args.install_torchfix:
        return install_torchfix(), f"{torchfix_venv()} (installed now)"
    return None, "not installed (add --install-torchfix)"


# --- reporting ------------------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
                         for i, (cell, width) in enumerate(zip(cells, widths)))

    return "\n".join([line(headers), line(["-" * width for width in widths]), *[line(row) for row in rows]])


def measurement_rows(measurements: Sequence[Measurement]) -> list[list[str]]:
    rows = []
    for m in measurements:
        wall = m.median("wall_s")
        rows.append([m.name, str(m.files), str(len(m.runs)), f"{wall:.2f}", f"{m.files / wall:.1f}",
                     f"{m.median('cpu_s'):.2f}", f"{m.median('max_rss_mb'):.0f}", f"{m.median('tree_rss_mb'):.0f}",
                     "-" if m.findings is None else str(m.findings), str(len(m.errors))])
    return rows


HEADERS = ["measurement", "files", "runs", "wall s", "files/s", "CPU s", "peak RSS MB", "tree RSS MB", "findings",
           "errors"]


@dataclass
class Ratio:
    name: str
    value: float
    target: str
    met: Optional[bool]

    def row(self) -> list[str]:
        verdict = "-" if self.met is None else ("met" if self.met else "MISSED")
        return [self.name, f"{self.value:.3f}", self.target, verdict]


def environment(jobs: int) -> dict[str, Any]:
    commit = subprocess.run(["git", "-C", str(HERE.parent), "describe", "--always", "--dirty"],
                            capture_output=True, text=True, check=False).stdout.strip()
    return {
        "python": platform.python_version(), "platform": platform.platform(), "cores": default_jobs(),
        "jobs": jobs, "libcst": version_of("libcst"), "torchlint": version_of("torchlint"),
        "torchlint_commit": commit or None, "torch": version_of("torch"), "load_average_start": os.getloadavg(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


SPIN = "x = 0\nfor i in range(20_000_000):\n    x += i\n"


def parallel_capacity(jobs: int) -> float:
    """How many times one process's work the machine does with ``jobs`` processes of a pure CPU loop right
    now (``jobs`` on an idle machine with as many free cores): the ceiling for torchlint's speed-up."""

    def wall(count: int) -> float:
        started = time.perf_counter()
        processes = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(count)]
        for process in processes:
            process.wait()
        return time.perf_counter() - started

    one = statistics.median(wall(1) for _ in range(3))
    many = statistics.median(wall(jobs) for _ in range(3))
    return jobs * one / many


def warn_if_busy(jobs: int) -> None:
    load = os.getloadavg()[0]
    if load > 0.5:
        log(f"note: the 1-minute load average is {load:.1f} before starting: other processes compete for the "
            f"{default_jobs()} cores, so wall times are inflated; CPU times are less affected")


# --- the corpus benchmark -------------------------------------------------------------------------------


def torchlint_argv(python: str, jobs: int, target: str, cache: Optional[Path] = None) -> list[str]:
    caching = ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    return [python, "-m", "torchlint", *caching, "-j", str(jobs), "--exit-zero", target]


def corpus_benchmark(args: argparse.Namespace, work: Path, env: dict[str, str]) -> dict[str, Any]:
    python, jobs, runs = sys.executable, args.jobs, args.runs
    corpus_root = work / "corpus"
    if args.wheel:
        source, description = fetch_wheel(args.wheel, work)
        name = re.split(r"[=<>!~ ]", args.wheel)[0]
        corpus = corpus_root / name
        default_subset = "."
    elif args.corpus:
        source, description = Path(args.corpus).resolve(), str(Path(args.corpus).resolve())
        corpus = corpus_root / source.name
        default_subset = "."
    else:
        source, description = torch_source()
        description = f"{description} ({source})"
        corpus = corpus_root / "torch"
        default_subset = "."
    log(f"copying the .py files of {description} to {corpus} ...")
    copy_python_tree(source, corpus)
    files = list_files(corpus)
    if not files:
        sys.exit("benchmark: the corpus has no Python files")
    torch_files = sum(1 for file in files if b"torch" in Path(file).read_bytes())
    file_list = work / "files.txt"
    file_list.write_text("\n".join(files) + "\n", encoding="utf-8")
    target = str(corpus.relative_to(work))
    count = len(files)
    log(f"{count} files, {torch_files} of them contain 'torch'; {runs} run(s) each, -j {jobs}")
    warn_if_busy(jobs)
    capacity = parallel_capacity(jobs)
    log(f"{jobs} processes of a CPU loop do {capacity:.2f}x the work of one on this machine now")
    bench = Bench(work, python, env)

    floor = Measurement("parse_floor", "libcst parse floor (1 process)", [python, str(FLOOR), str(file_list)],
                        count, note=f"parses the {torch_files} files that contain 'torch'")
    ast_floor = Measurement("ast_floor", "Python ast.parse floor (1 process)",
                            [python, str(FLOOR), str(file_list), "--ast"], count,
                            note=f"ast.parse of the same {torch_files} files")
    cold1 = Measurement("cold_1", "torchlint cold -j 1", torchlint_argv(python, 1, target), count)
    coldn = Measurement("cold_n", f"torchlint cold -j {jobs}", torchlint_argv(python, jobs, target), count)
    ruff_version = ruff_available(python)
    ruff = Measurement("ruff", "ruff check --no-cache (default rules)",
                       [python, "-m", "ruff", "check", "--no-cache", "--isolated", "--exit-zero",
                        "--output-format", "concise", target],
                       count, note=f"{ruff_version}" + ("" if ruff_version == f"ruff {RUFF_VERSION}" else
                                                         f" (the pinned version is {RUFF_VERSION})"))
    first = [floor, ast_floor, cold1, coldn] + ([ruff] if ruff_version else [])
    for _ in range(runs):  # interleaved, so a change in machine load hits all of them alike
        for measurement in first:
            bench.run(measurement)
    if ruff_version is None:
        log(f"Ruff: not installed in {python}'s environment (pip install ruff=={RUFF_VERSION})")

    small_dir = pick_small_tree(files, corpus, args.small_tree)
    small_target = str(small_dir.relative_to(work))
    small_count = sum(1 for file in files if file.startswith(os.path.abspath(small_dir) + os.sep))
    small1 = Measurement("small_1", f"torchlint cold -j 1 on {small_target}", torchlint_argv(python, 1, small_target),
                         small_count)
    smalln = Measurement("small_n", f"torchlint cold -j {jobs} on {small_target}",
                         torchlint_argv(python, jobs, small_target), small_count)
    for _ in range(max(runs, 5)):  # short runs: more of them
        for measurement in (small1, smalln):
            bench.run(measurement)

    cache = work / "cache"
    fill = Measurement("cache_fill", f"torchlint -j {jobs}, filling the cache", torchlint_argv(python, jobs, target,
                                                                                              cache), count)
    bench.run(fill)
    warm = Measurement("warm", f"torchlint warm -j {jobs}", torchlint_argv(python, jobs, target, cache), count)
    for _ in range(runs):
        bench.run(warm)
    touched_file = pick_touched(files, corpus, args.touch)
    touched = Measurement("touched", f"torchlint warm -j {jobs}, 1 file touched",
                          torchlint_argv(python, jobs, target, cache), count,
                          note=f"appends a comment line to {touched_file.relative_to(work)} before each run")
    for index in range(runs):
        with open(touched_file, "a", encoding="utf-8") as handle:
            handle.write(f"# touched by the torchlint benchmark, run {index + 1}\n")
        bench.run(touched)
    measurements = [floor, ast_floor, cold1, coldn, *([ruff] if ruff_version else []), small1, smalln, fill, warm,
                    touched]
    masking = compare_masking(bench, python, jobs, target, count) if args.compare_masking else None
    if masking is not None:
        measurements.extend(masking.measurements)

    torchfix: Optional[Measurement] = None
    subset_cold: Optional[Measurement] = None
    torchfix_python, found_how = (None, "skipped (--no-torchfix)") if args.no_torchfix else locate_torchfix(args)
    subset = corpus / (args.torchfix_path or default_subset)
    if torchfix_python is not None:
        if not subset.is_dir():
            sys.exit(f"benchmark: --torchfix-path {args.torchfix_path}: no such directory in the corpus")
        subset_target = str(subset.relative_to(work))
        subset_count = sum(1 for file in files if file.startswith(os.path.abspath(subset) + os.sep))
        if subset.resolve() == corpus.resolve():
            subset_cold = coldn
        else:
            subset_cold = Measurement("subset_cold_n", f"torchlint cold -j {jobs} on {subset_target}",
                                      torchlint_argv(python, jobs, subset_target), subset_count)
            for _ in range(runs):
                bench.run(subset_cold)
            measurements.append(subset_cold)
        torchfix = Measurement("torchfix", f"TorchFix --select ALL -j {jobs} on {subset_target}",
                               [torchfix_python, "-m", "torchfix", "--select", "ALL", "--jobs", str(jobs),
                                subset_target], subset_count,
                               note=f"{has_torchfix(torchfix_python)}, from {found_how}")
        for _ in range(args.torchfix_runs):
            bench.run(torchfix, timeout=args.torchfix_timeout)
        measurements.append(torchfix)
    else:
        log(f"TorchFix: {found_how}")

    floor_target = FLOOR_TARGETS.get(corpus.name)
    floor_cpu = cold1.median("cpu_s") / floor.median("cpu_s")
    ratios = [
        Ratio("cold -j 1 / parse floor (wall)", cold1.median("wall_s") / floor.median("wall_s"), "-", None),
        Ratio("cold -j 1 / parse floor (CPU)", floor_cpu, "-" if floor_target is None else f"<= {floor_target}",
              None if floor_target is None else floor_cpu <= floor_target),
        Ratio("  ast.parse floor / LibCST parse floor (CPU)", ast_floor.median("cpu_s") / floor.median("cpu_s"), "-",
              None),
        Ratio(f"speed-up: cold -j 1 / cold -j {jobs} (wall)", cold1.median("wall_s") / coldn.median("wall_s"),
              f"~{jobs} (>= {0.8 * jobs:.1f})", cold1.median("wall_s") / coldn.median("wall_s") >= 0.8 * jobs),
        Ratio(f"  the machine's own: {jobs} CPU loops / 1 (wall)", capacity, "-", None),
        Ratio(f"small tree: cold -j {jobs} / cold -j 1 (wall)", smalln.median("wall_s") / small1.median("wall_s"),
              "<= 1.05 (no slower)", smalln.median("wall_s") / small1.median("wall_s") <= 1.05),
        Ratio(f"warm / cold -j {jobs} (wall)", warm.median("wall_s") / coldn.median("wall_s"), "< 0.05",
              warm.median("wall_s") / coldn.median("wall_s") < 0.05),
        Ratio(f"touched / cold -j {jobs} (wall)", touched.median("wall_s") / coldn.median("wall_s"), "-", None),
    ]
    if ruff_version is not None:
        value = coldn.median("wall_s") / ruff.median("wall_s")
        ratios.append(Ratio(f"cold -j {jobs} / Ruff (wall)", value, f"<= {RUFF_TARGET:g}", value <= RUFF_TARGET))
    if masking is not None:
        ratios.extend(masking.ratios)
    if torchfix is not None and subset_cold is not None:
        value = torchfix.median("wall_s") / subset_cold.median("wall_s")
        ratios.append(Ratio(f"TorchFix / torchlint cold -j {jobs}, same files (wall)", value, ">= 10", value >= 10))

    print(f"\nCorpus: {description}: {count} files ({torch_files} contain 'torch'); -j {jobs} on "
          f"{default_jobs()} cores; median of {runs} run(s); load average now {os.getloadavg()[0]:.1f}")
    print(table(HEADERS, measurement_rows(measurements)))
    print("\nwall s / CPU s: median wall-clock and CPU (user+sys, all processes) time; peak RSS: largest single "
          "process (getrusage); tree RSS: sampled sum over the process tree (workers included)")
    for m in measurements:
        if m.note:
            print(f"  {m.name}: {m.note}")
        for problem in m.errors[:5]:
            print(f"  {m.name}: {problem}")
        if len(m.errors) > 5:
            print(f"  {m.name}: ... {len(m.errors) - 5} more error lines")
    if torchfix is None:
        print(f"  TorchFix: {found_how}")
    print()
    print(table(["ratio", "value", "target", ""], [ratio.row() for ratio in ratios]))
    return {
        "corpus": {"description": description, "files": count, "torch_files": torch_files,
                   "touched_file": str(touched_file.relative_to(corpus)),
                   "torchfix_subset": str(subset.relative_to(corpus))},
        "measurements": [m.as_json() for m in measurements],
        "ratios": [ratio.__dict__ for ratio in ratios],
        "parallel_capacity": capacity,
    }


# --- the scaling benchmark ------------------------------------------------------------------------------


def scale_benchmark(args: argparse.Namespace, work: Path, env: dict[str, str]) -> dict[str, Any]:
    python, jobs, runs = sys.executable, args.jobs, args.runs
    bench = Bench(work, python, env)
    warn_if_busy(jobs)
    measurements = []
    quiet = []  # the same trees with a rule that finds nothing there: memory without findings to report
    for size in args.scale_sizes:
        root = work / f"scale_{size}"
        synthetic.generate(str(root), size)
        log(f"generated {size} files under {root}")
        target = str(root.relative_to(work))
        measurement = Measurement(f"scale_{size}", f"torchlint cold -j {jobs}, {size} files",
                                  torchlint_argv(python, jobs, target), size)
        silent = Measurement(f"scale_{size}_quiet", f"  the same, --select {QUIET_RULE} (no findings)",
                             [*torchlint_argv(python, jobs, target), "--select", QUIET_RULE], size)
        for _ in range(runs):
            bench.run(measurement, nofile=SCALE_NOFILE)
            bench.run(silent, nofile=SCALE_NOFILE)
        measurements.append(measurement)
        quiet.append(silent)
        shutil.rmtree(root)
    rows = []
    for m in [m for pair in zip(measurements, quiet) for m in pair]:
        rows.append([m.name, str(m.files), str(len(m.runs)), f"{m.median('wall_s'):.2f}",
                     f"{1000 * m.median('wall_s') / m.files:.2f}", f"{1000 * m.median('cpu_s') / m.files:.2f}",
                     f"{m.median('max_rss_mb'):.0f}", f"{m.median('tree_rss_mb'):.0f}", str(m.findings),
                     str(len(m.errors))])
    first, last = measurements[0], measurements[-1]
    per_file = (last.median("cpu_s") / last.files) / (first.median("cpu_s") / first.files)
    wall_per_file = (last.median("wall_s") / last.files) / (first.median("wall_s") / first.files)
    added = last.files - first.files
    per_file_kb = 1024 * (last.median("max_rss_mb") - first.median("max_rss_mb")) / added
    quiet_per_file_kb = 1024 * (quiet[-1].median("max_rss_mb") - quiet[0].median("max_rss_mb")) / added
    print(f"\nScaling: generated trees ({len(synthetic.TEMPLATES)} templates + a shared base per "
          f"{synthetic.GROUP_SIZE}-file package), cold, --no-cache, -j {jobs}, open-file limit {SCALE_NOFILE}; "
          f"median of {runs} run(s); load average now {os.getloadavg()[0]:.1f}")
    print(table(["measurement", "files", "runs", "wall s", "wall ms/file", "CPU ms/file", "peak RSS MB",
                 "tree RSS MB", "findings", "errors"], rows))
    for m in measurements:
        for problem in m.errors[:5]:
            print(f"  {m.name}: {problem}")
    ratios = [
        Ratio(f"CPU per file, {last.files} / {first.files} files", per_file, "~1 (flat)", per_file <= 1.2),
        Ratio(f"wall per file, {last.files} / {first.files} files", wall_per_file, "~1 (flat)", wall_per_file <= 1.2),
        Ratio(f"peak RSS added per file (KB), {first.files} -> {last.files} files, no findings", quiet_per_file_kb,
              f"<= {BOOKKEEPING_KB} (its path)", quiet_per_file_kb <= BOOKKEEPING_KB),
        Ratio(f"peak RSS added per file (KB), {first.files} -> {last.files} files", per_file_kb,
              "- (its findings too)", None),
    ]
    print()
    print(table(["ratio", "value", "target", ""], [ratio.row() for ratio in ratios]))
    print(f"\nPeak RSS is the largest single process; each worker starts as a copy of the parent, which holds the "
          f"list of files. Every finding is held until the run prints its sorted report; the rows without findings "
          f"show what the run itself keeps per file (target: at most {BOOKKEEPING_KB} KB, its path and place in "
          f"the work list; no syntax tree or analysis state).")
    return {"scale": [m.as_json() for m in [*measurements, *quiet]],
            "scale_ratios": [ratio.__dict__ for ratio in ratios], "scale_nofile_limit": SCALE_NOFILE}


# --- command line ---------------------------------------------------------------------------------------


def sizes(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 1000,5000,20000, got {text!r}") from None
    if not values or min(values) < 2:
        raise argparse.ArgumentTypeError("sizes must be at least 2")
    return values


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--corpus", metavar="DIR", help="benchmark on this directory instead of torch's source")
    source.add_argument("--wheel", metavar="NAME==VERSION", help="benchmark on this package from PyPI")
    source.add_argument("--scale", action="store_true",
                        help="only the scaling section: generated trees of growing size (see --scale-sizes)")
    parser.add_argument("--scale-sizes", type=sizes, default=list(SCALE_SIZES), metavar="N,N,...",
                        help="file counts for --scale (default: 1000,5000,20000)")
    parser.add_argument("--runs", type=int, default=3, metavar="N", help="runs per measurement; the median is "
                        "reported (default: 3)")
    parser.add_argument("--jobs", "-j", type=int, default=default_jobs(), metavar="N",
                        help="processes for the parallel runs (default: the number of cores)")
    parser.add_argument("--json", metavar="PATH", help="also write every number to this JSON file")
    parser.add_argument("--touch", metavar="PATH", help="the file (relative to the corpus) to edit for the "
                        "one-file-touched run (default: the first with a class deriving from Module)")
    parser.add_argument("--no-torchfix", action="store_true", help="do not run TorchFix")
    parser.add_argument("--compare-masking", action="store_true",
                        help="also run --select ALL and --select ALL --diff --unsafe-fixes with and without the "
                        "masked first pass, and check that the outputs are identical")
    parser.add_argument("--install-torchfix", action="store_true",
                        help=f"install torchfix=={TORCHFIX_VERSION} if it cannot be found (into its own "
                        f"environment under {cache_home()}, because it pins libcst<1.6)")
    parser.add_argument("--torchfix-python", metavar="PYTHON", help="a Python whose environment has torchfix")
    parser.add_argument("--torchfix-path", metavar="PATH", help="a directory (relative to the corpus) to run "
                        "TorchFix and a matching torchlint run on (default: the whole corpus; TorchFix needs about "
                        "15 minutes for torch's source on 2 cores)")
    parser.add_argument("--small-tree", metavar="PATH", help="the directory (relative to the corpus) for the "
                        "small-tree runs (default: the largest with 20 to 60 files)")
    parser.add_argument("--no-scale", action="store_true", help="skip the scaling section (generated trees of "
                        "--scale-sizes files) that follows the corpus tables")
    parser.add_argument("--torchfix-runs", type=int, default=1, metavar="N",
                        help="runs of TorchFix, which is slow (default: 1)")
    parser.add_argument("--torchfix-timeout", type=float, default=1800.0, metavar="S",
                        help="stop a TorchFix run after this many seconds (default: 1800)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (outputs, copies)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.jobs < 1 or args.torchfix_runs < 1:
        parser.error("--runs, --jobs and --torchfix-runs must be positive")
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if importlib.util.find_spec("torchlint") is None or importlib.util.find_spec("libcst") is None:
        sys.exit(f"benchmark: {sys.executable} cannot import torchlint and libcst; run it with torchlint's Python")
    work = Path(tempfile.mkdtemp(prefix="torchlint-bench-"))
    started = time.perf_counter()
    try:
        env, snapshot = snapshot_torchlint(work)
        report: dict[str, Any] = {"environment": environment(args.jobs), "runs": args.runs}
        report["environment"]["torchlint_snapshot"] = snapshot
        log(f"measuring a snapshot of torchlint ({report['environment']['torchlint_commit']}, files {snapshot})")
        if not args.scale:
            report.update(corpus_benchmark(args, work, env))
        if args.scale or not args.no_scale:
            report.update(scale_benchmark(args, work, env))
        report["load_average_end"] = os.getloadavg()
        report["benchmark_wall_s"] = time.perf_counter() - started
        print(f"\nbenchmark took {report['benchmark_wall_s']:.0f} s")
        if args.json:
            with open(args.json, "w", encoding="utf-8") as handle:
                json.dump(report, handle, indent=2)
                handle.write("\n")
            log(f"wrote {args.json}")
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
