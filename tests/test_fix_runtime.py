"""Every fix, applied to every fixture, proven by instantiating the fixed modules with torch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from fixture_runtime import fixture_paths, load

from torchlint.contract.rule import Applicability
from torchlint.engine.fix_loop import fix_text
from torchlint.engine.linter import lint_text
from torchlint.engine.registry import all_rules
from torchlint.runtime import Site

RULES = [rule for rule in all_rules() if rule.code in ("TL001", "TL002")]


def _fixed_copy(path: Path, tmp_path: Path) -> tuple[Path, list[tuple[int, str, Applicability]]]:
    text = path.read_text("utf-8")
    result = fix_text(text, str(path), RULES, allowed=lambda d: True)
    copy = tmp_path / path.name
    copy.write_text(result.text, encoding="utf-8")
    fixed = [(d.line, d.code, d.fix.applicability) for d in result.fixed if d.fix is not None]
    return copy, fixed


_PROBES = ((2, 8), (2, 4), (1, 4, 8), (2, 16), (4,), (8,), (1, 3, 8, 8), (2, 4, 8))


def _compare_forward(before: dict[str, type], after: dict[str, type], qualnames: set[str]) -> int:
    """Run forward of each fixed class before and after the fix on the same probe input (the first probe
    shape the original accepts) and require the same output. Returns how many classes were compared."""
    compared = 0
    for qualname in sorted(qualnames):
        if qualname not in before or qualname not in after or "<locals>" in qualname:
            continue
        for shape in _PROBES:
            torch.manual_seed(0)
            old = before[qualname]().eval()
            torch.manual_seed(0)
            new = after[qualname]().eval()
            torch.manual_seed(1)
            probe = torch.randn(*shape)
            try:
                with torch.no_grad():
                    expected = old(probe)
            except Exception:
                continue
            with torch.no_grad():
                actual = new(probe.clone())
            assert isinstance(expected, torch.Tensor) == isinstance(actual, torch.Tensor)
            if isinstance(expected, torch.Tensor):
                assert torch.equal(expected, actual), f"{qualname}: forward output changed by the fix"
                compared += 1
            break
    return compared


def _sites_by_line(sites: list[Site]) -> dict[tuple[int, str], list[Site]]:
    grouped: dict[tuple[int, str], list[Site]] = {}
    for site in sites:
        grouped.setdefault((site.line, site.code), []).append(site)
    return grouped


def _outside_instances(module: object, name: str) -> list[str]:
    """The module's global module instances that hold a plain tensor ``name`` that their class never sets
    (set from outside the class, by the module's own code)."""
    found = []
    for key, value in vars(module).items():
        if isinstance(value, torch.nn.Module) and isinstance(vars(value).get(name), torch.Tensor):
            found.append(key)
    return found


def _check_outside_fix(before: object, after: object, name: str, applicability: Applicability) -> None:
    for key in _outside_instances(before, name):
        old, new = getattr(before, key), getattr(after, key)
        assert name in new._buffers, f"{key}.{name}: not a buffer after the fix"
        assert set(new.state_dict()) == set(old.state_dict()), f"{key}.{name}: state_dict keys changed"
        value = new.get_buffer(name)
        if applicability is Applicability.SAFE:
            assert not value.is_floating_point(), f"{key}.{name}: a safe fix registered a floating tensor"
        assert getattr(new.to("meta"), name).device.type == "meta", f"{key}.{name}: not moved by .to('meta')"


@pytest.mark.parametrize("path", fixture_paths(), ids=lambda path: path.name)
def test_fixed_fixture_registers_moves_and_keeps_checkpoints(path: Path, tmp_path: Path) -> None:
    before_module, before_recording, before_classes = load(path, "before")
    copy, fixed = _fixed_copy(path, tmp_path)
    if not fixed:
        pytest.skip("no fixable findings")
    shutil.copy(copy, tmp_path / "fixed_module.py")
    after_module, after_recording, after_classes = load(copy, "after")
    sites = _sites_by_line([s for s in before_recording.sites if s.filename == str(path)])
    before = {cls.__qualname__: cls for cls in before_classes}
    after = {cls.__qualname__: cls for cls in after_classes}
    tl002_names = {site.attribute for line, code, _ in fixed if code == "TL002" for site in sites[(line, code)]}
    checked = 0
    for line, code, applicability in fixed:
        for site in sites[(line, code)]:
            if code == "TL001" and _outside_instances(before_module, site.attribute):
                _check_outside_fix(before_module, after_module, site.attribute, applicability)
                checked += 1
                continue
            qualname = site.cls.split(".", 1)[1]  # drop the fixture's module name
            old_cls, new_cls = before.get(qualname), after.get(qualname)
            if old_cls is None or new_cls is None or "<locals>" in qualname:
                continue  # a class built only through fixture_instances()
            old, new = old_cls(), new_cls()
            name = site.attribute
            if code == "TL001":
                assert name in new._buffers, f"{site}: not a buffer after the fix"
                old_keys = set(old.state_dict())
                new_keys = set(new.state_dict()) - {k for k in new.state_dict() if k.split(".")[-1] in tl002_names}
                assert new_keys == old_keys, f"{site}: state_dict keys changed"
                new.load_state_dict(old.state_dict(), strict=False)
                missing = new.load_state_dict(
                    {**old.state_dict(), **{k: v for k, v in new.state_dict().items() if k not in old_keys}},
                    strict=True,
                )
                assert not missing.missing_keys and not missing.unexpected_keys
                value = getattr(new, name)
                if value is None:  # declared in __init__ for a method that assigns it later: tests/test_later_methods.py
                    checked += 1
                    continue
                if applicability is Applicability.SAFE:
                    assert not value.is_floating_point(), f"{site}: a safe fix registered a floating tensor"
                    assert new.half().get_buffer(name).dtype == value.dtype
                    assert new.to(torch.float64).get_buffer(name).dtype == value.dtype
                elif value.is_floating_point():
                    assert new.to(torch.float64).get_buffer(name).dtype == torch.float64
            else:
                assert name in dict(new.named_parameters()), f"{site}: not a Parameter after the fix"
            assert getattr(new.to("meta"), name).device.type == "meta", f"{site}: not moved by .to('meta')"
            checked += 1
    assert checked, "no fixed site could be checked"
    fixed_classes = {site.cls.split(".", 1)[1] for line, code, _ in fixed for site in sites[(line, code)]}
    compared = _compare_forward(before, after, fixed_classes)
    if any("forward" in vars(before[q]) for q in fixed_classes if q in before and "<locals>" not in q):
        assert compared, "no fixed class with a forward could be run on a probe input"
    again = lint_text(copy.read_text("utf-8"), str(copy), RULES)
    assert not [d for d in again if d.fix is not None], "a fixable finding remains after fixing everything"
    second = fix_text(copy.read_text("utf-8"), str(copy), RULES, allowed=lambda d: True)
    assert second.text == copy.read_text("utf-8"), "a second --fix changed the file again"
