"""Python's own tree of a text, put together from the trees of its regions (:mod:`torchlint.source.regions`),
so that the language server re-parses only the regions an edit changed.

Each region is parsed with as many empty lines before it as there are lines before it in the text, so its
nodes carry the line numbers of the whole text and the trees can be kept by (lines before, region text):
an edit that adds no line keeps every other region's tree; one that adds lines keeps the regions above it.
Trees are shared between versions and must never be changed (as for :func:`torchlint.source.parsing.python_tree`).
"""

from __future__ import annotations

import ast
from typing import Optional

from torchlint.source.parsing import python_tree
from torchlint.source.recently_used import RecentlyUsed
from torchlint.source.regions import regions


class PythonRegionTrees:
    """Python's trees of regions, by (lines before, region text); the last ``limit`` kept."""

    def __init__(self, limit: int = 20_000) -> None:
        self._trees: RecentlyUsed[tuple[int, str], Optional[ast.Module]] = RecentlyUsed(limit)
        self.parsed = 0  # regions parsed (not reused), for tests

    def _parse(self, before: int, region: str) -> Optional[ast.Module]:
        self.parsed += 1
        return python_tree("\n" * before + region)

    def _region(self, before: int, region: str) -> Optional[ast.Module]:
        return self._trees.get((before, region), lambda: self._parse(before, region))

    def tree(self, text: str) -> Optional[ast.Module]:
        """``python_tree(text)``: Python's tree of ``text``, or None when Python rejects it."""
        parts = regions(text)
        if len(parts) < 2:  # (a text with lines ended by a lone carriage return is never cut)
            return python_tree(text)
        body: list[ast.stmt] = []
        before = 0
        for region in parts:
            tree = self._region(before, region)
            if tree is None:
                return python_tree(text)
            body.extend(tree.body)
            before += region.count("\n")
        return ast.Module(body=body, type_ignores=[])
