"""A real editor: headless Neovim attaches its built-in LSP client to ``torchlint server``, receives TL001 for a
buffer, applies the quick fix, and the buffer's text is checked (``tests/neovim_attach.lua`` drives Neovim)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pygls", reason="the language server needs the lsp extra (pygls)")

NVIM = shutil.which("nvim")
SCRIPT = Path(__file__).with_name("neovim_attach.lua")

SOURCE = textwrap.dedent('''\
    import torch
    from torch import nn


    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.index = torch.zeros(3, dtype=torch.long)
''')


@pytest.mark.skipif(NVIM is None, reason="Neovim is not installed (apt-get install neovim; .ci/run installs it)")
def test_neovim_shows_tl001_and_applies_its_quick_fix(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text(SOURCE, encoding="utf-8")
    out = tmp_path / "result.txt"
    environment = {
        **os.environ,
        "TL_FILE": str(path), "TL_OUT": str(out),
        "TL_CMD": "\t".join([sys.executable, "-m", "torchlint", "server"]),
    }
    assert NVIM is not None
    subprocess.run(
        [NVIM, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {SCRIPT}"],
        env=environment, cwd=tmp_path, timeout=150, capture_output=True, check=False,
    )
    assert out.exists(), "Neovim wrote no result"
    status, diagnostic, action, cleared, marker, *text = out.read_text("utf-8").splitlines()
    assert status == "OK", out.read_text("utf-8")
    code, line, column, message = diagnostic.split("\t")[1:]
    assert (code, line, column) == ("TL001", "7", "8")
    assert message.startswith("`self.index` holds a tensor that is not registered")
    assert action == "ACTION\tRegister `index` as a non-persistent buffer (TL001, safe fix)"
    assert marker == "TEXT"
    assert text[7] == '        self.register_buffer("index", torch.zeros(3, dtype=torch.long), persistent=False)'
    assert text[:7] == SOURCE.splitlines()[:7]
    assert cleared == "CLEARED\ttrue"  # the server linted the fixed buffer: TL001 is gone
    assert path.read_text("utf-8") == SOURCE  # the fix went to the buffer, not to the file
