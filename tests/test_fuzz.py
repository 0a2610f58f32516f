"""Fuzzing (issue 8): generated and mutated files never crash torchlint, and every fix parses, is idempotent
and changes only the lines of what it fixed. The properties and input strategies are in ``fuzz_support``.

Runs are bounded by example count and derandomized, so every run tries the same inputs; the longer run is
``python benchmarks/fuzz.py --examples N [--seed S]``. A failure that is found and not yet fixed is recorded in
``KNOWN_FAILURES`` as a strict xfail with its minimal reproducer; the fix flips it.
"""

from __future__ import annotations

import pytest
from fuzz_support import (
    FIXTURES,
    NO_ROUND_TRIP,
    SETTINGS,
    TEMPLATE_HEADER,
    Failure,
    FixRound,
    check_round,
    check_source,
    failure_of,
    hypothesmith_programs,
    minimise,
    mutated_fixtures,
    recorded_rounds,
    torch_programs,
)
from hypothesis import HealthCheck, given, note, reject, settings
from hypothesis import strategies as st

from torchlint.fix_loop import fix_text
from torchlint.registry import all_rules
from torchlint.settings import DEFAULT, Settings

BOUNDED = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
# The command line raises the recursion limit for deep input (torchlint.deep_stack); hypothesis notes that.
pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")
# Failures recorded in KNOWN_FAILURES that the engine does not handle yet: inputs that hit them are skipped
# here (and still counted by benchmarks/fuzz.py). Remove a signature once its known failures pass.
TOLERATED = {NO_ROUND_TRIP}


def check(data: bytes, fix_settings: Settings = DEFAULT) -> None:
    try:
        check_source(data, fix_settings)
    except Failure as failure:
        if failure.signature in TOLERATED:
            reject()
        raise


@settings(BOUNDED, max_examples=120)
@given(torch_programs(), st.sampled_from(SETTINGS))
def test_generated_torch_programs(text: str, fix_settings: Settings) -> None:
    check(text.encode(), fix_settings)


@settings(BOUNDED, max_examples=40)
@given(hypothesmith_programs())
def test_hypothesmith_grammar_programs_in_a_module(text: str) -> None:
    check(text.encode())


@settings(BOUNDED, max_examples=8)
@given(hypothesmith_programs(node=True))
def test_hypothesmith_libcst_programs_in_a_module(text: str) -> None:
    check(text.encode())


@settings(BOUNDED, max_examples=30)
@given(mutated_fixtures(), st.sampled_from(SETTINGS))
def test_mutated_fixture_files(mutated: tuple[str, bytes], fix_settings: Settings) -> None:
    description, data = mutated
    note(description)
    check(data, fix_settings)


@pytest.mark.parametrize(("name", "data"), FIXTURES, ids=[name for name, _ in FIXTURES])
def test_fixture_files_as_they_are(name: str, data: bytes) -> None:
    check_source(data, cli=False)


# --- failures found by fuzzing, with their minimal reproducers ------------------------------------------

KNOWN_FAILURES: list[tuple[str, bytes, str]] = [
    (
        "cr-line-endings-lose-the-final-newline",
        b"import torch\rfrom torch import nn\rclass M(nn.Module):\r    def __init__(self):\r"
        b"        super().__init__()\r        self.x = torch.ones(3)\rx = 1\r",
        "the fixed file loses its final \\r: LibCST's Module.code drops it (parse_module('x = 1\\r').code == 'x = 1')",
    ),
    (
        "blank-line-before-a-whitespace-last-line-is-dropped",
        b"import torch\nfrom torch import nn\nclass M(nn.Module):\n    def __init__(self):\n"
        b"        super().__init__()\n        self.x = torch.ones(3)\n\n \n",
        "LibCST drops the blank line: parse_module('x = 1\\n\\n \\n').code == 'x = 1\\n \\n'",
    ),
    (
        "comment-before-a-whitespace-last-line-is-deleted",
        b"import torch\nfrom torch import nn\nclass M(nn.Module):\n    def __init__(self):\n"
        b"        super().__init__()\n        self.x = torch.ones(3)\n  # keep me\n \n",
        "LibCST drops the comment: parse_module('x = 1\\n  # c\\n \\n').code == 'x = 1\\n \\n'",
    ),
]


@pytest.mark.parametrize(
    "data",
    [pytest.param(data, id=name, marks=pytest.mark.xfail(strict=True, raises=Failure, reason=reason))
     for name, data, reason in KNOWN_FAILURES],
)
def test_known_failures(data: bytes) -> None:
    check_source(data)


# --- the properties catch what they are meant to catch --------------------------------------------------

FIXABLE = TEMPLATE_HEADER + "        self.mask = torch.ones(3)\n        self.n = 1\n\n\nx = 1\n"


def _rounds(text: str) -> tuple[str, list[FixRound]]:
    with recorded_rounds() as rounds:
        result = fix_text(text, "f.py", all_rules(), allowed=lambda d: True)
    return result.text, rounds


def test_locality_check_accepts_the_real_fix_and_rejects_other_changes() -> None:
    fixed, rounds = _rounds(FIXABLE)
    assert len(rounds) == 1 and 'register_buffer("mask"' in fixed
    check_round(rounds[0])
    for bad, message in (
        (fixed.replace("self.n = 1", "self.n = 2"), "original line 9 '        self.n = 1\\n' does not follow"),
        (fixed.replace("\n\nx = 1", "\n\nimport os\nx = 1"), "its line 12 is 'import os\\n'"),
        (fixed.replace("import torch\n", "import torch\r\n"), "its line 1 is 'import torch\\r\\n'"),
        (fixed.replace("\n\n\nx = 1", "\n\nx = 1"), "original line 11 '\\n' does not follow"),
        (fixed + "y = 2\n", "the fixed text goes on after its line 12"),
    ):
        rounds[0].after = bad
        with pytest.raises(Failure, match="touches other lines") as raised:
            check_round(rounds[0])
        assert message in str(raised.value)


def test_locality_check_accepts_insertions_only_where_their_edit_puts_them() -> None:
    text = TEMPLATE_HEADER.replace("class M", "x = 1\n\n\nclass M") + "        self.mask: torch.Tensor = torch.ones(3)\n"
    fixed, rounds = _rounds(text)
    assert "    mask: torch.Tensor\n    def __init__" in fixed  # the class-level declaration TL001's fix adds
    check_round(rounds[0])
    moved = fixed.replace("    mask: torch.Tensor\n", "").replace("x = 1\n", "x = 1\n    mask: torch.Tensor\n")
    rounds[0].after = moved
    with pytest.raises(Failure, match="its line 6 is '    mask: torch.Tensor"):
        check_round(rounds[0])


def test_minimise_keeps_the_failure() -> None:
    data = b"".join(b"line %d\n" % i for i in range(40)) + b"needle = 1\n" + b"tail\n" * 10
    assert minimise(data, lambda candidate: b"needle" in candidate) == b"needle\n"
    assert failure_of(lambda: check_source(FIXABLE.encode())) is None
