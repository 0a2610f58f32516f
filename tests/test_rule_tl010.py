"""TL010 tensor-assigned-in-forward: the findings are exactly the plain tensors that forward and hooks leave in
the instance ``__dict__``, and declaring them as buffers makes ``.to()`` move them."""

from __future__ import annotations

import re
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
    manages_own_tensors,
    marked_lines,
    module_classes,
    module_source,
    same_file_mro,
    static_lines,
)

from torchlint.engine.registry import rule_by_code

CODE = "TL010"
PATHS = fixture_paths("tl010")
FIXTURE = PATHS[0] if PATHS else Path("missing")
UNSAFE = re.compile(r"#.*\bunsafe\b")
KNOWN_MISS = re.compile(r"self\.(\w+) = .*#\s*known-miss\b")
INPUT = (2, 4)


def forward_tensor_attributes(instance: torch.nn.Module) -> set[str]:
    """Attributes that hold a plain tensor after a call but did not after construction."""
    if manages_own_tensors(type(instance)):
        return set()
    before = {name for name, value in vars(instance).items() if isinstance(value, torch.Tensor)}
    if not any("forward" in vars(cls) for cls in same_file_mro(type(instance))):
        return set()
    instance(torch.ones(*INPUT))
    return {
        name for name, value in vars(instance).items()
        if isinstance(value, torch.Tensor) and not isinstance(value, torch.nn.Parameter) and name not in before
    }


def known_misses(path: Path, module: object) -> dict[str, set[str]]:
    misses: dict[str, set[str]] = {}
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        match = KNOWN_MISS.search(line)
        if match:
            misses.setdefault(class_at(module, number), set()).add(match.group(1))  # type: ignore[arg-type]
    return misses


def test_rule_is_off_by_default() -> None:
    assert not rule_by_code()[CODE].default_enabled
    source = """
        import torch
        from torch import nn

        class M(nn.Module):
            def forward(self, x):
                self.last = torch.zeros(2)
                return x
    """
    assert findings(source) == []


def test_there_are_fixtures() -> None:
    assert PATHS
    assert sum(len(marked_lines(path, CODE)) for path in PATHS) >= 15


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_findings_are_the_expected_lines(path: Path) -> None:
    assert sorted(static_lines(path, CODE)) == sorted(marked_lines(path, CODE))


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_fix_availability_and_safety_are_as_marked(path: Path) -> None:
    no_fix, unsafe = marked_lines(path, CODE, NO_FIX), marked_lines(path, CODE, UNSAFE)
    for diagnostic in diagnostics(path, CODE):
        if diagnostic.line in no_fix:
            assert diagnostic.fix is None and "no automatic fix:" in diagnostic.message, diagnostic
            continue
        assert diagnostic.fix is not None, diagnostic
        expected = "unsafe" if diagnostic.line in unsafe else "safe"
        assert diagnostic.fix.applicability.value == expected, diagnostic


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_findings_equal_the_runtime_forward_tensors(path: Path) -> None:
    module = import_path(path, f"runtime_{CODE}_{path.stem}")
    flagged = flagged_attributes(path, CODE, module)
    misses = known_misses(path, module)
    for name, cls in module_classes(module).items():
        runtime = forward_tensor_attributes(cls())
        assert misses.get(name, set()) <= runtime, f"{name}: a known-miss line stores no tensor"
        assert runtime - misses.get(name, set()) == flagged[name], name


def test_fix_declares_buffers_that_follow_the_module(tmp_path: Path) -> None:
    fixture = fixed_fixture(FIXTURE, CODE, tmp_path)
    fixed = [d for d in fixture.fixed if d.code == CODE]
    assert {d.line for d in fixed} == marked_lines(FIXTURE, CODE) - marked_lines(FIXTURE, CODE, NO_FIX)
    checked = set()
    for diagnostic in fixed:
        class_name = class_at(fixture.before, diagnostic.line)
        attribute = diagnostic.message.split("`")[1].removeprefix("self.")
        old = getattr(fixture.before, class_name)()
        old(torch.ones(*INPUT))
        assert isinstance(vars(old).get(attribute), torch.Tensor), f"{class_name}.{attribute}"
        old.to("meta")
        assert vars(old)[attribute].device.type == "cpu", "a plain attribute is not moved"

        new = getattr(fixture.after, class_name)()
        keys = set(new.state_dict())
        assert attribute in new._buffers and new._buffers[attribute] is None
        new(torch.ones(*INPUT))
        assert attribute in new._buffers and attribute not in vars(new), f"{class_name}.{attribute}"
        assert isinstance(getattr(new, attribute), torch.Tensor)
        assert set(new.state_dict()) == keys == set(old.state_dict()), "state_dict keys changed"
        new.to("meta")
        assert getattr(new, attribute).device.type == "meta", f"{class_name}.{attribute}: not moved"
        checked.add((class_name, attribute))
    assert len(checked) >= 8
    remaining = [d for d in fixture.remaining if d.code == CODE]  # lines of the fixed text
    assert len(remaining) == len(marked_lines(FIXTURE, CODE, NO_FIX)) and all(d.fix is None for d in remaining)
    again = tmp_path / "again"
    again.mkdir()
    copy = tmp_path / f"fixed_{FIXTURE.name}"
    assert fixed_fixture(copy, CODE, again).text == copy.read_text("utf-8"), "a second --fix changed the file"


def test_one_declaration_for_several_assignments(tmp_path: Path) -> None:
    text = fixed_fixture(FIXTURE, CODE, tmp_path).text
    assert text.count('self.register_buffer("last", None, persistent=False)') == 1


def test_declaration_goes_right_after_super_init(tmp_path: Path) -> None:
    source = (
        "import torch\nfrom torch import Tensor, nn\n\n\n"
        "class M(nn.Module):\n"
        "    def __init__(this, n: int = 2) -> None:\n"
        '        """Docs."""\n'
        "        super().__init__()  # base first\n"
        "        this.n = n\n\n"
        "    def forward(this, x: Tensor) -> Tensor:\n"
        "        this.y = x * 2\n"
        "        return x\n"
    )
    path = tmp_path / "m.py"
    path.write_text(source, encoding="utf-8")
    text = fixed_fixture(path, CODE, tmp_path).text
    assert text == source.replace(
        "        super().__init__()  # base first\n",
        '        super().__init__()  # base first\n        this.register_buffer("y", None, persistent=False)\n',
    )


@pytest.mark.parametrize(
    "body",
    [
        "self.register_forward_hook(self._hook)",
        "self.inner = nn.Identity()\nself.inner.register_forward_pre_hook(self._hook)",
        "handle = self.register_full_backward_hook(hook=self._hook)",
    ],
)
def test_hook_methods_registered_in_init_are_analysed(body: str) -> None:
    source = module_source(body) + "\n    def _hook(self, *args):\n        self.h = torch.zeros(1)\n"
    [diagnostic] = diagnostics(FIXTURE, CODE, text=source)
    assert "`self.h`" in diagnostic.message and "_hook()" in diagnostic.message


def test_methods_not_registered_as_hooks_are_not_analysed() -> None:
    source = module_source("self.callback = self._hook") + "\n    def _hook(self, *args):\n        self.h = torch.zeros(1)\n"
    assert diagnostics(FIXTURE, CODE, text=source) == []


def test_statistics_of_the_input_are_told_only_what_is_true() -> None:
    """RevIN: statistics computed from one call's input and read by the next call. The device claim is moot
    (they are recomputed from the input) and a buffer does not help nn.DataParallel, so the message says so."""
    import textwrap

    from torchlint.engine.linter import lint_text
    from torchlint.engine.registry import rule_by_code

    source = textwrap.dedent("""
        import torch
        from torch import nn

        class RevIN(nn.Module):
            def __init__(self):
                super().__init__()
                self.mean = None

            def forward(self, x, mode):
                if mode == "norm":
                    self._statistics(x)
                    return x - self.mean
                self.noise = torch.randn(4)
                return x + self.mean

            def _statistics(self, x):
                self.mean = torch.mean(x, dim=1, keepdim=True).detach()
    """)
    found = {d.line: d.message for d in lint_text(source, "t.py", [rule_by_code()["TL010"]])}
    assert sorted(found) == [14, 18]
    assert "computed from _statistics()'s arguments" in found[18] and ".to() does not move it" not in found[18]
    assert "nn.DataParallel replicas lose it (a later call reads the original module's stale value, buffer or not)" \
        in found[18]
    assert ".to() does not move it" in found[14]
