"""Importing torchlint, its runtime API, its test helpers, its pytest plugin or its audit command loads no torch."""

from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = [
    "torchlint",
    "torchlint.runtime",
    "torchlint.testing",
    "torchlint.runtime.pytest_plugin",
    "torchlint.commands.audit_command",
]


@pytest.mark.parametrize("module", MODULES)
def test_import_does_not_load_torch(module: str) -> None:
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        "loaded = sorted(name for name in sys.modules if name == 'torch' or name.startswith('torch.'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"importing {module} loaded {result.stdout.strip()}"


def test_using_the_runtime_api_loads_torch() -> None:
    """The control: the same check does see torch once the API is used."""
    code = "import sys\nfrom torchlint.runtime import record\nwith record():\n    pass\nprint('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "True", result.stderr
