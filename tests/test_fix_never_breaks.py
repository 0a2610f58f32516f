"""Fixes that broke real models (issue 16), reproduced on small packages: each test applies
``--fix --unsafe-fixes`` the way a user would and then builds, runs or reloads the fixed model with torch."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from torchlint.commands.cli import main


def registers(name: str, text: str) -> bool:
    """Whether ``text`` registers ``name`` as a buffer, however the fix broke the call over lines."""
    return re.search(rf'register_buffer\(\s*"{name}"', text) is not None

# --- 1. a fix that makes construction raise: the base class in another file assigns the name first ---------

SCHEDULER_BASE = """\
import torch
from torch import nn


class BaseScheduler(nn.Module):
    def __init__(self, steps: int = 10) -> None:
        super().__init__()
        self.timesteps = torch.linspace(0, 1, steps){noqa}
"""

SCHEDULER = """\
import numpy as np
import torch

from pkg.base import BaseScheduler


class Scheduler(BaseScheduler):
    def __init__(self, steps: int = 10) -> None:
        super().__init__(steps)
        self.timesteps = torch.from_numpy(np.arange(steps)[::-1].copy())
"""


def write_package(root: Path, files: dict[str, str], pyproject: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'proj'\n" + pyproject, encoding="utf-8")
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def run_python(root: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with ``root`` on the path (so each fixed package is imported anew)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=root, capture_output=True, text=True, timeout=600,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


def fix(capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    main(["--fix", "--unsafe-fixes", "--select", "ALL", *arguments])
    return capsys.readouterr().out


BUILD_SCHEDULER = "from pkg.scheduler import Scheduler\nScheduler()\nprint('built')\n"


@pytest.mark.parametrize(
    "case",
    ["only the subclass file (pre-commit)", "base file under per-file-ignores", "base line under noqa"],
)
def test_fix_never_registers_a_name_a_base_in_another_file_assigns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    noqa = "  # noqa: TL001" if "noqa" in case else ""
    pyproject = '[tool.torchlint]\nper-file-ignores = { "pkg/base.py" = ["TL001"] }\n' if "per-file" in case else ""
    root = write_package(
        tmp_path / "proj",
        {"pkg/__init__.py": "", "pkg/base.py": SCHEDULER_BASE.format(noqa=noqa), "pkg/scheduler.py": SCHEDULER},
        pyproject,
    )
    assert run_python(root, BUILD_SCHEDULER).stdout == "built\n"  # the original builds
    target = root / "pkg" / "scheduler.py" if "pre-commit" in case else root
    out = fix(capsys, str(target))
    assert "base class `BaseScheduler` (" in out and "also assigns `self.timesteps`" in out
    assert "register_buffer" not in (root / "pkg" / "scheduler.py").read_text("utf-8")
    built = run_python(root, BUILD_SCHEDULER)
    assert built.stdout == "built\n", built.stderr


def test_a_base_that_never_assigns_the_name_keeps_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = SCHEDULER_BASE.format(noqa="").replace("self.timesteps", "self.sigmas")
    root = write_package(tmp_path / "proj", {"pkg/__init__.py": "", "pkg/base.py": base, "pkg/scheduler.py": SCHEDULER})
    fix(capsys, str(root / "pkg" / "scheduler.py"))
    assert registers('timesteps', (root / "pkg" / "scheduler.py").read_text("utf-8"))
    assert run_python(root, BUILD_SCHEDULER).stdout == "built\n"


def test_a_base_in_an_installed_package_is_read_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    installed = tmp_path / "site"
    write_package(installed, {"extlib/__init__.py": "", "extlib/base.py": SCHEDULER_BASE.format(noqa="")})
    leaf = SCHEDULER.replace("from pkg.base import", "from extlib.base import")
    bases = '[tool.torchlint]\nextend-module-bases = ["extlib.base.BaseScheduler"]\n'
    root = write_package(tmp_path / "proj", {"pkg/__init__.py": "", "pkg/scheduler.py": leaf}, bases)
    sys.path.append(str(installed))
    try:
        out = fix(capsys, str(root / "pkg" / "scheduler.py"))
    finally:
        sys.path.remove(str(installed))
    assert "also assigns `self.timesteps`" in out
    assert "register_buffer" not in (root / "pkg" / "scheduler.py").read_text("utf-8")


# --- 3. data destroyed by a cast: a complex table never becomes a buffer ----------------------------------

ROTARY = """\
import torch
from torch import nn


def precompute_freqs_cis(dim: int, end: int) -> torch.Tensor:
    freqs = 1.0 / (10000 ** (torch.arange(0, dim, 2).float() / dim))
    t = torch.arange(end).float()
    freqs = torch.outer(t, freqs)
    return torch.polar(torch.ones_like(freqs), freqs)


class Rotary(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.freqs_cis = {value}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pairs = torch.view_as_complex(x.float().reshape(*x.shape[:-1], -1, 2))
        return torch.view_as_real(pairs * self.freqs_cis[: x.shape[1]]).flatten(-2)
"""

COMPLEX_VALUES = {
    "helper returning torch.polar": "precompute_freqs_cis(8, 16)",
    "view_as_complex": "torch.view_as_complex(torch.randn(16, 4, 2))",
    "complex dtype": "torch.randn(16, 4, dtype=torch.complex64)",
    "cat of complex": "torch.cat([precompute_freqs_cis(8, 8), precompute_freqs_cis(8, 8)])",
    "imaginary literal": "torch.exp(1j * torch.outer(torch.arange(16.0), torch.ones(4)))",
}


@pytest.mark.parametrize("case", sorted(COMPLEX_VALUES))
def test_a_complex_table_is_reported_but_never_fixed_into_a_buffer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    root = write_package(tmp_path / "proj", {"rotary.py": ROTARY.format(value=COMPLEX_VALUES[case])})
    out = fix(capsys, str(root / "rotary.py"))
    assert "may be complex" in out and "torch.view_as_real(...)" in out, out
    assert "register_buffer(" not in (root / "rotary.py").read_text("utf-8")
    checked = run_python(
        root,
        """
        import torch
        from rotary import Rotary
        torch.manual_seed(0)
        model = Rotary()
        x = torch.randn(2, 16, 8, dtype=torch.float64)
        before = model(x)
        model.to(torch.float64)
        assert model.freqs_cis.is_complex()
        print(torch.allclose(model(x), before, atol=1e-5))
        """,
    )
    assert checked.stdout == "True\n", checked.stderr


def test_a_real_table_keeps_its_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = ROTARY.format(value="torch.view_as_real(precompute_freqs_cis(8, 16))")
    root = write_package(tmp_path / "proj", {"rotary.py": real})
    fix(capsys, str(root / "rotary.py"))
    assert registers('freqs_cis', (root / "rotary.py").read_text("utf-8"))


# --- 2. silent garbage through a framework's meta-device load path ------------------------------------------

# A PreTrainedModel-style load path written for the test: what transformers >= 5 from_pretrained does to the
# buffers (FIELD-NOTES): build on meta, load the checkpoint, re-create non-persistent buffers and missing keys
# with empty_like, then let _init_weights refill them.
FAKE_TRANSFORMERS = """\
import torch
from torch import nn


class PreTrainedModel(nn.Module):
    def _init_weights(self, module):
        pass

    def save_pretrained(self, directory):
        torch.save(self.state_dict(), directory + "/model.bin")

    @classmethod
    def from_pretrained(cls, directory):
        model = cls()  # transformers builds parameters on meta; plain tensors are made as written
        model.load_state_dict(torch.load(directory + "/model.bin"))
        for owner in model.modules():  # every non-persistent buffer is re-created with empty_like
            for name in owner._non_persistent_buffers_set:
                buffer = owner._buffers[name]
                if buffer is not None:
                    garbage = float("nan") if buffer.is_floating_point() else 7
                    owner._buffers[name] = torch.full_like(buffer, garbage)
        for module in model.modules():
            model._init_weights(module)  # which refills only what it knows
        return model
"""

POSITIONAL = """\
import math

import torch
from torch import nn

from transformers import PreTrainedModel


class SinusoidalPositions(nn.Module):
    def __init__(self, n: int = 16, dim: int = 8) -> None:
        super().__init__()
        position = torch.arange(n).unsqueeze(1)
        scale = torch.exp(torch.arange(0, dim, 2) * (-math.log(10000.0) / dim))
        table = torch.zeros(n, dim)
        table[:, 0::2] = torch.sin(position * scale)
        table[:, 1::2] = torch.cos(position * scale)
        self.table = table

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.table[: x.shape[1]].to(x.device)


class TinyModel(PreTrainedModel):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(8, 8)
        self.positions = SinusoidalPositions()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.positions(self.proj(x))
"""

ROUND_TRIP = """
import tempfile
import torch
from model import TinyModel
torch.manual_seed(0)
model = TinyModel()
x = torch.randn(2, 4, 8)
with tempfile.TemporaryDirectory() as directory:
    model.save_pretrained(directory)
    loaded = TinyModel.from_pretrained(directory)
print(torch.equal(model(x), loaded(x)))
"""


def test_a_meta_device_load_path_never_gets_a_buffer_only_init_fills(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_package(
        tmp_path / "proj", {"transformers/__init__.py": FAKE_TRANSFORMERS, "model.py": POSITIONAL}
    )
    assert run_python(root, ROUND_TRIP).stdout == "True\n"  # the original reloads right
    out = fix(capsys, str(root / "model.py"))
    assert "_init_weights" in out and "meta device" in out, out
    assert "register_buffer" not in (root / "model.py").read_text("utf-8")
    checked = run_python(root, ROUND_TRIP)
    assert checked.stdout == "True\n", checked.stderr


def test_the_same_table_outside_a_load_path_keeps_its_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = POSITIONAL.replace("from transformers import PreTrainedModel", "PreTrainedModel = nn.Module")
    root = write_package(tmp_path / "proj", {"model.py": plain})
    fix(capsys, str(root / "model.py"))
    assert registers('table', (root / "model.py").read_text("utf-8"))


# What transformers 5's from_pretrained really does to such a table, measured: the plain tensor stays on the meta
# device (forward raises), the fix TL001 withholds (a non-persistent buffer) reloads as other numbers, and
# the remedy its reason names (register it and refill it in _init_weights) round-trips exactly.
REAL_ROUND_TRIP = """
import tempfile, torch, math
from torch import nn
from transformers import PretrainedConfig, PreTrainedModel

def table(n=16, d=8):
    pos = torch.arange(n).unsqueeze(1); div = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
    t = torch.zeros(n, d); t[:, 0::2] = torch.sin(pos * div); t[:, 1::2] = torch.cos(pos * div); return t

class Plain(nn.Module):
    def __init__(self):
        super().__init__(); self.table = table()
    def forward(self, x): return x + self.table[: x.shape[1]].to(x.device)

class Remedied(nn.Module):
    def __init__(self):
        super().__init__(); self.register_buffer("table", table(), persistent=False)
    def forward(self, x): return x + self.table[: x.shape[1]]

class TinyConfig(PretrainedConfig):
    model_type = "torchlint-tiny"

def make(cls, refill):
    class TinyModel(PreTrainedModel):
        config_class = TinyConfig
        def __init__(self, config):
            super().__init__(config); self.proj = nn.Linear(8, 8); self.positions = cls(); self.post_init()
        def _init_weights(self, module):
            if refill and isinstance(module, Remedied):
                module.table.copy_(table())
        def forward(self, x): return self.positions(self.proj(x))
    return TinyModel

for cls, refill in ((Plain, False), (Remedied, False), (Remedied, True)):
    M = make(cls, refill); torch.manual_seed(0); model = M(TinyConfig()); x = torch.randn(2, 4, 8)
    with tempfile.TemporaryDirectory() as d:
        model.save_pretrained(d)
        try:
            loaded = M.from_pretrained(d); print(cls.__name__, refill, torch.equal(model(x), loaded(x)))
        except Exception as e: print(cls.__name__, refill, type(e).__name__, str(e)[:80])
"""


def test_a_real_transformers_round_trip_shows_why_the_fix_is_withheld(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    transformers = pytest.importorskip("transformers")
    root = write_package(tmp_path / "proj", {"model.py": POSITIONAL})
    fix(capsys, str(root / "model.py"))
    assert "register_buffer" not in (root / "model.py").read_text("utf-8")
    checked = subprocess.run(
        [sys.executable, "-c", REAL_ROUND_TRIP], cwd=root, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(Path(transformers.__file__).parents[1]), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
    )
    outcomes = [line for line in checked.stdout.splitlines() if line.startswith(("Plain", "Remedied"))]
    assert outcomes == [
        "Plain False NotImplementedError Cannot copy out of meta tensor; no data!",
        "Remedied False False",
        "Remedied True True",
    ], checked.stderr[-2000:]


# --- issue 17 item 7: provably integer tensors get safe fixes -----------------------------------------------

INTEGER_TABLES = """\
import torch
from torch import nn


class Tables(nn.Module):
    def __init__(self, n: int = 6, m: int = 2, scale: float = 2.0, size=4) -> None:
        super().__init__()
        self.literal = torch.tensor([1, 2, 3])
        self.counted = torch.arange(n)
        self.stepped = torch.arange(0, n, m)
        self.mixed = torch.tensor([1, 2.0])
        self.scaled = torch.arange(scale)
        self.untyped = torch.arange(size)
"""
SAFE = {"literal", "counted", "stepped"}


def test_provably_integer_tensors_get_safe_fixes_and_keep_their_dtype_under_casts(tmp_path: Path) -> None:
    from torchlint.contract.rule import Applicability
    from torchlint.engine.fix_loop import fix_text
    from torchlint.engine.linter import lint_text
    from torchlint.engine.registry import all_rules

    rules = [rule for rule in all_rules() if rule.code == "TL001"]
    found = lint_text(INTEGER_TABLES, "tables.py", rules)
    names = INTEGER_TABLES.splitlines()
    safety = {
        names[d.line - 1].split("self.")[1].split(" ")[0]: d.fix is not None and d.fix.applicability
        for d in found
    }
    assert safety == {name: Applicability.SAFE if name in SAFE else Applicability.UNSAFE for name in safety}
    assert set(safety) == {"literal", "counted", "stepped", "mixed", "scaled", "untyped"}
    fixed = fix_text(INTEGER_TABLES, "tables.py", rules, allowed=lambda d: d.fix.applicability is Applicability.SAFE)
    (tmp_path / "tables.py").write_text(fixed.text, encoding="utf-8")
    checked = run_python(
        tmp_path,
        """
        import torch
        from tables import Tables
        model = Tables()
        buffers = dict(model.named_buffers())
        before = {name: buffers[name].clone() for name in buffers}
        model.half()
        model.to(torch.float64)
        after = dict(model.named_buffers())
        print(sorted(buffers), all(torch.equal(before[n], after[n]) and after[n].dtype == torch.int64 for n in before))
        """,
    )
    assert checked.stdout == "['counted', 'literal', 'stepped'] True\n", checked.stderr


# --- fixed lines keep the project's line length; no placeholder right before an existing `self.x = None` ----

LONG_LINES = """\
import torch
from torch import nn


class Attention(nn.Module):
    def __init__(self, n: int, long_name_for_dimension: int = 4) -> None:
        super().__init__()
        self.mask = torch.tril(torch.ones(n, n, dtype=torch.bool))
        self.short = torch.ones(2)
        if n:
            self.causal_attention_mask_table = torch.tril(torch.ones(long_name_for_dimension, long_name_for_dimension, 4))
"""
BROKEN_AS_A_FORMATTER_WOULD = """\
        self.register_buffer(
            "mask", torch.tril(torch.ones(n, n, dtype=torch.bool)), persistent=False
        )
        self.register_buffer("short", torch.ones(2), persistent=False)
        if n:
            self.register_buffer(
                "causal_attention_mask_table",
                torch.tril(
                    torch.ones(long_name_for_dimension, long_name_for_dimension, 4)
                ),
                persistent=False,
            )
"""


@pytest.mark.parametrize(
    "pyproject",
    ["[tool.ruff]\nline-length = 88\n", "[tool.black]\nline-length = 88\n", "[tool.torchlint]\nline-length = 88\n", ""],
)
def test_fixed_lines_fit_the_projects_line_length(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pyproject: str
) -> None:
    root = write_package(tmp_path / "proj", {"m.py": LONG_LINES}, pyproject)
    fix(capsys, "--no-cache", str(root / "m.py"))
    text = (root / "m.py").read_text("utf-8")
    assert text.endswith(BROKEN_AS_A_FORMATTER_WOULD), text
    assert max(len(line) for line in text.splitlines()) <= 88
    compile(text, "m.py", "exec")


def test_a_wider_line_length_keeps_the_call_on_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_package(tmp_path / "proj", {"m.py": LONG_LINES}, "[tool.ruff]\nline-length = 120\n")
    fix(capsys, "--no-cache", str(root / "m.py"))
    text = (root / "m.py").read_text("utf-8")
    assert '        self.register_buffer("mask", torch.tril(torch.ones(n, n, dtype=torch.bool)), persistent=False)\n' in text
    assert max(len(line) for line in text.splitlines()) <= 120


@pytest.mark.parametrize(
    "source",
    [
        # a later method stores a complex table: the declared buffer would be cast by .to(torch.float64)
        "class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n\n"
        "    def reset(self, n: int):\n        self.table = torch.polar(torch.ones(n), torch.zeros(n))\n",
        # a complex tensor set on an instance from outside its class
        "class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n\n\n"
        "model = M()\nmodel.table = torch.view_as_complex(torch.zeros(4, 2))\n",
    ],
    ids=["later-method", "outside-instance"],
)
def test_complex_values_are_never_fixed_into_buffers_on_any_path(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "m.py"
    text = "import torch\nfrom torch import nn\n\n\n" + source
    path.write_text(text, encoding="utf-8")
    assert main(["--isolated", "--no-cache", "--fix", "--unsafe-fixes", str(path)]) == 1
    assert path.read_text("utf-8") == text
    out = capsys.readouterr().out
    assert " TL001 " in out and "(no automatic fix: the value may be complex" in out


# --- the buffer declaration and a `self.<name> = None` already in __init__ (issue 16, "Also seen") -----------

CACHE_IN_FORWARD = """\
import torch
from torch import nn


class Cached(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.cache = None  # filled by forward

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.cache = x * 2
        return self.lin(x)


class Reset(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.reset()
        self.cache = None

    def reset(self) -> None:
        self.cache = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.cache = x * 2
        return x
"""

USE_CACHES = """\
import torch
from pkg.m import Cached, Reset

for cls in (Cached, Reset):
    model = cls()
    keys = sorted(model.state_dict())
    assert model.cache is None and "cache" in model._buffers, cls
    model(torch.ones(1, 2))
    assert "cache" in model._buffers and "cache" not in vars(model), cls
    assert sorted(model.state_dict()) == keys, cls
    assert model.double().cache.dtype == torch.float64, cls
print("ok")
"""


def test_the_buffer_declaration_takes_the_place_of_a_none_placeholder_in_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_package(tmp_path / "proj", {"pkg/__init__.py": "", "pkg/m.py": CACHE_IN_FORWARD})
    fix(capsys, "--no-cache", str(root / "pkg" / "m.py"))
    text = (root / "pkg" / "m.py").read_text("utf-8")
    # the placeholder becomes the declaration: no second line registering `cache` right before it
    expected = '        self.register_buffer("cache", None, persistent=False)  # filled by forward\n'
    assert text.startswith(CACHE_IN_FORWARD.split("class Reset")[0].replace("        self.cache = None  # filled by forward\n", expected))
    # self.reset() runs first and may assign the name (register_buffer would then raise KeyError where the
    # placeholder stands): the declaration goes right after super().__init__(), before the call
    reset = text.split("class Reset")[1]
    assert reset.startswith(
        '(nn.Module):\n    def __init__(self) -> None:\n        super().__init__()\n'
        '        self.register_buffer("cache", None, persistent=False)\n        self.reset()\n        self.cache = None\n'
    )
    assert text.count('register_buffer("cache"') == 2
    done = run_python(root, USE_CACHES)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
