"""Fuzzing (issue 8): generated and mutated files never crash torchlint, and every fix parses, is idempotent,
changes only the lines of what it fixed and brings no new finding. The properties and input strategies are
in ``fuzz_support``.

Runs are bounded by example count and derandomized, so every run tries the same inputs; the longer run is
``python benchmarks/fuzz.py --examples N [--seed S]``. Each failure fuzzing found is kept below as a regression
test with its minimal reproducer.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch
from fuzz_support import (
    FIXTURES,
    SETTINGS,
    TEMPLATE_HEADER,
    Failure,
    FixRound,
    check_nothing_withdrawn,
    check_round,
    check_source,
    failure_of,
    hypothesmith_programs,
    minimise,
    mutated_fixtures,
    torch_programs,
)
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from torchlint.commands.cli import main
from torchlint.config.settings import Settings
from torchlint.engine.fix_loop import fix_text
from torchlint.engine.registry import all_rules

BOUNDED = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
# The command line raises the recursion limit for deep input (torchlint.source.deep_stack); hypothesis notes that.
pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")
# Few examples each, for the suite's 10-minute budget; benchmarks/fuzz.py runs the same properties thousands of times.
@settings(BOUNDED, max_examples=60)
@given(torch_programs(), st.sampled_from(SETTINGS))
def test_generated_torch_programs(text: str, fix_settings: Settings) -> None:
    check_source(text.encode(), fix_settings)


@settings(BOUNDED, max_examples=40)
@given(hypothesmith_programs())
def test_hypothesmith_grammar_programs_in_a_module(text: str) -> None:
    check_source(text.encode())


@settings(BOUNDED, max_examples=8)
@given(hypothesmith_programs(node=True))
def test_hypothesmith_libcst_programs_in_a_module(text: str) -> None:
    check_source(text.encode())


@settings(BOUNDED, max_examples=16)
@given(mutated_fixtures(), st.sampled_from(SETTINGS))
def test_mutated_fixture_files(mutated: tuple[str, bytes], fix_settings: Settings) -> None:
    description, data = mutated
    note(description)
    check_source(data, fix_settings)


@pytest.mark.parametrize(("name", "data"), FIXTURES, ids=[name for name, _ in FIXTURES])
def test_fixture_files_as_they_are(name: str, data: bytes) -> None:
    check_source(data, cli=False)


# --- failures found by fuzzing, with their minimal reproducers ------------------------------------------

HEADER = "import torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n"
# Fixes that made working code raise when the module is built; each now leaves the finding unfixed.
FIXES_THAT_RAISED: list[tuple[str, str]] = [
    (  # register_buffer("to", ...) raises KeyError: attribute 'to' already exists
        "tl001-fix-registers-a-name-nn-module-has",
        HEADER + "        super().__init__()\n        self.to = torch.ones(3)\n",
    ),
    (  # after self.w = nn.Parameter(...), self.w = torch.randn(3) raises TypeError
        "tl002-fix-then-a-plain-tensor-assigned-to-the-parameter",
        HEADER + "        super().__init__()\n        self.w = torch.randn(3, requires_grad=True)\n"
        "        self.w = torch.randn(3)\n",
    ),
    (  # assigning an nn.Parameter to self.type raises KeyError
        "tl002-fix-to-a-name-nn-module-has",
        HEADER + "        super().__init__()\n        self.type = torch.zeros(3).requires_grad_()\n",
    ),
    (  # an nn.Parameter before Module.__init__() raises AttributeError
        "tl009-fix-before-super-init",
        HEADER + "        self.w = nn.Parameter(torch.ones(3)).double()\n        super().__init__()\n",
    ),
    (  # assigning an nn.Parameter to self.half raises KeyError
        "tl009-fix-to-a-name-nn-module-has",
        HEADER + "        super().__init__()\n        self.half = nn.Parameter(torch.ones(3)).double()\n",
    ),
    (  # the declared register_buffer("type", None, ...) raises KeyError in __init__
        "tl010-fix-declares-a-name-nn-module-has",
        HEADER + "        super().__init__()\n\n    def forward(self, x):\n        self.type = torch.ones(3)\n"
        "        return x\n",
    ),
    (  # register_buffer("__x", ...) is another name than self.__x, which Python stores as _M__x
        "tl001-fix-of-a-private-name",
        HEADER + "        super().__init__()\n        self.__x = torch.ones(3)\n\n    def forward(self, y):\n"
        "        return y + self.__x\n",
    ),
    (  # found by the long fuzz run: the plain tensor is assigned as the element of a tuple target
        "tl002-fix-then-a-plain-tensor-assigned-by-tuple-unpacking",
        HEADER + "        super().__init__()\n        self.w = torch.randn(3, requires_grad=True)\n"
        "        self.y, self.w = torch.ones(2), torch.randn(3)\n",
    ),
    (  # found by the long fuzz run: once self.w is a parameter, forward's plain tensor raises TypeError
        "tl009-fix-then-a-plain-tensor-assigned-in-forward",
        HEADER + "        super().__init__()\n        self.w = nn.Parameter(torch.ones(3)).double()\n\n"
        "    def forward(self, x):\n        self.w = x * 2\n        return x\n",
    ),
    (  # the same through setattr()
        "tl009-fix-then-a-plain-tensor-assigned-by-setattr",
        HEADER + "        super().__init__()\n        self.w = nn.Parameter(torch.ones(3)).double()\n"
        "        setattr(self, \"w\", torch.zeros(3))\n",
    ),
    (  # found by the long fuzz run: the same statement assigns the declared buffer a list
        "tl010-fix-then-a-list-assigned-in-the-same-statement",
        HEADER + "        super().__init__()\n\n    def forward(self, x):\n"
        "        self.buf, self.buf = torch.ones(3) + x, [x]\n        return x\n",
    ),
    (  # found by the long fuzz run: the fixed value goes to self.to as well, where a Parameter raises KeyError
        "tl009-fix-of-a-chained-assignment",
        HEADER + "        super().__init__()\n        self.alpha = self.to = nn.Parameter(torch.ones(3)).double()\n",
    ),
    (  # the same for TL002
        "tl002-fix-of-a-chained-assignment",
        HEADER + "        super().__init__()\n        self.alpha = self.type = torch.zeros(3, requires_grad=True)\n",
    ),
    (  # found by the long fuzz run: register_buffer("a.b", None) raises KeyError: buffer name can't contain "."
        "tl010-fix-of-a-dotted-setattr-name",
        HEADER + "        super().__init__()\n\n    def forward(self, x):\n"
        "        setattr(self, \"a.b\", torch.ones(3) + x)\n        return x\n",
    ),
    (  # the same in __init__
        "tl001-fix-of-a-dotted-setattr-name",
        HEADER + "        super().__init__()\n        setattr(self, \"a.b\", torch.ones(3))\n",
    ),
    (  # an empty name: KeyError: parameter name can't be empty string ""
        "tl002-fix-of-an-empty-setattr-name",
        HEADER + "        super().__init__()\n        setattr(self, \"\", torch.randn(3, requires_grad=True))\n",
    ),
    (  # found by the long fuzz run: the subclass assigns the parameter a plain tensor (TypeError)
        "tl002-fix-then-a-subclass-assigns-a-plain-tensor",
        HEADER + "        super().__init__()\n        self.scale = torch.randn(3, requires_grad=True)\n\n\n"
        "class Sub(M):\n    def __init__(self):\n        super().__init__()\n        self.scale = torch.ones(3)\n",
    ),
    (  # found by the long fuzz run: the subclass sets the name before super().__init__(), so the declared
        # buffer raises KeyError: attribute 'cache' already exists
        "tl010-fix-then-a-subclass-assigns-the-name-first",
        HEADER + "        super().__init__()\n\n    def forward(self, x):\n        self.cache = torch.ones(3) + x\n"
        "        return x\n\n\nclass Sub(M):\n    def __init__(self):\n        self.cache = []\n"
        "        super().__init__()\n",
    ),
    (  # found by the long fuzz run: the subclass overrides forward, so its own analysis never sees the
        # statement; it still runs the declaration, after assigning the name (KeyError)
        "tl010-fix-then-a-subclass-that-overrides-forward-assigns-the-name-first",
        HEADER + "        super().__init__()\n\n    def forward(self, x):\n        self.cache = torch.ones(3) + x\n"
        "        return x\n\n\nclass Sub(M):\n    def __init__(self):\n        self.cache = []\n"
        "        super().__init__()\n\n    def forward(self, x):\n        return x\n",
    ),
    (  # found by the long fuzz run: a subclass that overrides _apply (so no rule reports it) has a class
        # attribute of the name: register_buffer raises KeyError
        "tl001-fix-then-a-subclass-has-a-class-attribute-of-the-name",
        HEADER + "        super().__init__()\n        self.x = torch.ones(3)\n\n\n"
        "class Sub(M):\n    x = 0\n\n    def _apply(self, fn, recurse=True):\n        return super()._apply(fn, recurse)\n",
    ),
    (  # the same for TL001
        "tl001-fix-then-a-subclass-assigns-the-name-first",
        HEADER + "        super().__init__()\n        self.mask = torch.ones(3)\n\n\n"
        "class Sub(M):\n    def __init__(self):\n        self.mask = 1\n        super().__init__()\n",
    ),
]


@pytest.mark.parametrize("text", [pytest.param(text, id=name) for name, text in FIXES_THAT_RAISED])
def test_fixes_never_make_a_working_module_raise(text: str) -> None:
    check_source(text.encode())
    result = fix_text(text, "f.py", all_rules(), allowed=lambda d: True)
    namespace: dict[str, object] = {}
    exec(compile(result.text, "f.py", "exec"), namespace)  # noqa: S102 - the fixture's own code
    classes = [value for value in namespace.values() if isinstance(value, type) and issubclass(value, torch.nn.Module)]
    assert classes
    for cls in classes:  # every module class of the file, subclasses included
        module = cls()
        if "def forward" in text:
            module(torch.ones(3))


# Fixes the fix loop had to withdraw because they brought a finding the file did not have, where the module
# raises either way or the new finding was the analysis's own mistake; each now comes without a fix.
FIXES_THAT_BROUGHT_FINDINGS: list[tuple[str, str]] = [
    (  # found by the long fuzz run: register_buffer(name=..., tensor=...) by keyword is a write of the name too
        "tl009-fix-then-registered-as-a-buffer-by-keyword",
        HEADER + "        super().__init__()\n        setattr(self, \"w\", nn.Parameter(torch.ones(3)).double())\n"
        "        self.register_buffer(name=\"w\", tensor=torch.ones(3))\n",
    ),
    (  # found by the long fuzz run: after register_buffer("c", None), self.c reads None, not a tensor, so
        # TL010's declaration made TL001 report self.table = self.c (which raises AttributeError before it)
        "tl010-fix-then-a-read-of-the-declared-buffer",
        HEADER + "        super().__init__()\n        self.table = self.c\n\n"
        "    def forward(self, x):\n        self.c = torch.ones(3) + x\n        return x\n",
    ),
    (  # found by the long fuzz run: the base's __init__ never calls nn.Module.__init__(), so the declaration
        # after the subclass's super().__init__() raises AttributeError (TL005)
        "tl010-fix-where-nn-module-init-never-runs",
        "import torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n        pass\n\n\n"
        "class Sub(M):\n    def __init__(self):\n        super().__init__()\n\n    def forward(self, x):\n"
        "        self.pe = torch.ones(3) + x\n        return x\n",
    ),
]


@pytest.mark.parametrize("text", [pytest.param(text, id=name) for name, text in FIXES_THAT_BROUGHT_FINDINGS])
def test_fixes_never_bring_a_finding(text: str) -> None:
    check_source(text.encode(), cli=False)
    result = fix_text(text, "f.py", all_rules(), allowed=lambda d: True)
    assert not result.withdrawn


# LibCST does not give these files back byte for byte (found by fuzzing), so --fix must leave them alone
LIBCST_LOSES_BYTES: list[tuple[str, bytes]] = [
    (  # parse_module("x = 1\r").code == "x = 1": the final lone CR is dropped
        "cr-line-endings-lose-the-final-newline",
        b"import torch\rfrom torch import nn\rclass M(nn.Module):\r    def __init__(self):\r"
        b"        super().__init__()\r        self.x = torch.ones(3)\rx = 1\r",
    ),
    (  # parse_module("x = 1\n\n \n").code == "x = 1\n \n"
        "blank-line-before-a-whitespace-last-line-is-dropped",
        b"import torch\nfrom torch import nn\nclass M(nn.Module):\n    def __init__(self):\n"
        b"        super().__init__()\n        self.x = torch.ones(3)\n\n \n",
    ),
    (  # parse_module("x = 1\n  # c\n \n").code == "x = 1\n \n"
        "comment-before-a-whitespace-last-line-is-deleted",
        b"import torch\nfrom torch import nn\nclass M(nn.Module):\n    def __init__(self):\n"
        b"        super().__init__()\n        self.x = torch.ones(3)\n  # keep me\n \n",
    ),
]


@pytest.mark.parametrize("data", [pytest.param(data, id=name) for name, data in LIBCST_LOSES_BYTES])
def test_files_libcst_would_change_are_not_fixed(tmp_path: Path, data: bytes) -> None:
    check_source(data)
    path = tmp_path / "m.py"
    path.write_bytes(data)
    assert main(["--no-cache", "--isolated", "--fix", "--unsafe-fixes", str(path)]) == 2
    assert path.read_bytes() == data


# --- the properties catch what they are meant to catch --------------------------------------------------

FIXABLE = TEMPLATE_HEADER + "        self.mask = torch.ones(3)\n        self.n = 1\n\n\nx = 1\n"


def _rounds(text: str) -> tuple[str, list[FixRound]]:
    result = fix_text(text, "f.py", all_rules(), allowed=lambda d: True)
    return result.text, result.rounds


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


def test_withdrawn_fixes_fail_the_new_findings_property() -> None:
    result = fix_text(FIXABLE, "f.py", all_rules(), allowed=lambda d: True)
    check_nothing_withdrawn(result)
    result.withdrawn = [replace(result.fixed[0], message="... (no automatic fix: the fixed code would bring TL006: x)")]
    with pytest.raises(Failure, match="fix of TL001 brings TL006"):
        check_nothing_withdrawn(result)


def test_minimise_keeps_the_failure() -> None:
    data = b"".join(b"line %d\n" % i for i in range(40)) + b"needle = 1\n" + b"tail\n" * 10
    assert minimise(data, lambda candidate: b"needle" in candidate) == b"needle\n"
    assert failure_of(lambda: check_source(FIXABLE.encode())) is None
