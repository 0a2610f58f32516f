"""TL008 class-level-state: the findings, and what torch does with each reported class attribute."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import torch
from lint_helpers import findings
from rule_fixture_runtime import (
    RULE_FIXTURES,
    diagnostics,
    expected,
    fixture_paths,
    import_fixture,
    module_classes,
    static,
)

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


SHARED = re.compile(r"shared by every instance of the class: `self\.(\w+) = ")


def _shared_messages(path: Path) -> dict[int, str]:
    """Line -> the instance attribute named by findings that say the class-level module is registered."""
    found = {}
    for diagnostic in diagnostics(path):
        match = SHARED.search(diagnostic.message) if diagnostic.code == "TL008" else None
        if match:
            found[diagnostic.line] = match.group(1)
    return found


def test_a_shared_module_with_weights_is_registered_on_every_instance() -> None:
    path = RULE_FIXTURES / "tl008_class_level_state.py"
    shared = _shared_messages(path)
    assert shared, "the fixture has a class-level module that instances register"
    module = import_fixture(path, "evidence_tl008_shared")
    checked = 0
    for cls in module_classes(module):
        lines, start = inspect.getsourcelines(cls)
        for line, target in shared.items():
            if not start <= line < start + len(lines):
                continue
            first, second = cls(), cls()
            value = dict(first.named_children())[target]
            assert value is dict(second.named_children())[target], "one module registered on every instance"
            assert any(True for _ in value.parameters()) or any(True for _ in value.buffers()), "it has weights"
            checked += 1
    assert checked == len(shared)


def test_unreported_class_level_modules_hold_nothing_to_lose() -> None:
    """The negative twins: each class-level module left unreported has no parameters or buffers, and one that
    no instance registers computes the same in training and evaluation mode."""
    path = RULE_FIXTURES / "tl008_class_level_state.py"
    reported = {line for line, code in expected(path) if code == "TL008"}
    module = import_fixture(path, "evidence_tl008_unreported")
    checked = 0
    for cls in module_classes(module):
        lines, start = inspect.getsourcelines(cls)
        for name, value in vars(cls).items():
            if not isinstance(value, torch.nn.Module):
                continue
            line = start + next(i for i, text in enumerate(lines) if text.strip().startswith(f"{name} ="))
            if line in reported:
                continue
            assert not list(value.parameters()) and not list(value.buffers())
            instance = cls()
            if all(child is not value for child in instance.children()):
                x = torch.randn(2, 4)
                value.train()
                trained = value(x)
                value.eval()
                assert torch.equal(trained, value(x)), "training mode changes nothing"
            checked += 1
    assert checked >= 3


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_reported_class_values_are_shared_and_never_registered(path: Path) -> None:
    checked = 0
    shared = _shared_messages(path)
    for owner, name, users in _reported(path):
        value = vars(owner)[name]
        lines, start = inspect.getsourcelines(owner)
        if value is None or any(start <= line < start + len(lines) for line in shared):
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


def _build(name: str, candidates: list[tuple[int, ...]]) -> torch.nn.Module:
    for arguments in candidates:
        try:
            return getattr(torch.nn, name)(*arguments)
        except (TypeError, ValueError):
            continue
    raise AssertionError(f"cannot build nn.{name}")


def test_the_layer_tables_are_torch_facts() -> None:
    from torchlint.torch_facts import module_state as facts

    candidates = [(), (1,), (2,), (2, 2), (4, 4), ((2, 2), (1, 1)), (4, 4, 4)]
    for name in sorted(facts.STATELESS | facts.MODE_DEPENDENT):
        layer = _build(name, candidates)
        assert not list(layer.parameters()) and not list(layer.buffers()), name
    for name in sorted(facts.WITH_STATE | set(facts.NORMS)):
        layer = _build(name, [(4, 4), (2, 4), (4,), (4, 4, 4), (4, 2)])
        assert list(layer.parameters()) or list(layer.buffers()), name
    shapes = {"Dropout1d": (2, 4, 4), "Dropout3d": (2, 4, 4, 4, 4)}
    for name in sorted(facts.MODE_DEPENDENT):
        x = -torch.ones(shapes.get(name, (2, 4, 4, 4)))  # RReLU randomises negative inputs only
        layer = _build(name, [()])
        layer.eval()
        evaluated = layer(x)
        layer.train()
        torch.manual_seed(0)
        assert not torch.equal(layer(x), evaluated), name


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


def test_an_empty_placeholder_is_told_to_register_a_non_persistent_buffer() -> None:
    """Issue 17 item 2: ``anchors = torch.empty(0)`` refilled in forward with input-shaped values. The advice is
    a non-persistent buffer: followed, ``.to()`` moves the refilled value and state_dict() has no key; the
    persistent buffer it replaces would save a key whose shape depends on the input, so a fresh model rejects
    the checkpoint."""
    path = RULE_FIXTURES / "tl008_class_level_state.py"
    (message,) = [d.message for d in diagnostics(path) if d.code == "TL008" and d.line == 86]
    advised = 'self.register_buffer("anchors", torch.empty(0), persistent=False)'
    assert advised in message

    def following(statement: str) -> type[torch.nn.Module]:
        class Followed(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                exec(statement, {"torch": torch}, {"self": self})

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                if self.anchors.shape != x.shape:
                    self.anchors = torch.ones_like(x)
                return x + self.anchors

        return Followed

    model = following(advised)()
    model(torch.ones(2, 4))
    assert "anchors" not in model.state_dict()
    model.to(torch.float64)
    assert model.anchors.dtype == torch.float64, ".to() moves the value stored later"
    persistent = following(advised.replace("persistent=False", "persistent=True"))()
    persistent(torch.ones(2, 4))
    with pytest.raises(RuntimeError, match="size mismatch for anchors"):
        following(advised.replace("persistent=False", "persistent=True"))().load_state_dict(persistent.state_dict())


def test_a_placeholder_that_the_model_holding_it_moves_is_not_reported() -> None:
    """The twin of the placeholder above: a model's ``_apply`` moves its head's ``anchors``
    (``m.anchors = fn(m.anchors)``), so "not moved by .to()" would be false and nothing is reported."""
    path = RULE_FIXTURES / "tl008_moved_placeholder.py"
    module = import_fixture(path, "evidence_tl008_moved_placeholder")
    lines, start = inspect.getsourcelines(module.MovedPlaceholderHead)
    assert not [d for d in diagnostics(path) if start <= d.line < start + len(lines)]
    model = module.MovesItsHead()
    model(torch.ones(2, 4))
    model.to(torch.float64)
    assert model.head.anchors.dtype == torch.float64
