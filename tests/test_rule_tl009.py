"""TL009 parameter-moved-after-creation: nn.Parameter(t).to(...) is a plain tensor whenever the move happens,
and moving the call inside keeps a registered Parameter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from tl003_tl010_support import (
    class_at,
    diagnostics,
    fixed_fixture,
    fixture_paths,
    flagged_attributes,
    import_path,
    marked_lines,
    module_classes,
    module_source,
    static_lines,
)

from torchlint.engine.linter import lint_text
from torchlint.engine.registry import rule_by_code

CODE = "TL009"
PATHS = fixture_paths("tl009")
FIXTURE = PATHS[0] if PATHS else Path("missing")
CPU_NO_OP = re.compile(r"#.*\bcpu-no-op\b")


def plain_tensor_attributes(instance: torch.nn.Module) -> set[str]:
    return {
        name for name, value in vars(instance).items()
        if isinstance(value, torch.Tensor) and not isinstance(value, torch.nn.Parameter)
    }


def test_there_are_fixtures() -> None:
    assert PATHS
    assert sum(len(marked_lines(path, CODE)) for path in PATHS) >= 12


def test_parameter_to_a_new_dtype_is_a_plain_non_leaf_tensor() -> None:
    moved = torch.nn.Parameter(torch.ones(2)).to(torch.float64)
    assert type(moved) is torch.Tensor and not moved.is_leaf and moved.grad_fn is not None
    kept = torch.nn.Parameter(torch.ones(2)).to(torch.float32)  # no change: the Parameter itself
    assert isinstance(kept, torch.nn.Parameter)


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_findings_are_the_expected_lines(path: Path) -> None:
    assert sorted(static_lines(path, CODE)) == sorted(marked_lines(path, CODE))


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_tl001_and_tl002_stay_silent_on_moved_parameters(path: Path) -> None:
    rules = [rule_by_code()[code] for code in ("TL001", "TL002")]
    lines = marked_lines(path, CODE)
    assert not [d for d in lint_text(path.read_text("utf-8"), str(path), rules) if d.line in lines]


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_the_parameter_vanishes_exactly_where_reported(path: Path) -> None:
    module = import_path(path, f"runtime_{CODE}_{path.stem}")
    flagged = flagged_attributes(path, CODE, module)
    gpu_only = {(class_at(module, line)) for line in marked_lines(path, CODE, CPU_NO_OP)}
    for name, cls in module_classes(module).items():
        instance = cls()
        vanished = plain_tensor_attributes(instance)
        registered = dict(instance.named_parameters())
        if name in gpu_only:
            # on the CPU the move changes nothing and hands the Parameter back; on a GPU it would vanish
            assert not vanished and flagged[name] <= set(registered), name
            continue
        assert vanished == flagged[name], name
        for attribute in vanished:
            value = vars(instance)[attribute]
            assert attribute not in registered and attribute not in instance.state_dict()
            assert value.requires_grad == (value.grad_fn is not None), f"{name}.{attribute}"


def test_fix_keeps_a_registered_parameter(tmp_path: Path) -> None:
    fixture = fixed_fixture(FIXTURE, CODE, tmp_path)
    assert {d.line for d in fixture.fixed} == marked_lines(FIXTURE, CODE)
    assert all(d.fix is not None and d.fix.applicability.value == "unsafe" for d in fixture.fixed)
    assert not [d for d in fixture.remaining if d.code == CODE]
    for diagnostic in fixture.fixed:
        class_name = class_at(fixture.before, diagnostic.line)
        attribute = diagnostic.message.split("`")[1].removeprefix("self.")
        old = getattr(fixture.before, class_name)()
        new = getattr(fixture.after, class_name)()
        value = getattr(new, attribute)
        assert isinstance(value, torch.nn.Parameter) and value.is_leaf, f"{class_name}.{attribute}"
        assert attribute in dict(new.named_parameters()) and attribute in new.state_dict()
        old_value = getattr(old, attribute)
        assert value.dtype == old_value.dtype and value.device == old_value.device, f"{class_name}.{attribute}"
        assert value.requires_grad == old_value.requires_grad or not old_value.requires_grad


def test_register_parameter_raises_where_reported_and_not_after_the_fix(tmp_path: Path) -> None:
    source = module_source('self.register_parameter("w", nn.Parameter(torch.ones(2)).double())')
    [diagnostic] = diagnostics(FIXTURE, CODE, text=source)
    assert diagnostic.line == 8 and "TypeError" in diagnostic.message
    path = tmp_path / "register.py"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(TypeError, match=re.escape(
        "cannot assign 'torch.DoubleTensor' object to parameter 'w' (torch.nn.Parameter or None required)"
    )):
        import_path(path, "tl009_register").M()
    fixed = fixed_fixture(path, CODE, tmp_path)
    model = fixed.after.M()
    assert model.w.dtype == torch.float64 and "w" in dict(model.named_parameters())


@pytest.mark.parametrize(
    "body",
    [
        "self.w = nn.Parameter(torch.ones(2)).cuda()",
        "self.w = nn.Parameter(torch.ones(2)).cpu()",
        "self.w = nn.Parameter(torch.ones(2)).to('cuda', non_blocking=True)",
        "setattr(self, 'w', nn.Parameter(torch.ones(2)).half())",
    ],
)
def test_reported(body: str) -> None:
    [diagnostic] = diagnostics(FIXTURE, CODE, text=module_source(body))
    assert "`self.w`" in diagnostic.message and "nn.Parameter(t." in diagnostic.message


@pytest.mark.parametrize(
    "body",
    [
        "self.w = nn.Parameter(torch.ones(2).cuda())",
        "self.w = nn.Parameter(torch.ones(2))\nself.v = self.w.double()",
        "self.w = torch.ones(2).double()",
        "p = nn.Parameter(torch.ones(2)).double()\nself.w = nn.Parameter(p.detach())",
    ],
)
def test_not_reported(body: str) -> None:
    assert diagnostics(FIXTURE, CODE, text=module_source(body)) == []


def test_no_fix_when_the_local_is_used_elsewhere() -> None:
    body = "p = nn.Parameter(torch.ones(2)).double()\nself.history = [p]\nself.w = p"
    [diagnostic] = diagnostics(FIXTURE, CODE, text=module_source(body))
    assert diagnostic.line == 10 and diagnostic.fix is None and "used elsewhere" in diagnostic.message
