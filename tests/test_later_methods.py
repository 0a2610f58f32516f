"""TL001 on tensors that methods other than ``__init__`` assign (tests/fixtures/later_methods.py): the
findings, and the fix (declare the buffer in ``__init__``) proven with torch: once the method runs, the
tensor is a buffer that .to() moves, and state_dict() keys do not change."""

from __future__ import annotations

from pathlib import Path

import torch
from fixture_runtime import FIXTURES, load

from torchlint.contract.rule import Applicability
from torchlint.engine.fix_loop import fix_text
from torchlint.engine.linter import lint_text
from torchlint.engine.registry import all_rules

RULES = [rule for rule in all_rules() if rule.code in ("TL001", "TL010")]
FIXTURE = FIXTURES / "later_methods.py"


def _line(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_later_assignments_are_reported_with_the_method_named() -> None:
    text = FIXTURE.read_text("utf-8")
    found = {(d.line, d.code): d for d in lint_text(text, str(FIXTURE), RULES)}
    noise = found[(_line(text, "self.noise = "), "TL001")]
    assert "in set_rng_device_and_dtype()" in noise.message
    assert noise.fix is not None and noise.fix.applicability is Applicability.UNSAFE  # floating: .half() casts it
    counter = found[(_line(text, "self.counter = "), "TL001")]
    assert counter.fix is not None and counter.fix.applicability is Applicability.SAFE  # an integer tensor
    assert (_line(text, "self.last_input = "), "TL010") in found  # forward stays TL010's
    assert (_line(text, "self.last_input = "), "TL001") not in found
    for quiet in ("self.registered = torch.ones", "self.history = ", "self.cache = ", "nn.Parameter(torch.ones"):
        assert (_line(text, quiet), "TL001") not in found, quiet


def test_declaring_the_buffer_registers_it_once_the_method_runs(tmp_path: Path) -> None:
    text = FIXTURE.read_text("utf-8")
    fixed = fix_text(text, str(FIXTURE), [r for r in RULES if r.code == "TL001"], allowed=lambda d: True).text
    assert 'self.register_buffer("noise", None, persistent=False)' in fixed
    copy = tmp_path / "later_methods.py"
    copy.write_text(fixed, encoding="utf-8")
    before_module, _, _ = load(FIXTURE, "later_before")
    after_module, recording, _ = load(copy, "later_after")
    assert not [site for site in recording.sites if site.code == "TL001"], recording.sites
    old, new = before_module.Diffusion(), after_module.Diffusion()
    assert "noise" in new.generator._buffers and "counter" in new.generator._buffers
    assert set(new.state_dict()) == set(old.state_dict())
    assert new.to("meta").generator.noise.device.type == "meta"
    assert new.generator.counter.dtype == torch.long and new.half().generator.counter.dtype == torch.long
    stateful = after_module.Stateful()
    stateful.reset_state()
    assert "hidden" in stateful._buffers
