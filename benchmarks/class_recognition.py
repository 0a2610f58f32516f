"""How many nn.Module classes torchlint recognises in a real package, with and without cross-file resolution.

    python benchmarks/class_recognition.py DIR [--limit N]

Every .py file under DIR (that mentions torch) is parsed; a class counts as recognised when torchlint decides
it is an nn.Module subclass. "same file only" resolves bases through the file's own imports and classes
(torch.nn.Module under any spelling, torch layers, known third-party bases); "cross-file" also follows
imports into the other files of the project (relative imports, re-exports, src/ layouts), as the CLI does.
The difference is the classes a single-file linter would miss, e.g. ``class Encoder(BaseModel)`` with
``BaseModel`` defined in another file.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import libcst as cst

from torchlint.analysis.project import Project, locate
from torchlint.engine.dispatch import connect
from torchlint.outline.file_model import build_file_model
from torchlint.outline.module_classes import resolve_bases
from torchlint.source.decoding import SourceError, read


def python_files(root: str) -> list[str]:
    found = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
        found.extend(os.path.join(directory, name) for name in sorted(files) if name.endswith(".py"))
    return found


def count(paths: list[str], cross_file: bool) -> tuple[int, int]:
    """(classes, module classes recognised) over ``paths``."""
    project = Project()
    classes = modules = 0
    for path in paths:
        try:
            text = read(path).text
        except SourceError:
            continue
        if "torch" not in text:
            continue
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError:
            continue
        model = build_file_model(module, locate(path).package)
        if cross_file:
            connect(model, project, path)
        resolve_bases(model)
        classes += len(model.classes)
        modules += sum(1 for info in model.classes if info.is_module)
    return classes, modules


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root")
    parser.add_argument("--limit", type=int, default=0, help="only the first N files (0: all)")
    args = parser.parse_args(argv)
    paths = python_files(args.root)
    if args.limit:
        paths = paths[: args.limit]
    started = time.perf_counter()
    classes, single = count(paths, cross_file=False)
    middle = time.perf_counter()
    _, cross = count(paths, cross_file=True)
    finished = time.perf_counter()
    print(f"{args.root}: {len(paths)} files, {classes} classes in files that mention torch")
    print(f"  module classes, same file only: {single:6d}   ({middle - started:.1f} s)")
    print(f"  module classes, cross-file:     {cross:6d}   ({finished - middle:.1f} s)")
    print(f"  recognised only across files:   {cross - single:6d}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
