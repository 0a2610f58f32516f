"""The floor for a LibCST linter: read every listed file, and parse with LibCST each one that names torch.

Usage: ``python parse_floor.py FILE_LIST [--ast]`` (one path a line); with ``--ast``, Python's own
``ast.parse`` instead of LibCST (the floor of a linter built on Python's parser). Files are decoded the way
Python decodes source (coding cookie, BOM), as torchlint does, and parsed in this one process, with the
garbage collector set as torchlint sets it for a run (torchlint/run/collector_settings.py), so the two
compare like with like. Prints a JSON summary.
"""

from __future__ import annotations

import ast
import gc
import io
import json
import sys
import tokenize

import libcst

from torchlint.run.collector_settings import THRESHOLDS


def main() -> None:
    gc.set_threshold(*THRESHOLDS)
    with open(sys.argv[1], encoding="utf-8") as handle:
        paths = [line for line in handle.read().splitlines() if line]
    use_ast = "--ast" in sys.argv[2:]
    parsed = failed = 0
    for path in paths:
        with open(path, "rb") as source:
            raw = source.read()
        if b"torch" not in raw:
            continue
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
            code = raw.decode(encoding)
            if use_ast:
                ast.parse(code)
            else:
                libcst.parse_module(code)
            parsed += 1
        except Exception:  # a syntax error, an undecodable file: counted, as torchlint reports them
            failed += 1
    print(json.dumps({"files": len(paths), "parsed": parsed, "failed": failed, "gc_thresholds": THRESHOLDS,
                      "parser": "ast" if use_ast else "libcst"}))


if __name__ == "__main__":
    main()
