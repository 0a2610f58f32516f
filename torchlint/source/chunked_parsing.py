"""Parse a module with LibCST one top-level region at a time, so that a second parse of an edited text reuses
the trees of every region the edit did not touch.

A language server re-checks a file on every keystroke, and LibCST's parse of a 3,000-line modeling file
costs a quarter of a second or more; an edit changes one class. The text is cut before each top-level
``class`` and ``def`` (at its first decorator; :mod:`torchlint.source.regions`); each region is parsed as a
module of its own (kept by its text in a :class:`RegionTrees`), and the
regions' statements are put together into one module that is the same tree a parse of the whole text
gives: the lines after a region's last statement (its module footer) are the leading lines of the next
region's first statement, as LibCST attaches them.

A region parsed alone infers its own default indentation and newline. Where that could differ from the
whole file's (a region whose first indented block or first line ending is not the file's), the whole text
is parsed instead; so is a text with a region that does not parse alone, so that LibCST reports the
error of the whole text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from torchlint.source.lines import line_ending, physical_lines
from torchlint.source.parsing import parse
from torchlint.source.recently_used import RecentlyUsed
from torchlint.source.regions import regions

_DEFAULT_INDENT = "    "
_KEPT_ASSEMBLIES = 4
_BLOCK_STATEMENTS = (
    cst.ClassDef, cst.FunctionDef, cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar, cst.Match,
)


def _has_indented_block(module: cst.Module) -> bool:
    return any(
        isinstance(statement, _BLOCK_STATEMENTS) and isinstance(statement.body, cst.IndentedBlock)
        for statement in module.body
    )


@dataclass(frozen=True)
class Assembly:
    """How a module was put together: each region's own tree and the number of lines before it."""

    module: cst.Module
    regions: tuple[tuple[cst.Module, int], ...]


class RegionTrees:
    """The trees of the regions parsed so far, by their text (the last ``limit`` kept), and how the last few
    modules were put together from them (:attr:`assemblies`, for positions found region by region)."""

    def __init__(self, limit: int = 20_000) -> None:
        self._trees: RecentlyUsed[str, cst.Module] = RecentlyUsed(limit)
        self.parsed = 0  # regions parsed (not reused), for tests and benchmarks
        self.assemblies: list[Assembly] = []  # the most recent first

    def assembly(self, module: cst.Module) -> Optional[Assembly]:
        """How ``module`` was put together, when it is one of the last few assembled here."""
        return next((found for found in self.assemblies if found.module is module), None)

    def _parse(self, region: str) -> cst.Module:
        self.parsed += 1
        return parse(region)

    def tree(self, region: str, fresh: bool = False) -> cst.Module:
        """The tree of ``region``; with ``fresh``, a new parse (one text's two equal regions must not share
        nodes: findings and positions are keyed by node identity)."""
        if fresh:
            return self._parse(region)
        return self._trees.get(region, lambda: self._parse(region))


def _assemble(texts: Sequence[str], parts: Sequence[cst.Module]) -> Optional[cst.Module]:
    """One module of the regions' trees, or None when a region's inferred indentation or newline could
    differ from the whole text's."""
    newline = parts[0].default_newline
    indent: Optional[str] = None
    for text, part in zip(texts, parts):
        if part.default_newline != newline and line_ending(physical_lines(text, keepends=True)[0]):
            return None
        if _has_indented_block(part):
            if indent is None:
                indent = part.default_indent
            elif part.default_indent != indent:
                return None
    header: list[cst.EmptyLine] = []  # the lines before the file's first statement are the module's header
    body: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []
    for part in parts:
        statements = list(part.body)
        if not body:
            header.extend(part.header)
            if statements:
                body.extend(statements)
                carried = list(part.footer)
            else:
                header.extend(part.footer)
            continue
        carried.extend(part.header)
        if not statements:  # only comments and blank lines: they lead into the next region
            carried.extend(part.footer)
            continue
        first = statements[0]
        if carried:
            statements[0] = first.with_changes(leading_lines=[*carried, *first.leading_lines])
        body.extend(statements)
        carried = list(part.footer)
    return cst.Module(
        body=body,
        header=header,
        footer=carried,
        encoding=parts[0].encoding,
        default_indent=indent or _DEFAULT_INDENT,
        default_newline=newline,
        has_trailing_newline=parts[-1].has_trailing_newline,
    )


def parse_in_regions(text: str, trees: RegionTrees) -> cst.Module:
    """The LibCST tree of ``text``, equal to ``parse(text)``, built from the regions' trees in ``trees``
    (a region that does not parse alone makes it a parse of the whole text, which reports the error)."""
    texts = regions(text)
    if len(texts) < 2:
        return parse(text)
    seen: set[str] = set()
    parts = []
    offsets = []
    lines = 0
    try:
        for region in texts:
            parts.append(trees.tree(region, fresh=region in seen))
            seen.add(region)
            offsets.append(lines)
            lines += region.count("\n")  # (a text with lines ended by a lone carriage return is never cut)
    except cst.ParserSyntaxError:
        return parse(text)
    module = _assemble(texts, parts)
    if module is None:
        return parse(text)
    trees.assemblies.insert(0, Assembly(module, tuple(zip(parts, offsets))))
    del trees.assemblies[_KEPT_ASSEMBLIES:]
    return module
