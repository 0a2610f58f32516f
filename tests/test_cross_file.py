"""Module classes and tensor helpers defined in other files of the project, through every import style,
linting all files or only the leaf file (as pre-commit does)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from torchlint.commands.cli import main

BASE = """\
import torch
from torch import nn


class BaseModel(nn.Module):
    def __init__(self):
        super().__init__()
"""

UTILS = """\
import torch
from torch import Tensor


def make_causal_mask(n: int) -> Tensor:
    return torch.tril(torch.ones(n, n, dtype=torch.bool))


def make_table(n):
    table = torch.arange(n)
    return table * 2


def make_config(n):
    return {"n": n}
"""

LEAF_BODY = """

class Encoder({base}):
    def __init__(self):
        super().__init__()
        self.mask = torch.ones(3)
"""


def write_project(tmp_path: Path, files: dict[str, str], layout: str = "") -> Path:
    root = tmp_path / "proj"
    (root / layout).mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'proj'\n", encoding="utf-8")
    for relative, text in files.items():
        path = root / layout / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root / layout


def lint(capsys: pytest.CaptureFixture[str], *paths: Path) -> list[tuple[str, int, str]]:
    main([str(path) for path in paths])
    out = capsys.readouterr().out
    return [(Path(line.split(":")[0]).name, int(line.split(":")[1]), line.split(" ")[1]) for line in out.splitlines()]


STYLES = {
    "relative": ("pkg/models/enc.py", "import torch\nfrom .base import BaseModel\n", "BaseModel"),
    "absolute": ("pkg/models/enc.py", "import torch\nfrom pkg.models.base import BaseModel\n", "BaseModel"),
    "module alias": ("pkg/models/enc.py", "import torch\nimport pkg.models.base as b\n", "b.BaseModel"),
    "re-export": ("pkg/models/enc.py", "import torch\nfrom pkg.models import BaseModel\n", "BaseModel"),
    "parent relative": ("pkg/deep/enc.py", "import torch\nfrom ..models.base import BaseModel\n", "BaseModel"),
    "re-export relative": ("pkg/deep/enc.py", "import torch\nfrom .. import models\n", "models.BaseModel"),
}


@pytest.mark.parametrize("layout", ["", "src"])
@pytest.mark.parametrize("style", sorted(STYLES))
def test_base_class_in_another_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], style: str, layout: str) -> None:
    leaf, imports, base = STYLES[style]
    root = write_project(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/models/__init__.py": "from .base import BaseModel\n",
            "pkg/models/base.py": BASE,
            "pkg/deep/__init__.py": "",
            leaf: imports + LEAF_BODY.format(base=base),
        },
        layout,
    )
    expected = [("enc.py", len(imports.splitlines()) + 6, "TL001")]
    assert lint(capsys, root) == expected
    assert lint(capsys, root / leaf) == expected  # only the leaf file given


def test_hierarchy_across_three_files_and_import_cycles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import torch\nfrom pkg.b import Middle\n\n\nclass Leaf(Middle):\n    def __init__(self):\n"
            "        super().__init__()\n        self.mask = torch.ones(3)\n",
            "pkg/b.py": "from pkg.c import Root\nfrom pkg import a\n\n\nclass Middle(Root):\n    pass\n",
            "pkg/c.py": "from torch import nn\nfrom pkg.b import Middle\n\n\nclass Root(nn.Module):\n    pass\n",
            "pkg/cyc1.py": "import torch\nfrom pkg.cyc2 import X\n\n\nclass Y(X):\n    def __init__(self):\n"
            "        self.t = torch.ones(1)\n",
            "pkg/cyc2.py": "from pkg.cyc1 import Y\n\n\nclass X(Y):\n    pass\n",
        },
    )
    assert lint(capsys, root / "pkg" / "a.py") == [("a.py", 8, "TL001")]
    assert lint(capsys, root / "pkg" / "cyc1.py") == []  # a cycle ends the search, with no finding


def test_tensor_helpers_in_another_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/utils.py": UTILS,
            "pkg/model.py": "from torch import nn\nfrom pkg.utils import make_causal_mask, make_config, make_table\n\n\n"
            "class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.mask = make_causal_mask(4)\n        self.table = make_table(4)\n        self.config = make_config(4)\n",
        },
    )
    assert lint(capsys, root / "pkg" / "model.py") == [("model.py", 8, "TL001"), ("model.py", 9, "TL001")]


GEOMETRY = """\
from __future__ import annotations

import torch
from typing import Optional, Tuple


def axes(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.eye(n), torch.ones(n)


def axes_and_count(n: int) -> Tuple[torch.Tensor, int]:
    return torch.eye(n), n


def maybe_axes(n: int) -> tuple[Optional[torch.Tensor], torch.Tensor]:
    return None, torch.ones(n)
"""


def test_tensor_tuple_helpers_in_another_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``a, b = helper()`` where the helper in another file is annotated ``-> tuple[Tensor, Tensor]``: both
    are tensors (torchrl's CMG geometry, assigned before ``super().__init__()``); a tuple that also holds an
    int, or an Optional tensor, says nothing of the other targets."""
    root = write_project(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/geometry.py": GEOMETRY,
            "pkg/model.py": "from torch import nn\nfrom pkg.geometry import axes, axes_and_count, maybe_axes\n\n\n"
            "class M(nn.Module):\n    def __init__(self):\n        gimbal, rotor = axes(3)\n"
            "        self.gimbal = gimbal\n        self.rotor = rotor\n        super().__init__()\n"
            "        eye, count = axes_and_count(3)\n        self.count = count\n"
            "        first, second = maybe_axes(2)\n        self.first = first\n",
        },
    )
    assert lint(capsys, root / "pkg" / "model.py") == [("model.py", 8, "TL001"), ("model.py", 9, "TL001")]


@pytest.mark.parametrize(
    ("imports", "base"),
    [
        ("import lightning.pytorch as pl", "pl.LightningModule"),
        ("from lightning.pytorch import LightningModule", "LightningModule"),
        ("import pytorch_lightning as pl", "pl.LightningModule"),
        ("from transformers import PreTrainedModel", "PreTrainedModel"),
        ("from transformers.modeling_utils import PreTrainedModel", "PreTrainedModel"),
        ("from diffusers import ModelMixin", "ModelMixin"),
        ("from torch import nn", "nn.Sequential"),
        ("from torch import nn", "nn.ModuleList"),
        ("import torch.nn as nn", "nn.Conv2d"),
        ("import torch", "torch.jit.ScriptModule"),
    ],
)
def test_third_party_bases(tmp_path: Path, capsys: pytest.CaptureFixture[str], imports: str, base: str) -> None:
    root = write_project(tmp_path, {"m.py": f"import torch\n{imports}\n" + LEAF_BODY.format(base=base)})
    assert lint(capsys, root / "m.py") == [("m.py", 8, "TL001")]


def test_torchmetrics_metric_manages_its_own_tensors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path, {"m.py": "import torch\nimport torchmetrics\n" + LEAF_BODY.format(base="torchmetrics.Metric")})
    assert lint(capsys, root / "m.py") == []


MOVES_STATES = """
    def _apply(self, fn, recurse=True):
        this = super()._apply(fn, recurse)
        for name in list(vars(this)):
            setattr(this, name, fn(getattr(this, name)))
        return this
"""
ONLY_SUPER = "\n    def _apply(self, fn, recurse=True):\n        return super()._apply(fn, recurse)\n"


@pytest.mark.parametrize(("override", "expected"), [(MOVES_STATES, []), (ONLY_SUPER, [("leaf.py", 8, "TL001")])])
def test_project_base_overriding_apply_manages_its_tensors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], override: str, expected: list[tuple[str, int, str]]
) -> None:
    """A base's _apply that walks the instance's state moves the leaf's mask; one that only calls super()
    moves no plain tensor, and the mask is reported."""
    root = write_project(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/base.py": BASE + override,
            "pkg/leaf.py": "import torch\nfrom pkg.base import BaseModel\n" + LEAF_BODY.format(base="BaseModel"),
        },
    )
    assert lint(capsys, root / "pkg" / "leaf.py") == expected


def test_unrelated_same_named_class_elsewhere_is_not_a_module(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/base.py": "class BaseModel:\n    pass\n",
            "pkg/leaf.py": "import torch\nfrom pkg.base import BaseModel\n" + LEAF_BODY.format(base="BaseModel"),
        },
    )
    assert lint(capsys, root / "pkg" / "leaf.py") == []
