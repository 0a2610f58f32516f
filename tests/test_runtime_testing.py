"""torchlint.testing.assert_registered and the torchlint_record pytest fixture."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest
from audit_models import MODELS, marked
from audit_models import models as m

from torchlint.runtime import audit, record
from torchlint.testing import assert_registered, format_findings


def test_a_clean_model_passes() -> None:
    assert_registered(m.Clean())


def test_the_message_lists_every_finding_with_code_path_class_and_site(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the models are not under it: sites are shown with their full path
    with record() as recording:
        model = m.Net(n_layers=1)
    with pytest.raises(AssertionError) as raised:
        assert_registered(model, recording=recording)
    lines = str(raised.value).splitlines()
    net, attention = "audit_models.models.Net", "audit_models.models.Attention"
    assert lines[0] == "5 findings: model state escapes nn.Module registration"
    headers = [line for line in lines[1:] if not line.startswith("      ")]
    assert headers == [
        f"  TL003 heads  [module <root>, class {net}, {MODELS}:{marked('TL003')[0]}]",
        f"  TL004 scales  [module <root>, class {net}, {MODELS}:{marked('TL004')[0]}]",
        f"  TL004 cache  [module <root>, class {net}, {MODELS}:{marked('TL004')[1]}]",
        f"  TL001 encoder.layers.0.mask  [module encoder.layers.0, class {attention}, {MODELS}:{marked('TL001')[0]}]",
        f"  TL002 encoder.layers.0.temperature  [module encoder.layers.0, class {attention}, "
        f"{MODELS}:{marked('TL002')[0]}]",
    ]
    explanations = [line for line in lines[1:] if line.startswith("      ")]
    assert len(explanations) == 5
    assert explanations[3].strip().startswith("is a plain tensor, not a registered buffer")


def test_open_recordings_are_used_and_unknown_sites_are_said_so() -> None:
    with record():
        model = m.Attention()
        with pytest.raises(AssertionError, match=rf"models\.py:{marked('TL001')[0]}\]"):
            assert_registered(model)
    with pytest.raises(AssertionError, match=r"TL001 mask  \[module <root>, class .*, assignment not recorded\]"):
        assert_registered(model)


def test_ignore() -> None:
    model = m.Net()
    assert_registered(model, ignore=("TL00",))
    assert_registered(model, ignore=["TL003", "TL004", "*.mask", "*.Attention.temperature"])
    with pytest.raises(AssertionError, match=r"^2 findings") as raised:
        assert_registered(model, ignore=["TL003", "TL004", "encoder.layers.1.*"])
    assert "encoder.layers.1" not in str(raised.value)


def test_format_findings_of_one_shows_sites_relative_to_the_current_directory(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with record() as recording:
        model = m.SetattrOverride()
    monkeypatch.chdir(MODELS.parent.parent)
    lines = format_findings(audit(model, recording=recording)).splitlines()
    assert lines[0] == "1 finding: model state escapes nn.Module registration"
    line = marked("TL001")[1]
    assert lines[1] == f"  TL001 table  [module <root>, class audit_models.models.SetattrOverride, {Path('audit_models', 'models.py')}:{line}]"


def _plugin_installed() -> bool:
    return any(ep.value == "torchlint.runtime.pytest_plugin" for ep in metadata.entry_points(group="pytest11"))


def test_pytest_fixture_in_a_real_pytest_run(tmp_path: Path) -> None:
    test_file = tmp_path / "test_model.py"
    test_file.write_text(textwrap.dedent("""\
        import torch
        from torch import nn

        from torchlint.testing import assert_registered


        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = nn.Linear(2, 2)
                self.mask = torch.ones(2)


        class Fine(nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = nn.Linear(2, 2)


        def test_fine(torchlint_record):
            assert_registered(Fine())
            assert torchlint_record.sites == []


        def test_model(torchlint_record):
            assert_registered(Model())
    """))
    plugin = [] if _plugin_installed() else ["-p", "torchlint.runtime.pytest_plugin"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *plugin, "-p", "no:cacheprovider", "-q", str(test_file)],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300,
    )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "1 failed, 1 passed" in out
    assert "E         TL001 mask  [module <root>, class test_model.Model, test_model.py:11]" in out
    assert "def assert_registered(" not in out  # the helper's own frame is hidden
