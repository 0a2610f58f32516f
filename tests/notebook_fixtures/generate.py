"""Write the notebook fixtures with nbformat, as Jupyter writes notebooks (run from the repository root):

    python tests/notebook_fixtures/generate.py tests/notebook_fixtures
"""
import base64
import struct
import sys
import zlib

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell


def png(w=2, h=2):
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * w for _ in range(h))
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")

META = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                          "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                          "pygments_lexer": "ipython3", "version": "3.11.9"}}

def cell(source, count=None, outputs=()):
    c = new_code_cell(source, execution_count=count)
    c.outputs = list(outputs)
    return c

def write(nb, path, ids):
    for i, c in enumerate(nb.cells):
        c["id"] = f"{ids}-{i:02d}"
    nbformat.validate(nb)
    nbformat.write(nb, path)

image = base64.b64encode(png()).decode() + "\n"

# 1. a prototype written in a notebook
nb = new_notebook(metadata=META)
nb.cells = [
    new_markdown_cell("# Attention prototype\n\nWhat *not* to do (a markdown cell is never linted):\n\n```python\n"
                      "class Sketch(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                      "        self.table = torch.zeros(4)\n```"),
    cell("%matplotlib inline\n%load_ext autoreload\nimport math\n\nimport torch\nfrom torch import nn", 1),
    cell("!pip install --quiet einops", 2, [new_output("stream", name="stdout", text="Requirement already satisfied: einops\n")]),
    cell("class CausalAttention(nn.Module):\n"
         "    def __init__(self, dim: int = 8, max_len: int = 4) -> None:\n"
         "        super().__init__()\n"
         "        self.qkv = nn.Linear(dim, 3 * dim)\n"
         "        self.mask = torch.tril(torch.ones(max_len, max_len, dtype=torch.bool))\n"
         "        self.temperature = torch.ones(1, requires_grad=True)\n"
         "        self.register_buffer(\"scale\", torch.tensor(1.0 / math.sqrt(dim)))\n"
         "\n"
         "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
         "        q, k, v = self.qkv(x).chunk(3, dim=-1)\n"
         "        t = x.shape[1]\n"
         "        scores = (q @ k.transpose(-2, -1)) * self.scale * self.temperature\n"
         "        scores = scores.masked_fill(~self.mask[:t, :t], float(\"-inf\"))\n"
         "        return scores.softmax(-1) @ v", 3),
    cell("", None),
    cell("class RunningStats(nn.Module):\r\n"
         "    \"\"\"Written on Windows: this cell's lines end with CRLF.\"\"\"\r\n"
         "\r\n"
         "    def __init__(self, features: int = 8) -> None:\r\n"
         "        super().__init__()\r\n"
         "        self.register_buffer(\"mean\", torch.zeros(features))\r\n"
         "        self.count = torch.zeros(())\r\n"
         "        self.gain = nn.Parameter(torch.ones(features))", 4),
    new_raw_cell("class RawNotes(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.notes = torch.ones(2)"),
    cell("%%time\nmodel = CausalAttention()\nout = model(torch.randn(2, 4, 8))\nout.shape", 5,
         [new_output("stream", name="stdout", text="CPU times: user 1.2 ms, sys: 0 ns, total: 1.2 ms\nWall time: 1.3 ms\n"),
          new_output("execute_result", data={"text/plain": "torch.Size([2, 4, 8])"}, execution_count=5)]),
    cell("%%bash\necho \"self.x = torch.ones(1)\"", 6, [new_output("stream", name="stdout", text="self.x = torch.ones(1)\n")]),
    cell("CausalAttention?\nmask_image = model.mask.float()\nmask_image.shape", 7,
         [new_output("execute_result", data={"text/plain": "<matplotlib.image.AxesImage at 0x7f0c>"}, execution_count=7),
          new_output("display_data", data={"image/png": image, "text/plain": "<Figure size 640x480 with 1 Axes>"}, metadata={})]),
]
write(nb, sys.argv[1] + "/prototype.ipynb", "proto")

# 2. across cells: a base class in one cell, its subclass later; magics in between
nb = new_notebook(metadata=META)
nb.cells = [
    cell("import torch\nimport torch.nn as nn", 1),
    cell("class Block(nn.Module):\n    def __init__(self) -> None:\n        super().__init__()\n        self.proj = nn.Linear(4, 4)", 2),
    new_markdown_cell("## A subclass, defined two cells later\n\n`self.cache = torch.zeros(4)` below is a plain tensor."),
    cell("%time x = 1\nfiles = !ls\n", 3, [new_output("stream", name="stdout", text="Wall time: 2 us\n")]),
    cell("class CachedBlock(Block):\n"
         "    def __init__(self) -> None:\n"
         "        super().__init__()\n"
         "        self.cache = torch.zeros(4)\n"
         "        for step in range(2):\n"
         "            !echo building\n"
         "        self.layers = nn.ModuleList([nn.Linear(4, 4)])\n"
         "        self.offsets = [torch.zeros(1)]\n", 4),
    cell("class Clean(nn.Module):\n"
         "    def __init__(self) -> None:\n"
         "        super().__init__()\n"
         "        self.register_buffer(\"cache\", torch.zeros(4), persistent=False)\n"
         "        self.weight = nn.Parameter(torch.ones(4))\n"
         "        self.eps = torch.finfo(torch.float32).eps\n"
         "        self.size = torch.zeros(3).shape[0]", 5),
    cell("?Clean\nblocks = [CachedBlock(), Clean()]", 6),
]
write(nb, sys.argv[1] + "/across_cells.ipynb", "cross")
