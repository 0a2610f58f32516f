"""The masked pass (LibCST sees only the bodies the analysis and the selected rules need) changes nothing:
findings and fixes are the same with it on and off, over every fixture and example; and the masked text
keeps every other line where it was."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from torchlint.contract.rule import BodyNeed, Rule
from torchlint.engine import masked_pass
from torchlint.engine.fix_loop import fix_text
from torchlint.engine.linter import lint_text
from torchlint.engine.registry import all_rules
from torchlint.fix import text_edits
from torchlint.outline.body_plan import masked_spans
from torchlint.source.lines import physical_lines
from torchlint.source.masking import compact, mask

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    [*ROOT.glob("tests/fixtures/*.py"), *ROOT.glob("tests/rule_fixtures/*.py"), *ROOT.glob("tests/audit_models/*.py"),
     *ROOT.glob("examples/**/*.py")]
)
DEFAULT = [rule for rule in all_rules() if rule.default_enabled]
ALL = list(all_rules())


@contextmanager
def masking(on: bool) -> Iterator[None]:
    before = masked_pass.enabled()
    masked_pass.enable(on)
    try:
        yield
    finally:
        masked_pass.enable(before)


def _lint(text: str, rules: Sequence[Rule], on: bool) -> list[tuple[object, ...]]:
    """Every diagnostic, with its fix as text edits."""
    before = text_edits.enabled()
    text_edits.enable(True)
    try:
        with masking(on):
            diagnostics = lint_text(text, "t.py", rules)
    finally:
        text_edits.enable(before)
    return [
        (d.line, d.column, d.end_line, d.end_column, d.code, d.message,
         None if d.fix is None else (d.fix.description, d.fix.applicability), d.edits)
        for d in diagnostics
    ]


def _fix(text: str, rules: Sequence[Rule], on: bool) -> tuple[str, list[tuple[int, int, str, str]]]:
    with masking(on):
        result = fix_text(text, "t.py", rules, lambda diagnostic: True)
    return result.text, [(d.line, d.column, d.code, d.message) for d in result.remaining]


def _masked(source: str, rules: Sequence[Rule] = DEFAULT) -> str:
    text = textwrap.dedent(source)
    return masked_pass.masked_text(text, rules) or text


def test_there_are_sources() -> None:
    assert len(SOURCES) > 20


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
@pytest.mark.parametrize("rules", [DEFAULT, ALL], ids=["default", "all"])
def test_same_findings_and_fixes_with_and_without_masking(path: Path, rules: Sequence[Rule]) -> None:
    text = path.read_text(encoding="utf-8")
    assert _lint(text, rules, True) == _lint(text, rules, False)
    assert _fix(text, rules, True) == _fix(text, rules, False)


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_masked_text_is_the_code_outside_blanked_bodies_in_order(path: Path) -> None:
    """Masked text is every line of code outside the blanked spans, in order, with each blanked span as its one
    line (``pass``, or a one-line definition) at its indentation: only empty and comment-only lines are dropped
    besides, and it parses."""
    text = path.read_text(encoding="utf-8")
    masked = masked_pass.masked_text(text, ALL)
    if masked is None:
        return
    ast.parse(masked)
    lines = physical_lines(text, keepends=True)
    needs = frozenset(need for rule in ALL for need in rule.body_needs)
    spans = {span.first: span for span in masked_spans(ast.parse(text), physical_lines(text), needs)}
    expected: list[str] = []
    number = 1
    while number <= len(lines):
        if number in spans:
            expected.append(f"{spans[number].indent}{spans[number].statement}")
            number = spans[number].last + 1
            continue
        line = lines[number - 1]
        if line.strip() and not line.lstrip().startswith("#"):
            expected.append(line.rstrip("\r\n"))
        number += 1
    assert [line.rstrip("\r\n") for line in physical_lines(masked, keepends=True)] == expected


FORWARD_ONLY = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(2, 2)

    def forward(self, x):
        y = self.proj(x)
        '''a docstring
        on two lines'''
        return y * 2
"""


def test_forward_that_changes_no_state_is_masked() -> None:
    masked = _masked(FORWARD_ONLY)
    assert "return y * 2" not in masked
    assert "self.proj = nn.Linear(2, 2)" in masked
    assert "" not in physical_lines(masked)  # no empty lines: LibCST would spend time on them


def test_a_blanked_method_is_one_line_and_string_statements_are_pass() -> None:
    source = '''\
    """A module docstring
    on two lines."""
    import torch
    from torch import nn


    class Net(nn.Module):
        """A class docstring."""

        def __init__(self):
            """An __init__ docstring
            on two lines."""
            super().__init__()
            self.mask = torch.ones(3)

        @torch.no_grad()
        async def forward(
            self,
            x: torch.Tensor,
            scale: float = 2.0,
        ) -> torch.Tensor:
            """Blanked with the body."""
            return x * scale
    '''
    masked = _masked(source)
    assert masked.splitlines() == [
        "pass",
        "import torch",
        "from torch import nn",
        "class Net(nn.Module):",
        "    pass",
        "    def __init__(self):",
        "        pass",
        "        super().__init__()",
        "        self.mask = torch.ones(3)",
        "    @torch.no_grad()",
        "    async def forward(self): pass",
    ]
    assert [d[4] for d in _lint(textwrap.dedent(source), DEFAULT, True)] == ["TL001"]


def test_forward_that_assigns_self_and_what_it_calls_are_kept() -> None:
    source = FORWARD_ONLY.replace("return y * 2", "self.cache = self.scale(y)\n        return y") + (
        "\n    def scale(self, y):\n        return torch.ones(2) * y\n"
    )
    masked = _masked(source)
    assert "self.cache = self.scale(y)" in masked and "return torch.ones(2) * y" in masked
    tl010 = [rule for rule in ALL if rule.code == "TL010"]
    assert [d[4] for d in _lint(source, tl010, True)] == ["TL010"]


def test_helpers_init_calls_are_kept_and_others_masked() -> None:
    source = """\
    import torch
    from torch import nn


    def make_mask(n):
        return torch.ones(n)


    def unused_helper(n):
        n = n + 1
        return torch.zeros(n)


    TABLE = {
        "a": 1,
    }


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.build()

        def build(self):
            self.mask = make_mask(3)

        def extra(self):
            one = 1
            return one + 2
    """
    masked = _masked(source)
    assert "return torch.ones(n)" in masked and "self.mask = make_mask(3)" in masked
    assert "return torch.zeros(n)" not in masked and '"a": 1' not in masked and "one + 2" not in masked
    assert [d[4] for d in _lint(textwrap.dedent(source), DEFAULT, True)] == ["TL001"]


def test_a_class_inside_a_method_keeps_the_method() -> None:
    source = """\
    import torch
    from torch import nn


    class Factory:
        def make(self):
            class Inner(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.mask = torch.ones(3)
            return Inner
    """
    masked = _masked(source)
    assert "class Inner(nn.Module):" in masked
    assert [d[4] for d in _lint(textwrap.dedent(source), DEFAULT, True)] == ["TL001"]


def test_decorated_first_statement_and_crlf() -> None:
    source = (
        "import torch\r\nfrom torch import nn\r\n\r\n\r\nclass Net(nn.Module):\r\n    def __init__(self):\r\n"
        "        super().__init__()\r\n\r\n    def forward(self, x):\r\n        @torch.no_grad()\r\n"
        "        def inner():\r\n            return x\r\n        return inner()\r\n"
    )
    masked = masked_pass.masked_text(source, DEFAULT)
    assert masked is not None
    assert "\n" not in masked.replace("\r\n", "")  # every line keeps its CRLF, the blanked body's too
    assert "    def forward(self): pass\r\n" in masked and "inner" not in masked


def test_a_body_on_the_def_line_is_left_alone() -> None:
    source = "class A:\n    def f(self): return (\n        1)\n    def g(\n        self): return 2\n"
    assert masked_spans(ast.parse(source), physical_lines(source)) == []


def test_tl011_keeps_the_methods_that_use_a_cached_device() -> None:
    source = """\
    import torch
    from torch import nn


    class Net(nn.Module):
        def __init__(self, device):
            super().__init__()
            self.device = device

        def forward(self, x):
            y = x * 2
            return y + torch.ones(3, device=self.device)
    """
    tl011 = [rule for rule in ALL if BodyNeed.DEVICE_DTYPE_USES in rule.body_needs]
    assert [rule.code for rule in tl011] == ["TL011"]
    assert "device=self.device)" in _masked(source, tl011)
    assert "device=self.device)" not in _masked(source, [rule for rule in DEFAULT if rule.code != "TL011"])
    assert [d[4] for d in _lint(textwrap.dedent(source), tl011, True)] == ["TL011"]


def test_unused_suppression_in_a_masked_body_is_still_reported() -> None:
    source = """\
    import torch
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()

        def forward(self, x):
            y = x * 2
            return y  # torchlint: ignore[TL001]
    """
    tl100 = [rule for rule in ALL if rule.code in ("TL001", "TL100")]
    assert masked_pass.masked_text(textwrap.dedent(source), tl100) is None
    assert [d[4] for d in _lint(textwrap.dedent(source), tl100, True)] == ["TL100"]


def test_mask_replaces_spans_only() -> None:
    from torchlint.source.masking import Span

    text = "a\n  b\n  c\n  d\ne"
    assert mask(text, [Span(2, 4, "  ")]) == "a\n  pass\n\n\ne"


def test_compact_drops_blanked_bodies_empty_and_comment_lines_only() -> None:
    from torchlint.source.masking import Span

    text = "a\n\n  # note\n  b  # kept\n  c\n  d\n\ne\r\n  \n  f"
    assert compact(text, [Span(5, 6, "  ")]) == "a\n  b  # kept\n  pass\ne\r\n  f"


def test_tl011_keeps_every_caller_of_a_method_that_uses_a_cached_device() -> None:
    """TL011 is quiet when every caller moves a helper's result again: a blanked caller would hide the one
    that does not (``offsets`` uses no device of its own)."""
    source = """\
    import torch
    from torch import nn


    class Net(nn.Module):
        def __init__(self, device="cpu"):
            super().__init__()
            self.device = device
            self.emb = nn.Embedding(4, 4)

        def forward(self, x):
            return x + self.emb(self.positions(x.shape[0]).to(x.device)).sum(1)

        def offsets(self):
            first = self.emb.weight[0]
            return first + self.positions(1)

        def unrelated(self, x):
            y = x * 2
            return y

        def positions(self, batch):
            return torch.arange(4).repeat(batch, 1).to(self.device)
    """
    tl011 = [rule for rule in ALL if rule.code == "TL011"]
    masked = _masked(source, tl011)
    assert "first + self.positions(1)" in masked and "x * 2" not in masked
    assert [d[4] for d in _lint(textwrap.dedent(source), tl011, True)] == ["TL011"]
    assert _lint(textwrap.dedent(source), tl011, True) == _lint(textwrap.dedent(source), tl011, False)
