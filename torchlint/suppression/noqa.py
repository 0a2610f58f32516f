"""Suppression comments: flake8's ``# noqa`` and torchlint's own directives.

flake8's comments, with flake8's semantics (the command line applies them; under flake8, the plugin leaves
them to flake8, so that ``flake8 --disable-noqa`` works as flake8 users expect):

- ``# noqa`` (any case) on the reported physical line suppresses every code on that line;
- ``# noqa: TL001, TL002`` (or ``# noqa:TL001``) suppresses the listed codes and codes starting with them;
- ``# noqa TL001`` (no colon) is a blanket ``# noqa``, as in flake8;
- a line that is only ``# flake8: noqa`` (or ``# flake8= noqa``) skips the whole file; with codes after it
  (``# flake8: noqa: TL001``) flake8 does not skip the file, and neither do we.

torchlint's own directives, which tools that rewrite ``# noqa`` comments (Ruff's RUF100) leave alone:

- ``# torchlint: ignore[TL001, TL002]`` suppresses those codes (and codes starting with them) on its line;
  a bare ``# torchlint: ignore`` suppresses every code on its line;
- ``# torchlint: file-ignore[TL001]`` anywhere in the file suppresses TL001 in the whole file; a bare
  ``# torchlint: file-ignore`` suppresses everything.

Like flake8, ``# noqa`` is matched in the text of the line; torchlint's directives count only in real
comments (never inside a string), as the parsed tree has them. A :class:`Suppressions` remembers which
directive suppressed what, so that :meth:`Suppressions.unused` can tell the rules that subscribe to
``on_unused_suppression`` which directives suppress nothing (the engine never names such a rule).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Optional, Union

import libcst as cst

from torchlint.contract.diagnostics import Diagnostic

_INLINE = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_FILE = re.compile(r"\s*# flake8[:=]\s*noqa(?P<codes>:\s?([A-Z]+[0-9]+(?:[,\s]+)?)+)?", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
# a "[" after the keyword must open a well-formed code list, or the comment is no directive (never a blanket one)
_DIRECTIVE = re.compile(
    r"#\s*torchlint\s*:\s*(?P<kind>file-ignore|ignore)(?![\w-])(?:\s*\[(?P<codes>[^\]]*)\]|(?!\s*\[))",
    re.IGNORECASE,
)
_SELECTOR = re.compile(r"[A-Z]+[0-9]*\Z", re.IGNORECASE)
_HINT = re.compile("torchlint", re.IGNORECASE)  # what every torchlint directive contains
EVERY = "*"  # what a bare directive records as used


class Kind(enum.Enum):
    NOQA = "noqa"  # flake8's comment on the line
    IGNORE = "ignore"  # # torchlint: ignore[CODES] on the line
    FILE_IGNORE = "file-ignore"  # # torchlint: file-ignore[CODES] in the file


@dataclass(frozen=True)
class LineSuppression:
    codes: Optional[frozenset[str]]  # None: every code

    def suppresses(self, code: str) -> bool:
        return self.codes is None or any(code.startswith(prefix) for prefix in self.codes)


def line_suppression(line: str) -> Optional[LineSuppression]:
    """The ``# noqa`` suppression on one physical line, if any."""
    codes = _noqa_codes(line)
    if codes is False:
        return None
    return LineSuppression(None if codes is None else frozenset(codes))


def _noqa_codes(text: str) -> Union[tuple[str, ...], None, Literal[False]]:
    """The codes of the first ``# noqa`` in ``text``: a tuple, None for a blanket one, False when none."""
    if "#" not in text:
        return False
    match = _INLINE.search(text)
    if match is None:
        return False
    codes = match.group("codes")
    if not codes:
        return None
    return tuple(code.upper() for code in _CODE.findall(codes))


def may_have_directives(text: str) -> bool:
    """A cheap test before looking for torchlint's directives among a file's comments."""
    return _HINT.search(text) is not None


def file_is_skipped(lines: Sequence[str]) -> bool:
    """True when a line holds a bare ``# flake8: noqa``."""
    for line in lines:
        if "flake8" not in line.lower():
            continue
        match = _FILE.match(line)
        if match is not None and not match.group("codes"):
            return True
    return False


@dataclass
class Directive:
    """One suppression comment and what it has suppressed so far."""

    kind: Kind
    line: int  # 1-based physical line of the comment
    codes: Optional[tuple[str, ...]]  # upper-case codes or prefixes, as written; None: every code
    text: str  # the directive as written in the comment
    comment: Optional[cst.Comment] = None  # the comment holding it, when it is a real comment
    used: set[str] = field(default_factory=set)  # the entries of ``codes`` (or EVERY) that suppressed something

    def suppresses(self, code: str) -> bool:
        """Whether the directive covers ``code``; records the use."""
        if self.codes is None:
            self.used.add(EVERY)
            return True
        for selector in self.codes:
            if code.startswith(selector):
                self.used.add(selector)
                return True
        return False


def torchlint_directives(comment: cst.Comment, line: int) -> list[Directive]:
    """The ``# torchlint: ignore`` / ``file-ignore`` directives in one comment (malformed ones are none)."""
    directives = []
    for match in _DIRECTIVE.finditer(comment.value):
        codes: Optional[tuple[str, ...]] = None
        if match.group("codes") is not None:
            selectors = [part for part in re.split(r"[,\s]+", match.group("codes")) if part]
            if not selectors or not all(_SELECTOR.match(selector) for selector in selectors):
                continue
            codes = tuple(selector.upper() for selector in selectors)
        kind = Kind.FILE_IGNORE if match.group("kind").lower() == Kind.FILE_IGNORE.value else Kind.IGNORE
        directives.append(Directive(kind, line, codes, match.group(), comment))
    return directives


@dataclass(frozen=True)
class UnusedSuppression:
    """A suppression directive that suppressed nothing in this run, for rules to report."""

    comment: cst.Comment  # where the directive is
    kind: Kind
    directive: str  # as written
    codes: Optional[tuple[str, ...]]  # as written; None for a bare directive (which then suppressed nothing)
    unused: tuple[str, ...]  # listed codes of enabled rules that suppressed nothing
    unknown: tuple[str, ...]  # listed codes that no rule has


class Suppressions:
    """Every suppression of one file; filters diagnostics and remembers which directive was used."""

    def __init__(self, directives: Sequence[Directive], skip_file: bool = False) -> None:
        self.directives = list(directives)
        self.skip_file = skip_file  # a bare file-level flake8 comment
        self._by_line: dict[int, list[Directive]] = {}
        self._file_wide: list[Directive] = []
        for directive in self.directives:
            if directive.kind is Kind.FILE_IGNORE:
                self._file_wide.append(directive)
            else:
                self._by_line.setdefault(directive.line, []).append(directive)

    @classmethod
    def scan(
        cls,
        lines: Sequence[str],
        comments: Iterable[tuple[cst.Comment, int]] = (),
        noqa: bool = True,
        only_lines: Optional[Collection[int]] = None,
    ) -> Suppressions:
        """The suppressions of a file from its physical ``lines`` and its real ``comments`` (with their line
        numbers). With ``noqa=False``, flake8's comments are left to flake8; with ``only_lines``, only the
        ``# noqa`` comments on those lines are read."""
        by_line: dict[int, list[cst.Comment]] = {}
        directives: list[Directive] = []
        for comment, line in comments:
            by_line.setdefault(line, []).append(comment)
            directives.extend(torchlint_directives(comment, line))
        if not noqa:
            return cls(directives)
        if file_is_skipped(lines):
            return cls(directives, skip_file=True)
        numbers = range(1, len(lines) + 1) if only_lines is None else sorted(n for n in only_lines if n <= len(lines))
        for number in numbers:
            text = lines[number - 1]
            codes = _noqa_codes(text)
            if codes is False:
                continue
            holder = next((c for c in by_line.get(number, ()) if _noqa_codes(c.value) is not False), None)
            match = _INLINE.search(text)
            written = match.group() if match else "# noqa"
            directives.append(Directive(Kind.NOQA, number, codes if isinstance(codes, tuple) else None,
                                        written.rstrip(", "), holder))
        return cls(directives)

    def suppressed(self, diagnostic: Diagnostic, besides: Optional[Directive] = None) -> bool:
        """Whether a directive (other than ``besides``) suppresses ``diagnostic``."""
        if self.skip_file:
            return True
        found = False
        for directive in (*self._by_line.get(diagnostic.line, ()), *self._file_wide):
            if directive is besides:
                continue
            found = directive.suppresses(diagnostic.code) or found  # every matching directive counts as used
        return found

    def filter(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        return [diagnostic for diagnostic in diagnostics if not self.suppressed(diagnostic)]

    def unused(self, enabled: Collection[str], known: Collection[str]) -> list[tuple[UnusedSuppression, Directive]]:
        """Directives (in real comments) that suppressed nothing. ``enabled``: the codes that ran on the file;
        ``known``: every code torchlint has. A listed code counts as unused only when a rule that ran could
        have reported it; codes of rules that did not run are not judged, codes that no rule has are
        unknown. A blanket ``# noqa`` and codes of other tools (another prefix than torchlint's) are not
        torchlint's to judge."""
        namespaces = {_namespace(code) for code in known}
        events = []
        for directive in self.directives:
            if directive.comment is None or self.skip_file:
                continue
            if directive.codes is None:
                if directive.kind is not Kind.NOQA and not directive.used:
                    event = UnusedSuppression(directive.comment, directive.kind, directive.text, None, (), ())
                    events.append((event, directive))
                continue
            unused, unknown = [], []
            for selector in directive.codes:
                if selector in directive.used:
                    continue
                if any(code.startswith(selector) for code in enabled):
                    unused.append(selector)
                elif any(code.startswith(selector) for code in known):
                    continue
                elif directive.kind is not Kind.NOQA or _namespace(selector) in namespaces:
                    unknown.append(selector)
            if unused or unknown:
                event = UnusedSuppression(
                    directive.comment, directive.kind, directive.text, directive.codes, tuple(unused), tuple(unknown)
                )
                events.append((event, directive))
        return events


def _namespace(code: str) -> str:
    match = re.match(r"[A-Z]+", code, re.IGNORECASE)
    return match.group().upper() if match else code


def comments_with_lines(positions: Mapping[cst.CSTNode, object]) -> list[tuple[cst.Comment, int]]:
    """Every comment of a module with its line, from the positions computed for the file."""
    found = []
    for node, where in positions.items():
        if isinstance(node, cst.Comment):
            found.append((node, where.start.line))  # type: ignore[attr-defined]
    return found
