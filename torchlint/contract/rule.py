"""The contract between the engine and the rules in ``torchlint.rules``.

A rule module defines one ``Rule`` subclass instance named ``RULE``. Its docstring (the module docstring)
is the user documentation, in the form Ruff uses: What it does / Why is this bad? / Example / Use instead /
Fix safety. A rule reacts to analysis events by defining ``on_<event>`` methods that yield findings; it
never parses, reads files or prints.

A rule sees the bodies the class analysis walks (what construction runs, and every method on a path to a
write of ``self``) and the class bodies; the engine may hand LibCST a file whose other method bodies are
blanked out, and analyses the whole file again whenever that pass finds anything. So a rule may read any
body to word a message, decide a fix or stay silent, but a finding it reports from a body the analysis
does not walk must be declared in ``body_needs`` (see :class:`BodyNeed`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from torchlint.contract.edits import Edit


class Severity(enum.Enum):
    """How sure and how serious a rule's findings are: ``error`` for what is certain to be wrong, ``warning``
    for heuristic and off-by-default rules. Shown by ``torchlint rule``; GitHub annotations and SARIF levels
    follow it."""

    ERROR = "error"
    WARNING = "warning"


class Applicability(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


class BodyNeed(enum.Enum):
    """Method bodies a rule reports findings in that the class analysis itself does not walk."""

    # methods that pass an attribute of their own ``self`` as ``device=``/``dtype=`` or to
    # ``.to()``/``.type()``/``.cuda()``
    DEVICE_DTYPE_USES = "device-dtype-uses"
    # every comment of the file, wherever it is (directives that suppress nothing)
    ALL_COMMENTS = "all-comments"


@dataclass(frozen=True)
class Fix:
    """Edits that resolve one finding, and whether applying them is safe."""

    description: str  # imperative, shown to users: 'Register `mask` as a non-persistent buffer'
    applicability: Applicability
    edits: tuple[Edit, ...]
    unsafe_reason: Optional[str] = None  # why an unsafe fix is unsafe, shown to users: 'state_dict() gains a key'


@dataclass(frozen=True)
class Finding:
    code: str
    node: cst.CSTNode  # where the diagnostic points
    message: str
    fix: Optional[Fix] = None
    no_fix_reason: Optional[str] = None  # why a fixable rule offers no fix here, shown to users


class Rule:
    """Base class of all rules; subclasses set the class attributes and define ``on_<event>`` methods."""

    code: str = ""
    name: str = ""  # kebab-case, as Ruff names rules: "unregistered-tensor-attribute"
    summary: str = ""  # one line
    default_enabled: bool = True
    fixable: bool = False
    severity: Severity = Severity.ERROR
    body_needs: frozenset[BodyNeed] = frozenset()

    @property
    def documentation(self) -> str:
        import inspect
        import sys

        module = sys.modules[type(self).__module__]
        return inspect.cleandoc(module.__doc__ or "")


FindingIterator = Iterator[Finding]
