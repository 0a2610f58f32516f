"""A fix's edits as text (content and range), for output formats that show them (``--output-format json``).

A fix's edits name nodes of the parsed tree, which die with it and are not sent back from worker processes.
To report them as text, the fix is applied alone, with the fixer ``--fix`` uses, and the difference between
the old and the new source becomes the text edits: exact by construction, whatever kinds of edit the fix is
made of. The fixer rebuilds only the path from the module to the edited nodes (given the module's parents,
found once per module), then the module's code is generated and compared; even so it runs only once
:func:`enable` was called, before the files are checked (forked worker processes inherit the switch).
"""

from __future__ import annotations

import bisect
import difflib

import libcst as cst

from torchlint.contract.diagnostics import TextEdit
from torchlint.contract.rule import Fix
from torchlint.fix.fixer import Parents, apply_fixes
from torchlint.source.lines import line_ending, physical_lines

_enabled = False


def enable(on: bool = True) -> None:
    """Render fixes' edits as text from now on (in this process and in workers forked from it)."""
    global _enabled
    _enabled = on


def enabled() -> bool:
    return _enabled


_last: list[Parents] = []  # the parents of the module last rendered for (a module's fixes come together)


def _parents(module: cst.Module) -> Parents:
    if not _last or _last[0].module is not module:
        _last[:] = [Parents(module)]
    return _last[0]


def render(module: cst.Module, text: str, fix: Fix) -> tuple[TextEdit, ...]:
    """The text edits that applying ``fix`` alone to ``module`` (whose source is ``text``) makes."""
    if not fix.edits:
        return ()
    try:
        new_text = apply_fixes(module, [fix], _parents(module)).code
    except Exception:  # an edit this version of the fixer cannot apply: show no edits rather than fail
        return ()
    return diff_edits(text, new_text)


def _common_prefix(a: str, b: str) -> int:
    limit = min(len(a), len(b))
    index = 0
    while index < limit and a[index] == b[index]:
        index += 1
    return index


def _word(character: str) -> bool:
    return character.isalnum() or character in "_."


def diff_edits(old: str, new: str) -> tuple[TextEdit, ...]:
    """Minimal text edits (line by line, then trimmed to characters) that turn ``old`` into ``new``."""
    old_lines = physical_lines(old, keepends=True)
    new_lines = physical_lines(new, keepends=True)
    line_offsets = [0]
    for line in old_lines:
        line_offsets.append(line_offsets[-1] + len(line))
    starts = [0] + [end for line, end in zip(old_lines, line_offsets[1:]) if line_ending(line)]

    def position(offset: int) -> tuple[int, int]:
        row = bisect.bisect_right(starts, offset)
        return row, offset - starts[row - 1] + 1

    edits = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        prefix = _common_prefix(before, after)
        while prefix and _word(before[prefix - 1]) and _word(after[prefix - 1]):
            prefix -= 1  # start the edit at a name (or dotted name), not inside one: easier to read
        if prefix and before[prefix - 1] == "\r" and before[prefix:prefix + 1] == "\n":
            prefix -= 1  # never split a \r\n
        suffix = _common_prefix(before[prefix:][::-1], after[prefix:][::-1])
        while suffix and _word(before[len(before) - suffix]) and _word(after[len(after) - suffix]):
            suffix -= 1
        cut = len(before) - suffix
        if suffix and before[cut - 1:cut] == "\r" and before[cut:cut + 1] == "\n":
            suffix -= 1
            cut += 1
        start = line_offsets[i1] + prefix
        end = line_offsets[i1] + cut
        (row, column), (end_row, end_column) = position(start), position(end)
        edits.append(TextEdit(after[prefix:len(after) - suffix], row, column, end_row, end_column))
    return tuple(edits)
