"""The outline (Python's own parser) finds the same module classes as the LibCST file model.

The linter skips LibCST for files whose outline has no module class, so a class the outline misses would be
a silently lost finding. Checked on every fixture and on torch's own nn and optim packages (cross-file bases
included), which are installed for the tests anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Optional

import libcst as cst
import pytest
import torch

from torchlint.analysis.project import Project, locate
from torchlint.analysis.top_level import tensor_functions
from torchlint.contract.rule import Rule
from torchlint.engine.linter import without_analysis
from torchlint.engine.registry import all_rules
from torchlint.outline.file_model import build_file_model
from torchlint.outline.module_classes import resolve_bases
from torchlint.outline.outline import Returns, parse_outline, resolve

TESTS = Path(__file__).parent
FIXTURES = sorted([*TESTS.glob("fixtures/*.py"), *TESTS.glob("rule_fixtures/*.py"), *TESTS.glob("../examples/*.py")])
TORCH = Path(torch.__file__).parent
TORCH_FILES = sorted([*TORCH.glob("nn/**/*.py"), *TORCH.glob("optim/**/*.py")])


def _both(path: Path, project: Optional[Project]) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    text = path.read_text(encoding="utf-8")
    package = locate(str(path)).package if project is not None else None
    predicate = project.module_predicate(str(path)) if project is not None else (lambda qualified: False)
    model = build_file_model(cst.parse_module(text), package)
    resolve_bases(model, frozenset(), predicate)
    outline = parse_outline(text, package)
    assert outline is not None
    resolve(outline, frozenset(), predicate)
    return ([(info.name, info.is_module) for info in model.classes],
            [(info.name, info.is_module) for info in outline.classes])


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.name)
def test_fixture_module_classes_agree(path: Path) -> None:
    libcst_classes, outline_classes = _both(path, None)
    assert outline_classes == libcst_classes
    assert any(is_module for _, is_module in libcst_classes) or path.name == "clean.py"


def test_torch_module_classes_agree_with_cross_file_bases() -> None:
    project = Project()
    modules = 0
    for path in TORCH_FILES:
        libcst_classes, outline_classes = _both(path, project)
        assert outline_classes == libcst_classes, path
        modules += sum(is_module for _, is_module in libcst_classes)
    assert modules > 150  # nn's layers, found through bases in other files


def test_only_files_with_a_module_class_are_analysed() -> None:
    rules = [rule for rule in all_rules() if rule.default_enabled]

    def analysed(text: str, chosen: Sequence[Rule] = rules) -> bool:
        return without_analysis(text, "m.py", chosen) is None

    plain = "import torch\n\n\nclass Config:\n    size = torch.Size([2])\n"
    module = "import torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n    pass\n"
    assert not analysed(plain)
    assert analysed(module)
    assert analysed("import torch\nclass M(:\n")  # LibCST reports the syntax error
    assert not analysed("x = 1\n")
    # the report of unused suppressions (TL100) needs every file with a suppression comment
    assert analysed(plain + "x = 1  # noqa: TL001\n", all_rules())
    assert not analysed(plain + "x = 1  # noqa: TL001\n")


def test_files_without_torch_are_checked_for_syntax_errors_only() -> None:
    [error] = without_analysis("def f(:\n    pass\n", "m.py", all_rules()) or [None]
    assert error is not None and error.code == "TL999" and "SyntaxError" in error.message
    assert without_analysis("x = 1\n", "m.py", all_rules()) == []
    # syntax newer than this Python that LibCST parses is no error
    assert without_analysis("def f[T](x: T) -> T:\n    return x\n", "m.py", all_rules()) == []


@pytest.mark.parametrize("paths", [FIXTURES, TORCH_FILES], ids=["fixtures", "torch"])
def test_functions_the_outline_rules_out_are_not_inferred_tensors(paths: list[Path]) -> None:
    """A function the outline says returns no tensor is not parsed with LibCST when another file calls it:
    following its body must not say otherwise."""
    ruled_out = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        outline = parse_outline(text)
        assert outline is not None
        model = build_file_model(cst.parse_module(text))
        resolve_bases(model, frozenset(), lambda qualified: False)
        inferred = tensor_functions(model)
        for name, returns in outline.functions.items():
            if returns is Returns.NOT_TENSOR:
                ruled_out += 1
                assert name not in inferred, f"{path}: {name}"
    assert ruled_out > (1 if paths is FIXTURES else 100)


def test_assigned_names_from_statements_alone_equal_the_whole_walk() -> None:
    """Reading only a method's statements (a file that never spells ``setattr``) finds the same names, with
    the same first lines, as walking every node."""
    import ast

    from torchlint.outline.outline import self_assignments

    source = '''
class A:
    def __init__(self, x):
        try:
            self.a = 1
        except ValueError:
            self.b, (self.c, *self.d) = x
        else:
            self.e: int = 2
        finally:
            self.f += 1
        match x:
            case 1:
                self.g = 3
        if x:
            def inner(self):
                self.h = 4
            self.a = 5
        for i in x:
            with open(i) as handle:
                self.i = handle
        self.b = 6
'''
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ClassDef)
    whole = self_assignments(node, setattr_spelled=True)
    assert list(self_assignments(node, setattr_spelled=False).items()) == list(whole.items())
    assert set(whole) == set("abcdefghi")
