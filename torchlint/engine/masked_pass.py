"""A first, cheaper pass over a module file: LibCST parses only the bodies that can hold findings.

Most model code is methods that construction never runs (``forward`` and its helpers) and that change no
state of the instance; their bodies are blanked out (:mod:`torchlint.outline.body_plan` decides which,
from Python's own tree and the selected rules' :class:`~torchlint.contract.rule.BodyNeed`;
:mod:`torchlint.source.masking` blanks them and drops the empty and comment-only lines, which cost LibCST
time and hold nothing the analysis reads). When the analysis of that text finds nothing, the file has no
findings and is done. When it finds anything, the whole file is parsed and analysed as before, so every
reported finding, message and fix comes from the complete tree: a blanked body can only take information
away, which makes a rule more likely to report, never less (rules stay silent when unsure), and the
complete pass then decides.

:func:`enable` switches the pass off, for the tests that compare both ways.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Optional

import libcst as cst

from torchlint.analysis.project import Project
from torchlint.config.settings import DEFAULT, Settings
from torchlint.contract.rule import BodyNeed, Rule
from torchlint.engine.dispatch import analyse, classes_analysed, recount
from torchlint.outline.body_plan import masked_spans
from torchlint.source.lines import physical_lines
from torchlint.source.masking import compact
from torchlint.source.parsing import parse, python_tree
from torchlint.suppression.noqa import may_have_directives

_enabled = True


def enable(on: bool = True) -> None:
    """Use the masked pass from now on (the default), or not (in this process and workers forked from it)."""
    global _enabled
    _enabled = on


def enabled() -> bool:
    return _enabled


def masked_text(text: str, rules: Sequence[Rule]) -> Optional[str]:
    """``text`` with the bodies no selected rule needs blanked out and without its empty and comment-only
    lines (:func:`torchlint.source.masking.compact`), or None when the masked pass cannot be used."""
    needs = frozenset(need for rule in rules for need in rule.body_needs)
    if BodyNeed.ALL_COMMENTS in needs and (may_have_directives(text) or "noqa" in text.lower()):
        return None
    tree = python_tree(text)
    if tree is None:
        return None
    spans = masked_spans(tree, physical_lines(text), needs)
    return compact(text, spans)


def finds_nothing(
    text: str,
    path: str,
    rules: Sequence[Rule],
    settings: Settings = DEFAULT,
    project: Optional[Project] = None,
    parser: Callable[[str], cst.Module] = parse,
) -> bool:
    """True when the masked pass shows that ``text`` has no findings; False when it cannot tell. ``parser``
    parses the masked text (the language server's reuses the trees of unchanged regions)."""
    if not _enabled:
        return False
    masked = masked_text(text, rules)
    if masked is None:
        return False
    try:
        module = parser(masked)
    except cst.ParserSyntaxError:
        return False
    counted = classes_analysed()
    if analyse(module, rules, settings, project, path, first=True):
        recount(counted)  # the whole-file pass analyses these classes again, and counts them then
        return False
    return True
