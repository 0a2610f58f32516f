"""TL006 invalid-registration-name: exactly the registrations that raise KeyError, and a fix that works."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import torch
from rule_fixture_runtime import (
    check_error_agreement,
    error_sites,
    expected,
    fixture_paths,
    import_fixture,
    module_classes,
    run_class,
    static,
)

from torchlint.contract.rule import Applicability
from torchlint.engine.fix_loop import fix_text
from torchlint.engine.linter import lint_text
from torchlint.engine.registry import rule_by_code

PATHS = fixture_paths("tl006")
TL006 = [rule_by_code()["TL006"]]
EXISTS = re.compile(r"""KeyError: "attribute '(\w+)' already exists\"""")


def test_there_are_fixtures() -> None:
    assert sum(code == "TL006" for path in PATHS for _, code in expected(path)) >= 20


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_findings_are_the_expected_lines(path: Path) -> None:
    assert sorted(static(path)) == sorted(expected(path))


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_findings_promise_the_runtime_error(path: Path) -> None:
    check_error_agreement(path, "TL006", "KeyError")


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_fixed_classes_construct_and_register(path: Path, tmp_path: Path) -> None:
    text = path.read_text("utf-8")
    result = fix_text(text, str(path), TL006, allowed=lambda d: True)
    fixed_lines = {d.line for d in result.fixed}
    assert all(d.fix is not None and d.fix.applicability is Applicability.SAFE for d in result.fixed)
    if not fixed_lines:
        pytest.skip("no fixes")
    copy = tmp_path / path.name
    copy.write_text(result.text, encoding="utf-8")
    before = {site.cls: site for site in error_sites(path)}
    after_module = import_fixture(copy, f"fixed_{path.stem}")
    checked = 0
    for cls in module_classes(after_module):
        site = before.get(cls.__name__)
        if site is None or site.line not in fixed_lines:
            continue
        assert run_class(cls, copy) is None, f"{cls.__name__} still raises after the fix"
        name = EXISTS.search(site.text)
        assert name is not None
        instance = cls()
        registered = {**instance._buffers, **instance._parameters, **instance._modules}
        assert name.group(1) in registered and name.group(1) not in vars(instance), cls.__name__
        checked += 1
    assert checked == len(fixed_lines)
    assert not {d.line for d in lint_text(result.text, str(copy), TL006)} & fixed_lines


def test_fixed_buffer_holds_the_value_the_code_meant() -> None:
    (path,) = [p for p in PATHS if p.name == "tl006_registration_names.py"]
    result = fix_text(path.read_text("utf-8"), str(path), TL006, allowed=lambda d: True)
    namespace: dict[str, object] = {}
    exec(compile(result.text, str(path), "exec"), namespace)  # noqa: S102 - the fixed fixture
    read_between = namespace["ReadBetween"]()  # type: ignore[operator]
    freqs = torch.arange(4) * 2.0 * 0.5
    assert torch.equal(read_between.freqs, freqs / 4 + freqs)
    assert "freqs" in read_between.state_dict()


def fix_of(source: str) -> tuple[list[tuple[int, str]], str]:
    """TL006 findings (line, no-fix reason or 'fix') and the text after applying the fixes."""
    text = textwrap.dedent(source)
    found = lint_text(text, "t.py", TL006)
    result = fix_text(text, "t.py", TL006, allowed=lambda d: True)
    return [(d.line, "fix" if d.fix else d.message.rsplit("(no automatic fix: ", 1)[-1]) for d in found], result.text


HEADER = """
import torch
from torch import nn

class M(nn.Module):
    def __init__(self, n=4):
        super().__init__()
"""


def test_local_name_avoids_every_name_the_method_uses() -> None:
    body = """\
        mask = 1
        mask_value = [mask]
        self.mask = torch.ones(n)
        self.register_buffer("mask", self.mask.bool())
    """
    _, fixed = fix_of(HEADER + textwrap.indent(textwrap.dedent(body), "        "))
    assert "mask_1 = torch.ones(n)" in fixed and 'self.register_buffer("mask", mask_1.bool())' in fixed


@pytest.mark.parametrize(
    ("between", "reason"),
    [
        ("self.reset()", "`self.reset()` runs between"),
        ("fn = lambda: self.cache", "nested function"),
        ("log(self)", "`self` itself is used"),
        ("self.cache = 2", "assigned more than once"),
        ("setattr(self, 'cache', 3)", "not a single"),
        ("if n > 8:\n    return", "may skip the registration"),
    ],
)
def test_no_fix_when_something_may_observe_the_attribute(between: str, reason: str) -> None:
    source = HEADER + textwrap.indent(
        f"self.cache = 1\n{between}\nself.register_buffer('cache', torch.zeros(n))\n", "        "
    ) + "\n    def reset(self):\n        pass\n\ndef log(x):\n    pass\n"
    found, fixed = fix_of(source)
    assert len(found) == 1 and reason in found[0][1], found
    assert "        self.cache = 1\n" in fixed


def test_no_fix_inside_a_loop() -> None:
    source = HEADER + textwrap.indent(
        "self.level = 0\nfor i in range(2):\n    self.register_buffer('level', torch.zeros(n))\n", "        "
    )
    found, _ = fix_of(source)
    assert found == [(10, "the registration is inside a loop)")]


@pytest.mark.parametrize(
    "wrapper", ["if n > 2:", "with torch.no_grad():", "try:"],
)
def test_no_fix_when_the_registration_may_not_run(wrapper: str) -> None:
    handler = "\nexcept KeyError:\n    pass" if wrapper == "try:" else ""
    source = HEADER + textwrap.indent(
        f"self.cache = None\n{wrapper}\n    self.register_buffer('cache', torch.zeros(n)){handler}\n", "        "
    )
    found, _ = fix_of(source)
    assert len(found) == 1 and "in another block" in found[0][1], found


def test_no_fix_when_a_same_file_base_init_runs_in_between() -> None:
    source = """
        import torch
        from torch import nn

        class Base(nn.Module):
            def __init__(self):
                super().__init__()

        class M(Base):
            def __init__(self):
                self.scale = 2.0
                super().__init__()
                self.register_buffer("scale", torch.tensor(self.scale))
    """
    found, _ = fix_of(source)
    assert found == [(13, "`super().__init__()` runs between the assignment and the registration)")]


def test_fix_across_super_init_that_only_reaches_torch() -> None:
    source = """
        import torch
        from torch import nn

        class M(nn.Module):
            def __init__(self):
                self.scale = 2.0
                super().__init__()
                self.register_buffer("scale", torch.tensor(self.scale))
    """
    found, fixed = fix_of(source)
    assert found == [(9, "fix")]
    assert "scale = 2.0" in fixed and 'torch.tensor(scale)' in fixed
    namespace: dict[str, object] = {}
    exec(compile(fixed, "t.py", "exec"), namespace)  # noqa: S102
    assert namespace["M"]().scale.item() == 2.0  # type: ignore[operator]
