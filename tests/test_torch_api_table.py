"""Tests for the checked-in torch API table and its generator (tools/generate_torch_api.py)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "generate_torch_api.py"
DATA = ROOT / "torchlint" / "torch_facts" / "data" / "torch_api.json"
NAMESPACES = ("torch", "torch.nn.functional", "torch.fft", "torch.linalg", "torch.special")
KEYS = {
    "generated_by",
    "torch_version",
    "tensor_functions",
    "tensor_sequence_functions",
    "tensor_methods",
    "tensor_sequence_methods",
    "tensor_properties",
}


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_torch_api", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is created
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return _load_generator()


@pytest.fixture(scope="module")
def table() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def _require_torch_sources() -> None:
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed; the generator needs its stubs")


# --------------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------------


def test_checked_in_table_is_up_to_date(generator, table):
    try:
        import torch
    except ImportError:
        pytest.skip("torch is not importable")
    installed = str(torch.__version__)
    if installed != table["torch_version"]:
        pytest.skip(
            f"installed torch {installed} differs from the table's {table['torch_version']}; "
            "regenerate with python tools/generate_torch_api.py to compare"
        )
    assert generator.main(["--check"]) == 0


def test_check_reports_a_stale_file(generator, table, tmp_path):
    _require_torch_sources()
    stale = json.loads(json.dumps(table))
    stale["tensor_functions"]["torch"].remove("zeros")
    path = tmp_path / "torch_api.json"
    path.write_text(json.dumps(stale, indent=1) + "\n", encoding="utf-8")
    assert generator.main(["--check", "--output", str(path)]) == 1
    assert generator.main(["--check", "--output", str(tmp_path / "missing.json")]) == 1


def test_generator_writes_the_output(generator, tmp_path):
    _require_torch_sources()
    path = tmp_path / "out" / "torch_api.json"
    assert generator.main(["--output", str(path)]) == 0
    assert generator.main(["--check", "--output", str(path)]) == 0
    assert set(json.loads(path.read_text(encoding="utf-8"))) == KEYS


def test_generator_rejects_a_non_torch_directory(generator, tmp_path, capsys):
    assert generator.main(["--torch-dir", str(tmp_path), "--output", str(tmp_path / "x.json")]) == 2
    assert "missing" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_generator_does_not_import_torch():
    _require_torch_sources()
    code = textwrap.dedent(
        f"""
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("gen", {str(SCRIPT)!r})
        module = importlib.util.module_from_spec(spec)
        sys.modules["gen"] = module
        spec.loader.exec_module(module)
        data = module.generate(module.find_torch_dir())
        assert "zeros" in data["tensor_functions"]["torch"]
        assert "torch" not in sys.modules, "the generator imported torch"
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------------


def test_table_shape(table):
    assert set(table) == KEYS
    assert table["generated_by"] == "tools/generate_torch_api.py"
    assert isinstance(table["torch_version"], str) and table["torch_version"]
    lists = [table["tensor_methods"], table["tensor_sequence_methods"], table["tensor_properties"]]
    for key in ("tensor_functions", "tensor_sequence_functions"):
        assert set(table[key]) == set(NAMESPACES)
        lists.extend(table[key].values())
    for names in lists:
        assert names == sorted(set(names))
        assert all(isinstance(name, str) and name and not name.startswith("_") for name in names)
    for namespace in NAMESPACES:
        assert not set(table["tensor_functions"][namespace]) & set(table["tensor_sequence_functions"][namespace])
    assert not set(table["tensor_methods"]) & set(table["tensor_sequence_methods"])
    assert not set(table["tensor_methods"]) & set(table["tensor_properties"])
    assert len(table["tensor_functions"]["torch"]) > 300
    assert len(table["tensor_methods"]) > 300


TENSOR_FUNCTIONS = {
    "torch": [
        "zeros",
        "ones",
        "arange",
        "randn",
        "randint",
        "tensor",
        "as_tensor",
        "from_numpy",
        "zeros_like",
        "cat",
        "stack",
        "matmul",
        "cos",
        "sigmoid",
        "einsum",
        "stft",
    ],
    "torch.nn.functional": ["softmax", "gelu", "pad", "one_hot", "relu", "linear", "conv2d", "dropout"],
    "torch.fft": ["fft", "rfft", "fftshift"],
    "torch.linalg": ["inv", "norm", "matrix_norm", "multi_dot"],
    "torch.special": ["erf", "expit", "logsumexp"],
}
NOT_TENSOR_FUNCTIONS = {
    "torch": [
        "is_tensor",
        "numel",
        "is_floating_point",
        "get_default_dtype",
        "device",
        "Size",
        "finfo",
        "manual_seed",
        # Mixed overloads: where(cond) -> tuple, max(x, dim) -> (values, indices).
        "where",
        "max",
        # Classes are left to the engine.
        "Tensor",
        "FloatTensor",
        # Removed ops that only raise.
        "solve",
        "eig",
    ],
    "torch.nn.functional": ["max_pool2d", "multi_head_attention_forward", "handle_torch_function"],
    "torch.fft": ["Tensor"],
    "torch.linalg": ["svd", "eigh"],
    "torch.special": [],
}
SEQUENCE_FUNCTIONS = {
    "torch": ["chunk", "split", "unbind", "meshgrid", "sort", "topk", "tensor_split", "broadcast_tensors"],
    "torch.nn.functional": ["max_pool2d_with_indices"],
    "torch.linalg": ["svd", "eigh", "qr", "slogdet"],
}


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_tensor_functions(table, namespace):
    listed = set(table["tensor_functions"][namespace])
    assert set(TENSOR_FUNCTIONS[namespace]) <= listed
    assert not set(NOT_TENSOR_FUNCTIONS[namespace]) & listed


@pytest.mark.parametrize("namespace", sorted(SEQUENCE_FUNCTIONS))
def test_tensor_sequence_functions(table, namespace):
    assert set(SEQUENCE_FUNCTIONS[namespace]) <= set(table["tensor_sequence_functions"][namespace])


def test_mixed_functions_are_in_neither_list(table):
    for name in ("where", "max", "min", "nonzero", "unique"):
        assert name not in table["tensor_functions"]["torch"]
        assert name not in table["tensor_sequence_functions"]["torch"]


def test_tensor_methods(table):
    methods = set(table["tensor_methods"])
    expected = {
        "float",
        "t",
        "cos",
        "contiguous",
        "to",
        "new_zeros",
        "requires_grad_",
        "bool",
        "long",
        "clone",
        "detach",
        "unsqueeze",
        "view",
        "expand",
        "masked_fill",
        "cuda",
        "cpu",
        "norm",
    }
    assert expected <= methods
    not_tensor = {
        "item",
        "tolist",
        "size",
        "numel",
        "dim",
        "is_floating_point",
        "data_ptr",
        "element_size",
        "max",
        "type",
        "backward",
    }
    assert not not_tensor & methods
    assert {"chunk", "split", "unbind", "sort", "topk"} <= set(table["tensor_sequence_methods"])
    assert not {"max", "item"} & set(table["tensor_sequence_methods"])


def test_tensor_properties(table):
    properties = set(table["tensor_properties"])
    assert {"T", "mT", "H", "mH", "data", "real", "imag"} <= properties
    assert not {"grad", "shape", "dtype", "device", "ndim", "is_cuda"} & properties
