"""TL011 cached-device-or-dtype (on by default): the findings, and that the cached value goes stale."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import torch
from lint_helpers import findings
from rule_fixture_runtime import diagnostics, expected, fixture_paths, import_fixture, module_classes, static

from torchlint.engine.registry import rule_by_code

PATHS = fixture_paths("tl011")
NAME = re.compile(r"`self\.(\w+)` is a (device|dtype)")


def test_on_by_default() -> None:
    assert rule_by_code()["TL011"].default_enabled is True
    source = """
        import torch
        from torch import nn

        class M(nn.Module):
            def __init__(self, device="cpu"):
                super().__init__()
                self.device = device

            def forward(self, x):
                return x + torch.zeros(3, device=self.device)
    """
    assert findings(source) == [(8, 9, "TL011")]


def test_there_are_fixtures() -> None:
    assert sum(code == "TL011" for path in PATHS for _, code in expected(path)) >= 5


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_findings_are_the_expected_lines(path: Path) -> None:
    assert sorted(static(path)) == sorted(expected(path))


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_cached_value_is_stale_after_the_model_moves(path: Path) -> None:
    module = import_fixture(path, f"evidence_{path.stem}")
    classes = module_classes(module)
    checked = 0
    for diagnostic in diagnostics(path):
        if diagnostic.code != "TL011":
            continue
        match = NAME.search(diagnostic.message)
        assert match is not None
        name, kind = match.groups()
        (cls,) = [
            cls for cls in classes
            if (found := inspect.getsourcelines(cls)) and found[1] <= diagnostic.line < found[1] + len(found[0])
        ]
        instance = cls()
        instance(torch.ones(2, 4))  # works where it was built
        cached = getattr(instance, name)
        instance.to("meta" if kind == "device" else torch.float64)
        moved = next(instance.parameters())
        assert getattr(instance, name) == cached, "the cached value did not follow the model"
        if kind == "device":
            assert torch.device(cached) != moved.device
        else:
            assert cached != moved.dtype
        checked += 1
    assert checked == len([1 for _, code in expected(path) if code == "TL011"])


def test_a_cached_weight_dtype_crashes_after_a_bfloat16_cast() -> None:
    module = import_fixture(PATHS[0], "evidence_tl011_bfloat16")
    model = module.CachedWeightDtype()
    model(torch.ones(2, 4))
    model.to(torch.bfloat16)
    with pytest.raises(RuntimeError, match="(must|to) have the same dtype"):
        model(torch.ones(2, 4, dtype=torch.bfloat16))


def test_a_chosen_integer_dtype_is_right_to_stay() -> None:
    """The negative twin: .half() casts the layers, and the integer codes keep the dtype they were built with."""
    module = import_fixture(PATHS[0], "evidence_tl011_integer")
    model = module.ChosenIntegerDtype()
    model.half()
    out, codes = model(torch.ones(2, 4, dtype=torch.float16))
    assert out.dtype == torch.float16 and codes.dtype == torch.uint8
    assert model.dtype == torch.uint8


def test_the_finding_names_every_use() -> None:
    source = """
        import torch
        from torch import nn

        class M(nn.Module):
            def __init__(self, device="cpu"):
                super().__init__()
                self.device = device

            def forward(self, x):
                a = torch.zeros(3, device=self.device)
                b = torch.ones(3, device=self.device)
                return x.to(self.device) + a + b + torch.rand(3, device=self.device)
    """
    import textwrap

    from torchlint.engine.linter import lint_text

    (found,) = lint_text(textwrap.dedent(source), "t.py", [rule_by_code()["TL011"]])
    assert (found.line, found.column) == (8, 9)
    assert "used after construction (`device=self.device` in `forward`, `device=self.device` in `forward`, " \
           "`.to(self.device)` in `forward` and 1 more)" in found.message


def test_a_device_every_caller_moves_again_does_no_harm() -> None:
    """The negative twin (pytorch_forecasting's embedding_cat_variables): the positions made on the cached
    device are only the helper's result, and the one caller moves them to the device it is given."""
    module = import_fixture(PATHS[0], "evidence_tl011_moved_again")
    model = module.MovedAgainByEveryCaller()
    expected_out = model(torch.ones(2, 4))
    model.to("meta")
    assert model.device == "cpu"  # stale, and harmless
    assert model(torch.ones(2, 4, device="meta")).device.type == "meta"
    assert model(torch.ones(2, 4, device="meta"), torch.device("meta")).shape == expected_out.shape


def test_one_caller_that_keeps_the_cached_device_breaks() -> None:
    """The positive twin: the same helper, and one more caller that uses its result where it was made."""
    module = import_fixture(PATHS[0], "evidence_tl011_one_caller")
    model = module.OneCallerKeepsTheCachedDevice()
    model.offsets()
    model.to("meta")
    assert model(torch.ones(2, 4, device="meta")).device.type == "meta"  # forward moves them again
    assert model.positions(1).device.type == "cpu"
    with pytest.raises(RuntimeError, match="device"):
        model.offsets()


@pytest.mark.parametrize("name", ["QuantizedLinear", "DequantizedWhenUsed"])
def test_a_quantized_layer_keeps_the_dtype_chosen_for_it(name: str) -> None:
    """The dtype a quantized layer computes in is chosen for it: after .half() the packed weight is still
    int8 (QuantizedLinear), the layer still computes in float32 and answers in the input's dtype."""
    module = import_fixture(PATHS[0], f"evidence_tl011_{name}")
    model = getattr(module, name)()
    before = model(torch.ones(2, 4))
    model.half()
    after = model(torch.ones(2, 4, dtype=torch.float16))
    assert model.compute_dtype == torch.float32 and after.dtype == torch.float16
    assert torch.allclose(after.float(), before, atol=1e-2)  # float16 weights and output, float32 compute
    if name == "QuantizedLinear":
        assert model.qweight.dtype == torch.int8
