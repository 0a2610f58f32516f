"""Prove torchlint's fixes on a real package: fix a copy, build original and fixed side by side, compare.

    python tools/fix_proof/run.py PACKAGE [--mode tree|single|ignores] [--under SUBDIR ...] [--out FILE.json]

1. The installed package tree is copied twice (``orig`` and ``fixed``).
2. ``torchlint --fix --unsafe-fixes --select ALL`` runs on the fixed copy: on the whole tree (``tree``), on each
   file that has a fix alone (``single``: what pre-commit does), or on the whole tree with every other such
   file under ``per-file-ignores`` (``ignores``).
3. Every module class the builders can build from a changed file (no-argument classes; transformers models by
   their tiny configs through the oracle's builders in ``tools/oracle`` when present) is built from both
   copies in separate interpreters (:mod:`worker`) and compared.

The summary counts classes compared, constructions broken (built before, raises after), reload mismatches
(strict load of the original's state dict fails, or a save -> load round trip through the package's own load
path changes the output where the original's did not), forward changes (after loading the original's
weights), and the casts of fixed buffers (a floating buffer now follows ``.half()``: the documented cost of
an unsafe fix; a complex buffer made real: data destroyed).
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TORCHLINT = [sys.executable, "-m", "torchlint"]


def package_directory(package: str) -> str:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{package}: not an installed package")
    return list(spec.submodule_search_locations)[0]


def torchlint(arguments: list[str], cwd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TORCHLINT, "--no-cache", "--exit-zero", "--select", "ALL", *arguments],
        cwd=cwd, capture_output=True, text=True, timeout=3600,
    )


def fixable_files(root: str, paths: list[str]) -> list[str]:
    """Files under ``paths`` with at least one fix, from torchlint's JSON output."""
    listed = torchlint(["--unsafe-fixes", "--output-format", "json", *paths], root)
    try:
        rows = json.loads(listed.stdout or "[]")
    except json.JSONDecodeError:
        raise SystemExit(f"torchlint failed: {listed.stderr[-500:]}") from None
    return sorted({os.path.relpath(os.path.join(root, row["filename"]), root) for row in rows if row.get("fix")})


def apply_fixes(root: str, package: str, mode: str, under: list[str]) -> tuple[list[str], list[str]]:
    """Fix the tree at ``root`` by ``mode``; the files that had fixes, and those left to per-file-ignores."""
    paths = [os.path.join(package, part) for part in under] or [package]
    files = fixable_files(root, paths)
    ignored: list[str] = []
    if mode == "tree":
        torchlint(["--fix", "--unsafe-fixes", *paths], root)
    elif mode == "single":
        for path in files:
            torchlint(["--fix", "--unsafe-fixes", path], root)
    else:  # ignores: every other fixable file is left to per-file-ignores, the rest fixed with the tree
        ignored = files[::2]
        table = ", ".join(f'"{path}" = ["ALL"]' for path in ignored)
        with open(os.path.join(root, "pyproject.toml"), "w", encoding="utf-8") as handle:
            handle.write(f"[tool.torchlint]\nper-file-ignores = {{ {table} }}\n")
        torchlint(["--fix", "--unsafe-fixes", *paths], root)
    return files, ignored


def changed_files(orig: str, fixed: str, files: list[str]) -> dict[str, int]:
    """The changed files and the number of changed hunks of each."""
    changed = {}
    for path in files:
        with open(os.path.join(orig, path), encoding="utf-8") as a:
            before = a.read().splitlines()
        with open(os.path.join(fixed, path), encoding="utf-8") as b:
            after = b.read().splitlines()
        if before != after:
            hunks = sum(1 for line in difflib.unified_diff(before, after, n=0) if line.startswith("@@"))
            changed[path] = hunks
    return changed


def tasks_for(path: str) -> list[dict[str, str]]:
    module = path[:-3].replace(os.sep, ".")
    if module.endswith(".__init__"):
        module = module[: -len(".__init__")]
    parts = module.split(".")
    tasks = [{"kind": "module", "target": module}]
    if parts[0] == "transformers" and len(parts) >= 4 and parts[1] == "models" and parts[3].startswith("modeling_"):
        tasks.append({"kind": "transformers", "target": parts[2]})
    return tasks


def run_side(side: str, tree: str, tasks: list[dict[str, str]], data: str, before: Optional[str], oracle: str,
             timeout: float) -> dict[str, Any]:
    command = [sys.executable, os.path.join(HERE, "worker.py"), "--side", side, "--tasks", json.dumps(tasks),
               "--data", data]
    if before:
        command += ["--before", before]
    paths = [tree, oracle, os.path.join(oracle, "oracle", "stubs")]
    # PYTHONHASHSEED: both sides hash alike (torchrl's SipHash returns builtin hash() of the input's bytes,
    # which differs between two interpreters and looked like a forward changed by a fix in another class)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=tree)
    except subprocess.TimeoutExpired:
        return {"rows": [], "errors": {"*": f"{side} side timed out after {timeout:.0f} s"}}
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        return {"rows": [], "errors": {"*": f"{side} side crashed: {done.stderr[-400:]}"}}


def compare(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    originals = {row["name"]: row for row in before["rows"]}
    summary = {"classes": 0, "compared_forward": 0, "constructions_broken": 0, "keys_changed": 0,
               "reload_mismatches": 0, "forward_changes": 0, "round_trips": 0, "pretrained_round_trips": 0,
               "small_configs": 0, "casts_followed": 0,
               "complex_made_real": 0, "problems": []}
    for row in after["rows"]:
        old = originals.get(row["name"])
        if old is None or old.get("built") != "ok":
            continue
        summary["classes"] += 1
        if row.get("built") != "ok":
            summary["constructions_broken"] += 1
            summary["problems"].append(f"{row['name']}: construction: {row.get('built')}")
            continue
        if row.get("keys") != old.get("keys"):
            summary["keys_changed"] += 1
            summary["problems"].append(f"{row['name']}: state_dict keys changed")
        if row.get("strict_load", "ok") != "ok":
            summary["reload_mismatches"] += 1
            summary["problems"].append(f"{row['name']}: strict load: {row['strict_load']}")
        if "forward" in row and row["forward"] != "same":
            summary["forward_changes"] += 1
            summary["problems"].append(f"{row['name']}: forward: {row['forward']}")
        elif "forward" in row:
            summary["compared_forward"] += 1
        if row.get("profile", "default") != "default":
            summary["small_configs"] += 1
        if "round_trip" in row or "round_trip_state" in row:
            summary["round_trips"] += 1
            summary["pretrained_round_trips"] += row.get("load_path") == "from_pretrained"
        broken = [f"{what}: {row[key]}" for key, what in (("round_trip", "output"), ("round_trip_state", "state"))
                  if key in row and row[key] != "same" and old.get(key) == "same"]
        if broken:
            summary["reload_mismatches"] += 1
            summary["problems"].append(f"{row['name']}: round trip {'; '.join(broken)}")
        for buffer, dtypes in row.get("casts", {}).items():
            if len(dtypes) == 3 and dtypes[0].startswith("torch.complex") and not dtypes[1].startswith("torch.complex"):
                summary["complex_made_real"] += 1
                summary["problems"].append(f"{row['name']}.{buffer}: complex buffer cast to {dtypes[1]}")
            elif len(dtypes) == 3 and dtypes[0] != dtypes[2]:
                summary["casts_followed"] += 1
    return summary


def prove(
    package: str, mode: str, under: list[str], oracle: str, timeout: float, keep: Optional[str],
    source: Optional[str] = None,
) -> dict[str, Any]:
    """Fix a copy of ``package`` (installed, or the directory ``source``) by ``mode`` and compare both sides."""
    source = source or package_directory(package)
    work = keep or tempfile.mkdtemp(prefix=f"fix-proof-{package}-")
    orig, fixed, data = (os.path.join(work, part) for part in ("orig", "fixed", "data"))
    for tree in (orig, fixed):
        shutil.rmtree(tree, ignore_errors=True)
        shutil.copytree(source, os.path.join(tree, package), ignore=shutil.ignore_patterns("__pycache__"))
    os.makedirs(data, exist_ok=True)
    files, ignored = apply_fixes(fixed, package, mode, under)
    changed = changed_files(orig, fixed, files)
    summary = compare_trees(orig, fixed, data, sorted(changed), oracle, timeout)
    summary.update(package=package, mode=mode, under=under, files_with_fixes=len(files), files_changed=len(changed),
                   hunks=sum(changed.values()), files_ignored=len(ignored),
                   ignored_files_changed=sorted(set(ignored) & set(changed)))
    if keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return summary


def compare_trees(orig: str, fixed: str, data: str, changed: list[str], oracle: str, timeout: float) -> dict[str, Any]:
    """Build every class of the ``changed`` files (paths relative to both trees) from both trees; compare."""
    os.makedirs(data, exist_ok=True)
    tasks = [task for path in changed for task in tasks_for(path)]
    before_path = os.path.join(data, "orig.json")
    before = run_side("orig", orig, tasks, data, None, oracle, timeout) if tasks else {"rows": [], "errors": {}}
    with open(before_path, "w", encoding="utf-8") as handle:
        json.dump(before, handle)
    after = run_side("fixed", fixed, tasks, data, before_path, oracle, timeout) if tasks else {"rows": [], "errors": {}}
    summary = compare(before, after)
    summary["build_errors"] = {**before["errors"], **after["errors"]}
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("package")
    parser.add_argument("--mode", choices=("tree", "single", "ignores"), default="tree")
    parser.add_argument("--under", action="append", default=[], help="only these subdirectories of the package")
    parser.add_argument("--oracle", default=os.path.join(REPO, "tools"), help="the directory holding oracle/")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--keep", help="work in this directory and keep it")
    parser.add_argument("--out", help="append the summary as one JSON line to this file")
    args = parser.parse_args()
    summary = prove(args.package, args.mode, args.under, args.oracle, args.timeout, args.keep)
    line = json.dumps(summary)
    print(line)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


if __name__ == "__main__":
    main()
