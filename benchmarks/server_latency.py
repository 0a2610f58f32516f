"""Latency of ``torchlint server``: from sending ``textDocument/didChange`` to receiving the diagnostics of that
version, on generated module files of about 100, 500 and 3,000 lines (the size of a large transformers
modeling file). The debounce is set to 0 ms, so the figures are the server's own work plus the round trip.

Each file's classes derive from a base in a sibling ``common.py`` (resolved through the project, as a real
package's are). Each of the 20 edits changes one number inside an ``__init__`` (an incremental change, as
an editor sends while typing), then waits for that version's diagnostics before the next edit.

``--file PATH`` (repeatable) measures a real module too, e.g. a transformers modeling file: it is copied into
the temporary project, and each edit toggles the last letter of the name in a ``self.<name> = ...`` line
(the 20 edits cycle over the first 20 such lines).

Usage: ``python benchmarks/server_latency.py [--edits 20] [--sizes 100,500,3000] [--file PATH]``; prints a
Markdown table, with the server process's CPU time per edit (from /proc, Linux: in 10 ms ticks), which a
busy machine inflates less than the wall-clock latency.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

COMMON = '''import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.fc = nn.Linear(dim, dim)
'''

HEADER = '''"""A generated model file for benchmarks/server_latency.py."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from common import Block

'''

CLASS = '''
class Layer{n}(Block):
    """Layer {n}: attention-like state, some of it unregistered."""

    def __init__(self, dim: int = 64, heads: int = 4, max_len: int = 128) -> None:
        super().__init__(dim)
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.mask = torch.tril(torch.ones(max_len, max_len, dtype=torch.bool))
        self.inv_freq = 1.0 / (10000 ** (torch.arange(0, dim, 2).float() / dim))
        self.experts = [nn.Linear(dim, dim) for _ in range(heads)]
        self.scale = 1.0 / math.sqrt(dim // heads)
        self.register_buffer("position", torch.arange(max_len), persistent=False)
        self.dropout = nn.Dropout(0.{n_mod})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        scores = (q @ k.transpose(-2, -1)) * self.scale
        scores = scores.masked_fill(~self.mask[:t, :t], float("-inf"))
        out = F.softmax(scores, dim=-1) @ v
        for expert in self.experts:
            out = out + expert(out)
        return self.proj(self.dropout(out))
'''
CLASS_LINES = CLASS.count("\n")


def generate(lines: int) -> str:
    classes = max(1, round((lines - HEADER.count("\n")) / CLASS_LINES))
    return HEADER + "".join(CLASS.format(n=n, n_mod=n % 9 + 1) for n in range(classes))


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) the process has used, from /proc: what the edit cost, whatever the load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


Edit = tuple[int, int, str]  # line (0-based), column, the one character to put there


def generated_edits(text: str, count: int) -> list[Edit]:
    """self.heads <-> self.headz in the ``__init__`` of one class after another."""
    lines = text.splitlines()
    targets = [i for i, line in enumerate(lines) if "self.heads = heads" in line]
    edits = []
    for n in range(count):
        line = targets[n % len(targets)]
        column = lines[line].index("self.head") + len("self.head")
        edits.append((line, column, "z" if (n // len(targets)) % 2 == 0 else "s"))
    return edits


_SELF_ASSIGNMENT = re.compile(r"^\s+self\.(\w+) = ")


def real_edits(text: str, count: int) -> list[Edit]:
    """The last letter of ``self.<name>`` in one ``self.<name> = ...`` line after another: Q, then back."""
    lines = text.splitlines()
    found = [(i, match) for i, line in enumerate(lines) if (match := _SELF_ASSIGNMENT.match(line))]
    targets = found[:count]
    edits = []
    for n in range(count):
        line, match = targets[n % len(targets)]
        column = match.end(1) - 1
        original = lines[line][column]
        edits.append((line, column, "Q" if (n // len(targets)) % 2 == 0 else original))
    return edits


async def measure(root: Path, name: str, text: str, edits: list[Edit]) -> tuple[int, int, list[float], list[float]]:
    path = root / name
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    arrived: dict[int, float] = {}
    counts: dict[int, int] = {}
    event = asyncio.Event()
    client = LanguageClient("server-latency", "1")

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(ls: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        if params.uri == uri and params.version is not None:
            arrived[params.version] = time.perf_counter()
            counts[params.version] = len(params.diagnostics)
            event.set()

    async def wait_for(version: int) -> None:
        while version not in arrived:
            event.clear()
            await asyncio.wait_for(event.wait(), 120)

    await client.start_io(sys.executable, "-m", "torchlint", "server", cwd=str(root))
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=root.as_uri(),
        initialization_options={"settings": {"debounce-ms": 0}},
    ))
    client.initialized(types.InitializedParams())
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
    ))
    await wait_for(1)
    latencies, cpu = [], []
    assert client._server is not None
    pid = client._server.pid
    for edit, (line, column, replacement) in enumerate(edits):
        version = edit + 2
        lines_now = text.splitlines(keepends=True)
        where = types.Range(types.Position(line, column), types.Position(line, column + 1))
        sent, cpu_before = time.perf_counter(), cpu_ms(pid)
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangePartial(range=where, text=replacement)],
        ))
        await wait_for(version)
        latencies.append((arrived[version] - sent) * 1000)
        cpu.append(cpu_ms(pid) - cpu_before)
        lines_now[line] = lines_now[line][:column] + replacement + lines_now[line][column + 1:]
        text = "".join(lines_now)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return len(text.splitlines()), counts[len(edits) + 1], latencies, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--sizes", default="100,500,3000", help="approximate line counts, comma separated")
    parser.add_argument("--file", action="append", default=[], help="a real module file to measure too")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| file | lines | diagnostics | median (ms) | p95 (ms) | max (ms) | server CPU per edit, median (ms) |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "pyproject.toml").write_text("", encoding="utf-8")
        (root / "common.py").write_text(COMMON, encoding="utf-8")
        runs: list[tuple[str, str, str, list[Edit]]] = []
        for size in (int(part) for part in args.sizes.split(",") if part):
            text = generate(size)
            runs.append((f"generated ~{size}", f"model_{size}.py", text, generated_edits(text, args.edits)))
        for file in args.file:
            text = Path(file).read_text(encoding="utf-8")
            runs.append((Path(file).name, Path(file).name, text, real_edits(text, args.edits)))
        for label, name, text, edits in runs:
            lines, found, latencies, cpu = asyncio.run(measure(root, name, text, edits))
            print(f"| {label} | {lines} | {found} | {statistics.median(latencies):.1f} | "
                  f"{percentile(latencies, 0.95):.1f} | {max(latencies):.1f} | {statistics.median(cpu):.0f} |",
                  flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
