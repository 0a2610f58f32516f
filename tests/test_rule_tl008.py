"""TL008 class-level-state: the findings, and what torch does with each reported class attribute."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import torch
from lint_helpers import findings
from rule_fixture_runtime import diagnostics, expected, fixture_paths, import_fixture, module_classes, static

PATHS = fixture_paths("tl008")
NAME = re.compile(r"class attribute `(\w+)")


def test_there_are_fixtures() -> None:
    assert sum(code == "TL008" for path in PATHS for _, code in expected(path)) >= 7


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_findings_are_the_expected_lines(path: Path) -> None:
    assert sorted(static(path)) == sorted(expected(path))


def _reported(path: Path) -> list[tuple[type, str, list[type]]]:
    """(class whose body holds the attribute, attribute name, the fixture classes that inherit it)."""
    module = import_fixture(path, f"evidence_{path.stem}")
    classes = module_classes(module)
    found = []
    for diagnostic in diagnostics(path):
        if diagnostic.code != "TL008":
            continue
        match = NAME.search(diagnostic.message)
        assert match is not None
        name = match.group(1)
        owners = []
        for cls in classes:
            lines, start = inspect.getsourcelines(cls)
            if start <= diagnostic.line < start + len(lines) and name in vars(cls):
                owners.append(cls)
        assert len(owners) == 1, (diagnostic, owners)
        found.append((owners[0], name, [cls for cls in classes if owners[0] in cls.__mro__]))
    return found


def _state_names(instance: torch.nn.Module) -> set[str]:
    return {key.split(".", 1)[0] for key in instance.state_dict()} | {name for name, _ in instance.named_children()}


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_reported_class_values_are_shared_and_never_registered(path: Path) -> None:
    checked = 0
    for owner, name, users in _reported(path):
        value = vars(owner)[name]
        if value is None:
            continue
        for cls in users:
            first, second = cls(), cls()
            assert getattr(first, name) is getattr(second, name) is value, "one object shared by every instance"
            assert name not in _state_names(first), "not in state_dict() or children()"
            assert all(p is not value for p in first.parameters()), "not in parameters()"
            if isinstance(value, torch.Tensor) and value.is_floating_point():
                first.to(torch.float64)
                assert getattr(first, name).dtype == torch.float32, "not cast by .to()"
            if isinstance(value, torch.nn.Module):
                first.eval()
                assert getattr(first, name).training, "eval() does not reach it"
            checked += 1
    assert checked >= 5 or "tl008_class_level_state" not in path.name


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_reported_none_attributes_hide_a_registered_submodule(path: Path) -> None:
    hidden = 0
    for owner, name, users in _reported(path):
        if vars(owner)[name] is not None:
            continue
        shown = []
        for cls in users:
            instance = cls()
            if instance._modules.get(name) is not None:
                assert getattr(instance, name) is None, "the class attribute hides the registered module"
                assert any(key.startswith(f"{name}.") for key in instance.state_dict()), "yet it is saved"
                x = torch.ones(2, 4)
                try:
                    out = instance(x)
                except TypeError as error:  # forward calls it
                    assert str(error) == "'NoneType' object is not callable"
                else:  # forward checks for None and silently skips the registered module
                    assert torch.equal(out, x)
                shown.append(cls)
        assert shown, f"no class registers a module under `{name}`"
        hidden += 1
    assert hidden >= 2 or "tl008_class_level_state" not in path.name


def test_none_attribute_for_a_parameter_is_left_to_tl006() -> None:
    source = """
        import torch
        from torch import nn

        class M(nn.Module):
            gain = None

            def __init__(self):
                super().__init__()
                self.gain = nn.Parameter(torch.ones(3))
    """
    assert [code for _, _, code in findings(source)] == ["TL006"]
