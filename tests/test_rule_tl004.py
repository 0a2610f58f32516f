"""TL004 tensor-in-plain-container: the findings are exactly the attributes whose Parameters or tensors torch
does not register, and the fix makes torch register the Parameters."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tl003_tl010_support import (
    NO_FIX,
    class_at,
    diagnostics,
    fixed_fixture,
    fixture_paths,
    flagged_attributes,
    import_path,
    manages_own_tensors,
    marked_lines,
    module_classes,
    module_source,
    nested_values,
    plain_container_values,
    static_lines,
)

CODE = "TL004"
PATHS = fixture_paths("tl004")
FIXTURE = PATHS[0] if PATHS else Path("missing")


def unregistered_tensor_attributes(instance: torch.nn.Module) -> set[str]:
    """Plain containers in the instance ``__dict__`` holding a Parameter or tensor the instance does not register
    (only Parameters for a class that moves its own tensors)."""
    registered = {id(t) for t in instance.parameters()} | {id(t) for t in instance.buffers()}
    moves_own = manages_own_tensors(type(instance))
    found = set()
    for name, value in vars(instance).items():
        for element in nested_values(value):
            if not isinstance(element, torch.Tensor) or id(element) in registered:
                continue
            if isinstance(element, torch.nn.Parameter) or not moves_own:
                found.add(name)
    return found


def test_there_are_fixtures() -> None:
    assert PATHS
    assert sum(len(marked_lines(path, CODE)) for path in PATHS) >= 15
    assert sum(len(module_classes(import_path(path, f"count_{path.stem}"))) for path in PATHS) >= 20


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_findings_are_the_expected_lines(path: Path) -> None:
    assert sorted(static_lines(path, CODE)) == sorted(marked_lines(path, CODE))


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_fixes_are_offered_except_where_marked(path: Path) -> None:
    no_fix = marked_lines(path, CODE, NO_FIX)
    for diagnostic in diagnostics(path, CODE):
        if diagnostic.line in no_fix:
            assert diagnostic.fix is None and "no automatic fix:" in diagnostic.message, diagnostic
        else:
            assert diagnostic.fix is not None and diagnostic.fix.applicability.value == "unsafe", diagnostic


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_findings_equal_the_runtime_unregistered_tensors(path: Path) -> None:
    module = import_path(path, f"runtime_{CODE}_{path.stem}")
    flagged = flagged_attributes(path, CODE, module)
    for name, cls in module_classes(module).items():
        assert unregistered_tensor_attributes(cls()) == flagged[name], name


def test_optimizer_over_a_list_of_parameters_gets_nothing(tmp_path: Path) -> None:
    fixture = fixed_fixture(FIXTURE, CODE, tmp_path)
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        torch.optim.SGD(fixture.before.OnlyParametersInList().parameters(), lr=0.1)
    fixed = fixture.after.OnlyParametersInList()
    optimizer = torch.optim.SGD(fixed.parameters(), lr=0.1)
    before = fixed.weights[0].detach().clone()
    fixed(torch.ones(2, 4)).sum().backward()
    optimizer.step()
    assert not torch.equal(before, fixed.weights[0])


def test_plain_tensors_in_a_list_are_not_moved_or_saved() -> None:
    module = import_path(FIXTURE, "tl004_plain_tensors")
    model = module.TensorList()
    assert model.state_dict() == {}
    model.to("meta")
    assert all(anchor.device.type == "cpu" for anchor in model.anchors)


def test_fix_registers_every_parameter(tmp_path: Path) -> None:
    fixture = fixed_fixture(FIXTURE, CODE, tmp_path)
    fixed = [d for d in fixture.fixed if d.code == CODE]
    assert {d.line for d in fixed} == marked_lines(FIXTURE, CODE) - marked_lines(FIXTURE, CODE, NO_FIX)
    for diagnostic in fixed:
        class_name = class_at(fixture.before, diagnostic.line)
        attribute = diagnostic.message.split("`")[1].removeprefix("self.")
        old = getattr(fixture.before, class_name)()
        new = getattr(fixture.after, class_name)()
        old_value = getattr(old, attribute)
        elements = plain_container_values(old_value)
        assert elements and all(isinstance(e, torch.nn.Parameter) for e in elements)
        assert not any(id(e) in {id(p) for p in old.parameters()} for e in elements)
        assert not any(key.startswith(f"{attribute}.") for key in old.state_dict())

        value = getattr(new, attribute)
        expected_type = torch.nn.ParameterDict if isinstance(old_value, dict) else torch.nn.ParameterList
        assert type(value) is expected_type, f"{class_name}.{attribute}"
        contained = list(value.values()) if isinstance(value, torch.nn.ParameterDict) else list(value)
        assert len(contained) == len(elements)
        assert {id(p) for p in contained} <= {id(p) for p in new.parameters()}
        assert len([key for key in new.state_dict() if key.startswith(f"{attribute}.")]) == len(elements)
        if isinstance(old_value, dict):
            assert set(value.keys()) == set(old_value.keys())
        new.to("meta")
        assert all(p.device.type == "meta" for p in getattr(new, attribute).parameters())
    assert len(fixed) >= 6
    remaining = [d for d in fixture.remaining if d.code == CODE]
    assert len(remaining) == len(marked_lines(FIXTURE, CODE, NO_FIX)) and all(d.fix is None for d in remaining)


def test_tensor_message_suggests_a_buffer() -> None:
    [diagnostic] = diagnostics(FIXTURE, CODE, text=module_source("self.pair = [torch.zeros(2), torch.ones(2)]"))
    assert "`self.pair`" in diagnostic.message
    assert "register_buffer" in diagnostic.message and "stack" in diagnostic.message
    assert diagnostic.fix is None


def test_parameter_message_names_the_container() -> None:
    [diagnostic] = diagnostics(FIXTURE, CODE, text=module_source('self.w = {"a": nn.Parameter(torch.ones(1))}'))
    assert "`self.w`" in diagnostic.message and "nn.ParameterDict(...)" in diagnostic.message


@pytest.mark.parametrize(
    "body",
    [
        "self.pair = [torch.zeros(2), torch.ones(2)]",
        "self.w = (nn.Parameter(torch.ones(1)),)",
        "self.g = torch.meshgrid(torch.arange(2), torch.arange(2), indexing='ij')",
        "self.p = []\nself.p.append(nn.Parameter(torch.ones(1)))",
    ],
)
def test_reported(body: str) -> None:
    assert [d.line for d in diagnostics(FIXTURE, CODE, text=module_source(body))] == [8]


@pytest.mark.parametrize(
    "body",
    [
        "self.w = nn.ParameterList([nn.Parameter(torch.ones(1))])",
        "self.shape = (2, 4)",
        "self.sizes = [torch.ones(2).shape[0]]",
        "self.dtypes = [torch.float32]",
        "self.w = nn.Parameter(torch.ones(1))\nself.all = [self.w]",
        "t = torch.ones(2)\nself.register_buffer('t', t)\nself.ts = [t]",
        "xs, ys = torch.meshgrid(torch.arange(2), torch.arange(2), indexing='ij')",
        "self.cache = []",
    ],
)
def test_not_reported(body: str) -> None:
    assert [d.line for d in diagnostics(FIXTURE, CODE, text=module_source(body))] == []
