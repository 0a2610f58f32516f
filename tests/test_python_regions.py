"""Python's tree put together region by region equals ``ast.parse``; regions are cut only where every region
parses alone, and an edit re-parses only the regions it changed (or moved)."""

from __future__ import annotations

import ast

import pytest

from torchlint.source.python_regions import PythonRegionTrees
from torchlint.source.regions import cut_offsets, regions

TEXT = '''"""Doc with a line that looks like code:
class NotAClass:
"""
import torch


@decorator(
    1,
)
@other
class A(torch.nn.Module):
    x = """
def not_a_function():
"""


def f(a=(x
@ y)):  # a matrix product starting a line, inside brackets
    return a \\
        + 1


async def g():
    pass
# trailing
'''


def _dump(tree: ast.AST) -> str:
    return ast.dump(tree, include_attributes=True)


def test_cuts_are_at_top_level_classes_and_functions_only() -> None:
    starts = [TEXT.count("\n", 0, offset) + 1 for offset in cut_offsets(TEXT)]
    tree = ast.parse(TEXT)
    expected = [min([node.lineno, *(d.lineno for d in node.decorator_list)]) for node in tree.body
                if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))]
    assert starts == expected
    assert "".join(regions(TEXT)) == TEXT


def test_same_tree_as_ast_parse_and_edits_reparse_only_what_changed() -> None:
    trees = PythonRegionTrees()
    tree = trees.tree(TEXT)
    assert tree is not None and _dump(tree) == _dump(ast.parse(TEXT))
    parsed = trees.parsed
    edited = TEXT.replace("return a", "return  a")
    tree = trees.tree(edited)
    assert tree is not None and _dump(tree) == _dump(ast.parse(edited))
    assert trees.parsed == parsed + 1  # f's region alone
    added = TEXT.replace("x = \"\"\"", "y = 1\n    x = \"\"\"")  # a line more inside A: A and the regions below
    tree = trees.tree(added)
    assert tree is not None and _dump(tree) == _dump(ast.parse(added))
    assert trees.parsed == parsed + 1 + 3


@pytest.mark.parametrize("text", [
    "class A:\n    pass\nclass B(:\n    pass\n",  # a region with an error
    "x = '''\nclass A:\n    pass\n",  # an unterminated string the scan cannot see the end of
    "x = [\nclass A: pass\n]\n",  # a cut inside brackets
])
def test_rejected_text_is_none(text: str) -> None:
    assert PythonRegionTrees().tree(text) is None
