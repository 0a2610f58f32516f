"""Positions found region by region (the language server's) equal those of a whole-module code generation,
also after an edit moves the regions below it and when comments are asked for."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from torchlint.analysis.function_index import walk
from torchlint.server.region_positions import RegionPositions
from torchlint.source.chunked_parsing import RegionTrees, parse_in_regions
from torchlint.source.positions import node_positions

TEXT = '''"""A module."""  # noqa: TL001

import torch
from torch import nn


class A(nn.Module):  # noqa
    def __init__(self) -> None:
        super().__init__()
        self.mask = torch.ones(3)  # noqa: TL001


# between
@decorated
class B(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.table = torch.arange(
            4
        )
# the end
'''


def _attributes(module: cst.Module) -> list[cst.CSTNode]:
    return [node for node, _, _ in walk(module) if type(node) is cst.Attribute]


def _same(module: cst.Module, nodes: Sequence[cst.CSTNode], positions: RegionPositions) -> None:
    expected = node_positions(module, nodes, comments=True)
    found = positions(module, nodes, True)
    comments = {node: where for node, where in expected.items() if type(node) is cst.Comment}
    assert comments and {node: where for node, where in found.items() if type(node) is cst.Comment} == comments
    assert {node: found[node] for node in nodes} == {node: expected[node] for node in nodes}
    without = positions(module, nodes, False)
    assert {node: without[node] for node in nodes} == {node: expected[node] for node in nodes}


def test_positions_equal_a_whole_generation_before_and_after_edits() -> None:
    trees = RegionTrees()
    positions = RegionPositions(trees)
    module = parse_in_regions(TEXT, trees)
    _same(module, _attributes(module), positions)
    # a line added above B moves it: its kept ranges are shifted, not stale
    moved = TEXT.replace("# between\n", "# between\n# and more\n\n")
    module = parse_in_regions(moved, trees)
    _same(module, _attributes(module), positions)
    # an edit inside A changes A's region only
    edited = moved.replace("torch.ones(3)", "torch.ones(\n    3)")
    module = parse_in_regions(edited, trees)
    _same(module, _attributes(module), positions)


def test_a_module_not_put_together_from_regions_is_generated_whole() -> None:
    module = cst.parse_module(TEXT)
    nodes = _attributes(module)
    assert RegionPositions(RegionTrees())(module, nodes, True) == node_positions(module, nodes, comments=True)


def test_a_top_level_statement_given_leading_lines_is_found_too() -> None:
    trees = RegionTrees()
    module = parse_in_regions(TEXT, trees)
    statements = list(module.body)
    _same(module, statements, RegionPositions(trees))
