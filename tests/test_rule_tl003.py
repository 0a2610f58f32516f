"""TL003 module-in-plain-container: the findings are exactly the attributes whose modules torch does not
register, and the fix makes torch register them."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from lint_helpers import findings
from tl003_tl010_support import (
    NO_FIX,
    class_at,
    diagnostics,
    fixed_fixture,
    fixture_paths,
    flagged_attributes,
    import_path,
    marked_lines,
    module_classes,
    module_source,
    nested_values,
    plain_container_values,
    static_lines,
)

CODE = "TL003"
PATHS = fixture_paths("tl003")
FIXTURE = PATHS[0] if PATHS else Path("missing")


def unregistered_module_attributes(instance: torch.nn.Module) -> set[str]:
    """Attributes of the instance ``__dict__`` that are plain containers holding a module it does not register."""
    registered = {id(module) for module in instance.modules()}
    found = set()
    for name, value in vars(instance).items():
        elements = nested_values(value)
        if elements and any(isinstance(e, torch.nn.Module) and id(e) not in registered for e in elements):
            found.add(name)
    return found


def test_there_are_fixtures() -> None:
    assert PATHS
    assert sum(len(marked_lines(path, CODE)) for path in PATHS) >= 20
    assert sum(len(module_classes(import_path(path, f"count_{path.stem}"))) for path in PATHS) >= 30


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_findings_are_the_expected_lines(path: Path) -> None:
    assert sorted(static_lines(path, CODE)) == sorted(marked_lines(path, CODE))


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_fixes_are_offered_except_where_marked(path: Path) -> None:
    no_fix = marked_lines(path, CODE, NO_FIX)
    for diagnostic in diagnostics(path, CODE):
        if diagnostic.line in no_fix:
            assert diagnostic.fix is None, diagnostic
            assert "no automatic fix:" in diagnostic.message
        else:
            assert diagnostic.fix is not None and diagnostic.fix.applicability.value == "unsafe", diagnostic


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_findings_equal_the_runtime_unregistered_modules(path: Path) -> None:
    module = import_path(path, f"runtime_{CODE}_{path.stem}")
    flagged = flagged_attributes(path, CODE, module)
    for name, cls in module_classes(module).items():
        instance = cls()
        assert unregistered_module_attributes(instance) == flagged[name], name


def test_optimizer_over_a_list_of_layers_gets_no_parameters(tmp_path: Path) -> None:
    fixture = fixed_fixture(FIXTURE, CODE, tmp_path)
    model = fixture.before.OnlyLayersInList()
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        torch.optim.SGD(model.parameters(), lr=0.1)
    fixed = fixture.after.OnlyLayersInList()
    optimizer = torch.optim.SGD(fixed.parameters(), lr=0.1)
    before = [p.detach().clone() for p in fixed.layers[-1].parameters()]
    fixed(torch.ones(2, 4)).sum().backward()
    optimizer.step()
    assert any(not torch.equal(old, new) for old, new in zip(before, fixed.layers[-1].parameters()))


def test_fix_registers_every_module(tmp_path: Path) -> None:
    fixture = fixed_fixture(FIXTURE, CODE, tmp_path)
    fixed = [d for d in fixture.fixed if d.code == CODE]
    expected_fixed = marked_lines(FIXTURE, CODE) - marked_lines(FIXTURE, CODE, NO_FIX)
    assert {d.line for d in fixed} == expected_fixed
    checked = 0
    for diagnostic in fixed:
        class_name = class_at(fixture.before, diagnostic.line)
        attribute = diagnostic.message.split("`")[1].removeprefix("self.")
        old = getattr(fixture.before, class_name)()
        new = getattr(fixture.after, class_name)()
        old_value = getattr(old, attribute)
        elements = plain_container_values(old_value)
        assert elements, f"{class_name}.{attribute} is not a plain container before the fix"
        old_parameters = {id(p) for p in old.parameters()}
        assert not any(id(p) in old_parameters for e in elements for p in e.parameters())
        assert not any(key.startswith(f"{attribute}.") for key in old.state_dict())

        value = getattr(new, attribute)
        expected_type = torch.nn.ModuleDict if isinstance(old_value, dict) else torch.nn.ModuleList
        assert type(value) is expected_type, f"{class_name}.{attribute}"
        contained = list(value.values()) if isinstance(value, torch.nn.ModuleDict) else list(value)
        new_parameters = {id(p) for p in new.parameters()}
        assert all(id(p) in new_parameters for e in contained for p in e.parameters())
        keys = {key for key in new.state_dict() if key.startswith(f"{attribute}.")}
        assert len(keys) == sum(len(e.state_dict()) for e in contained) > 0 or not any(
            e.state_dict() for e in contained
        )
        assert set(old.state_dict()) <= set(new.state_dict())
        new.eval()
        assert not any(e.training for e in contained)
        moved = new.to("meta")
        assert all(p.device.type == "meta" for e in contained for p in e.parameters())
        assert moved is new
        checked += 1
    assert checked >= 15


def test_fixed_fixture_keeps_only_the_unfixable_findings(tmp_path: Path) -> None:
    fixture = fixed_fixture(FIXTURE, CODE, tmp_path)
    remaining = [d for d in fixture.remaining if d.code == CODE]
    assert all(d.fix is None for d in remaining)
    assert len(remaining) == len(marked_lines(FIXTURE, CODE, NO_FIX))
    unfixed_classes = {
        name for name, cls in module_classes(fixture.after).items() if unregistered_module_attributes(cls())
    }
    assert unfixed_classes == {class_at(fixture.before, line) for line in marked_lines(FIXTURE, CODE, NO_FIX)}
    copy = tmp_path / f"fixed_{FIXTURE.name}"
    again = tmp_path / "again"
    again.mkdir()
    assert fixed_fixture(copy, CODE, again).text == copy.read_text("utf-8"), "a second --fix changed the file"


def test_message_names_the_attribute_and_the_remedy() -> None:
    [diagnostic] = diagnostics(FIXTURE, CODE, text="""
import torch
from torch import nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.towers = {"a": nn.Linear(2, 2)}
""")
    assert "`self.towers`" in diagnostic.message
    assert "plain dict" in diagnostic.message
    assert "nn.ModuleDict(...)" in diagnostic.message


def test_fix_uses_the_files_spelling_of_torch_nn(tmp_path: Path) -> None:
    source = (
        "import torch.nn as tnn\n\n\n"
        "class M(tnn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.layers = [tnn.Linear(2, 2)]\n"
    )
    path = tmp_path / "m.py"
    path.write_text(source, encoding="utf-8")
    fixed = fixed_fixture(path, CODE, tmp_path).text
    assert "self.layers = tnn.ModuleList([tnn.Linear(2, 2)])" in fixed


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("self.layers = [nn.Linear(2, 2)]", 8),
        ("self.heads = {'a': nn.Linear(2, 2)}", 8),
        ("self.layers = []\nfor _ in range(2):\n    self.layers.append(nn.Linear(2, 2))", 8),
        ("layers = [nn.Linear(2, 2)]\nself.layers = list(layers)", 9),
    ],
)
def test_reported(body: str, line: int) -> None:
    assert [d.line for d in diagnostics(FIXTURE, CODE, text=module_source(body))] == [line]


@pytest.mark.parametrize(
    "body",
    [
        "self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])",
        "self.sizes = [1, 2, 3]",
        "self.kernel = (3, 3)",
        "self.dtypes = (torch.float16, torch.float32)",
        "layers = [nn.Linear(2, 2)]\nself.net = nn.Sequential(*layers)",
        "layers = [nn.Linear(2, 2)]\nself.layers = layers\nself.net = nn.Sequential(*layers)",
        "self.a = nn.Linear(2, 2)\nself.group = (self.a,)",
        "self.layers = [nn.Linear(2, 2)]\nself.layers = nn.ModuleList(self.layers)",
        "self.layers = []\nself.layers.append(nn.Linear(2, 2))\nself.layers = nn.ModuleList(self.layers)",
        "self.layers = [m for m in self.children()]",
        "self.layers = list(self.children())",
    ],
)
def test_not_reported(body: str) -> None:
    assert [d.line for d in diagnostics(FIXTURE, CODE, text=module_source(body))] == []


def test_not_reported_in_forward() -> None:
    source = """
        import torch
        from torch import nn

        class M(nn.Module):
            def forward(self, x):
                self.trace = [nn.Identity()]
                return x
    """
    assert [code for _, _, code in findings(source) if code == CODE] == []
