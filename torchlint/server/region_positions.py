"""Positions of nodes in a module put together from region trees (:mod:`torchlint.source.chunked_parsing`),
found region by region and kept with each region's tree.

Finding a node's line and column means generating the code before it, which for a whole 3,000-line module
costs about as much as parsing it. A region's tree is the same object from one edit to the next while the
region is unchanged, so the ranges found in it are kept with it and shifted by the lines before the region;
only the regions that hold a node not asked about before are generated again, each on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodePosition, CodeRange

from torchlint.analysis.function_index import walk
from torchlint.source.chunked_parsing import RegionTrees
from torchlint.source.positions import node_positions
from torchlint.source.recently_used import RecentlyUsed


@dataclass
class _Known:
    """What has been found in one region's tree: every node's identity, and the ranges asked for."""

    ids: frozenset[int]
    ranges: dict[int, CodeRange] = field(default_factory=dict)
    comments: dict[cst.CSTNode, CodeRange] | None = None


def _shifted(where: CodeRange, lines: int) -> CodeRange:
    return CodeRange(
        CodePosition(where.start.line + lines, where.start.column),
        CodePosition(where.end.line + lines, where.end.column),
    )


class RegionPositions:
    """:func:`torchlint.source.positions.node_positions` for the modules ``trees`` put together."""

    def __init__(self, trees: RegionTrees, limit: int = 20_000) -> None:
        self.trees = trees
        # by region tree (kept alive here, so its identity is not reused)
        self._known: RecentlyUsed[int, tuple[cst.Module, _Known]] = RecentlyUsed(limit)

    def _known_of(self, region: cst.Module) -> _Known:
        return self._known.get(
            id(region),
            lambda: (region, _Known(frozenset(id(node) for node, _, _ in walk(region)))),
            lambda kept: kept[0] is region,
        )[1]

    def __call__(
        self, module: cst.Module, nodes: Iterable[cst.CSTNode], comments: bool = False
    ) -> Mapping[cst.CSTNode, CodeRange]:
        wanted = list(nodes)
        assembly = self.trees.assembly(module)
        if assembly is None:
            return node_positions(module, wanted, comments)
        regions = [(self._known_of(region), region, lines) for region, lines in assembly.regions]
        placed: list[list[cst.CSTNode]] = [[] for _ in regions]
        for node in wanted:
            index = next((i for i, (known, _, _) in enumerate(regions) if id(node) in known.ids), None)
            if index is None:  # a node of the module itself (a top-level statement given its leading lines)
                return node_positions(module, wanted, comments)
            placed[index].append(node)
        found: dict[cst.CSTNode, CodeRange] = {}
        for (known, region, lines), inside in zip(regions, placed):
            missing = [node for node in inside if id(node) not in known.ranges]
            if missing:
                known.ranges.update((id(node), where) for node, where in node_positions(region, missing).items())
            found.update((node, _shifted(known.ranges[id(node)], lines)) for node in inside)
            if comments:
                if known.comments is None:
                    known.comments = {
                        node: where for node, where in node_positions(region, [], comments=True).items()
                    }
                found.update((node, _shifted(where, lines)) for node, where in known.comments.items())
        return found
