"""Fuzzing torchlint: input strategies, the properties every input must satisfy, and a minimiser.

Used by ``tests/test_fuzz.py`` (a bounded number of examples in every test run) and by
``benchmarks/fuzz.py`` (the same properties, many more examples). Inputs come from three sources:

- :func:`torch_programs`: files built from a vocabulary of nn.Module code (imports spelt every way, bases,
  ``__init__``/``forward``/helper methods, tensors, Parameters, containers, registrations, suppressions,
  branches and one-line suites), so the class analysis and every rule's fix actually run;
- :func:`hypothesmith_programs`: programs from ``hypothesmith`` (the Python grammar, and LibCST nodes) put
  into ``__init__``, ``forward``, a class body or the module of such a file, with some names rewritten into
  ``self.<name>`` and some values into tensors;
- :func:`mutated_fixtures`: the files of ``tests/fixtures`` and ``tests/rule_fixtures`` as bytes, with lines
  deleted, duplicated and swapped, tokens, brackets and indentation inserted, truncation, encoding cookies,
  CRLF/CR line endings, a BOM, and tensor assignments inserted into ``__init__`` bodies.

The properties (:func:`check_source`):

1. nothing crashes: ``lint_text`` with every rule returns diagnostics (a file that cannot be parsed is a
   TL999 diagnostic) and ``torchlint.commands.cli.main`` on a file exits 0, 1 or 2 without an "internal error";
2. ``fix_text`` with every fix allowed produces code that ``ast.parse`` and ``libcst.parse_module`` accept
   (unless the input itself is one CPython's parser rejects), is idempotent, and changes only the lines of
   what it fixed: in each round of the fix loop, an original line may change only when it is in the
   statement of a fixed diagnostic (TL006's fix also turns ``self.<name>`` into a local elsewhere in that
   method, TL009's fix the one definition of the local the reported statement uses, the buffer declaration
   of TL001 and TL010 an existing ``self.<name> = None`` in ``__init__``); every other line stays,
   in order and with its line ending; and a line may be added only where a fix's ``InsertClassStatement`` /
   ``InsertImport`` / ``InsertAfter`` edit puts its statement. A file that LibCST does not give back as it
   read it fails apart (``NO_ROUND_TRIP``). ``--fix`` through the command line writes exactly that text;
3. a fix never brings a finding that was not there (such as TL006 for a buffer registered under a name that
   nn.Module already has): the fixed code would raise where the original ran.

A violated property raises :class:`Failure`, whose ``kind`` is "crash" or "bad fix" and whose ``signature``
groups failures with the same cause, so :func:`minimise` can shrink an input without sliding to another bug.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import io
import os
import random
import re
import tempfile
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import libcst as cst
from hypothesis import strategies as st

from torchlint.commands.cli import main as cli_main
from torchlint.config.settings import DEFAULT, NON_PERSISTENT, PERSISTENT, Settings
from torchlint.contract.diagnostics import Diagnostic
from torchlint.contract.edits import InsertAfter, InsertClassStatement, InsertImport, Replace
from torchlint.engine.fix_loop import FixError, FixResult, FixRound, fix_text
from torchlint.engine.linter import lint_text
from torchlint.engine.registry import all_rules
from torchlint.source.decoding import SourceError, decode
from torchlint.source.lines import line_ending, physical_lines
from torchlint.source.positions import node_positions

ALL_RULES = all_rules()
PATH = "f.py"
TESTS = Path(__file__).resolve().parent
FIXTURE_FILES = sorted((TESTS / "fixtures").glob("*.py")) + sorted((TESTS / "rule_fixtures").glob("*.py"))
FIXTURES: list[tuple[str, bytes]] = [(f"{path.parent.name}/{path.name}", path.read_bytes()) for path in FIXTURE_FILES]
SETTINGS = [
    Settings(),
    Settings(target_torch=(2, 5)),  # TL001's fix writes nn.Buffer(...)
    Settings(buffer_persistence=PERSISTENT),
]
TEMPLATE_HEADER = (
    "import torch\nfrom torch import nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
)
# the signature of a failure of LibCST rather than of a rule: a file it does not round-trip loses text when fixed
NO_ROUND_TRIP = "LibCST does not give back the file it parsed, so fixing it changes lines no fix touches"


# --- failures --------------------------------------------------------------------------------------------


class Failure(Exception):
    """A violated property. ``kind``: "crash" or "bad fix"; ``signature``: what minimising must preserve."""

    def __init__(self, kind: str, signature: str, detail: str) -> None:
        super().__init__(f"{kind}: {signature}\n{detail}")
        self.kind = kind
        self.signature = signature
        self.detail = detail


def _crash(where: str, error: BaseException) -> Failure:
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if "torchlint" in frame.filename or "/rules/" in frame.filename]
    place = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    detail = "".join(traceback.format_exception(type(error), error, error.__traceback__)[-12:])
    return Failure("crash", f"{where} raised {type(error).__name__} at {place}", detail)


# --- property 1: nothing crashes -------------------------------------------------------------------------


def check_lint(text: str, settings: Settings = DEFAULT) -> list[Diagnostic]:
    try:
        return lint_text(text, PATH, ALL_RULES, settings)
    except Exception as error:
        raise _crash("lint_text", error) from None


def _run_cli(arguments: Sequence[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(list(arguments))
    return code, out.getvalue(), err.getvalue()


def _settings_arguments(settings: Settings) -> list[str]:
    arguments = []
    if settings.target_torch is not None:
        arguments += ["--target-torch", ".".join(map(str, settings.target_torch))]
    if settings.buffer_persistence != NON_PERSISTENT:
        arguments += ["--fix-buffer-persistence", settings.buffer_persistence]
    return [*arguments, "--line-length", str(settings.line_length or 1_000_000)]  # the library breaks no line


def check_cli(data: bytes, expected_fix: Optional[str], settings: Settings = DEFAULT) -> None:
    """``torchlint`` and ``torchlint --fix --unsafe-fixes`` on a file holding ``data``. ``expected_fix`` is
    the text ``fix_text`` produced for the decoded file (None when it cannot be decoded)."""
    common = ["--no-cache", "--isolated", "--select", "ALL", "--jobs", "1", *_settings_arguments(settings)]
    with tempfile.TemporaryDirectory(prefix="torchlint-fuzz-") as directory:
        path = os.path.join(directory, "fuzzed.py")
        for extra in ([], ["--fix", "--unsafe-fixes"]):
            with open(path, "wb") as handle:
                handle.write(data)
            code, out, err = _run_cli([*common, *extra, path])
            command = "torchlint " + " ".join(extra)
            if code not in (0, 1, 2):
                raise Failure("crash", f"{command}: exit code {code}", err)
            if "internal error" in err or "Traceback" in err:
                line = next(line for line in err.splitlines() if "internal error" in line or "Traceback" in line)
                raise Failure("crash", f"{command}: {_generalise(line.split(path)[-1])}", err)
            if "please report this" in err:
                raise Failure("bad fix", f"{command}: a fix produces code that does not parse", err)
            if extra and expected_fix is not None:
                with open(path, "rb") as handle:
                    written = handle.read()
                try:
                    now = decode(written).text
                except SourceError as error:
                    raise Failure("bad fix", "--fix wrote a file that cannot be decoded", str(error)) from None
                if now != expected_fix:
                    raise Failure("bad fix", "--fix wrote other text than fix_text produces", _diff(expected_fix, now))


def _generalise(message: str) -> str:
    """A message without the numbers and names that vary between inputs with the same cause."""
    return re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "_", message.strip())[:160]


# --- property 2: fixes parse, are idempotent and local ---------------------------------------------------


def _diff(before: str, after: str) -> str:
    return "".join(difflib.unified_diff(
        physical_lines(before, keepends=True), physical_lines(after, keepends=True), "before", "after", n=1
    ))[:4000]


def _parses(text: str) -> Optional[str]:
    try:
        ast.parse(text)
        cst.parse_module(text)
    except (SyntaxError, ValueError, RecursionError, cst.ParserSyntaxError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def check_fix(text: str, settings: Settings = DEFAULT) -> str:
    """The fixed text, after checking properties 2 and 3."""
    try:
        result = fix_text(text, PATH, ALL_RULES, allowed=lambda d: True, settings=settings)
    except FixError as error:
        if _parses(text) is not None:
            return text  # the input itself does not parse with CPython; the fix loop rightly stops
        reached = error.rounds[-1].after if error.rounds else text
        if cst.parse_module(reached).code != reached:
            return text  # LibCST would drop bytes of this text; the fix loop refuses to fix the file
        raise Failure("bad fix", "a fix does not parse", str(error)) from None
    except Exception as error:
        raise _crash("fix_text", error) from None
    check_nothing_withdrawn(result)
    if result.text == text:
        return text
    problem = _parses(result.text)
    if problem is not None and _parses(text) is None:
        raise Failure("bad fix", "fixed text does not parse", problem + "\n" + _diff(text, result.text))
    for fix_round in result.rounds:
        check_round(fix_round)
    for fix_round in result.rounds:
        if fix_round.module.code != fix_round.before:
            raise Failure("bad fix", NO_ROUND_TRIP, _diff(fix_round.before, fix_round.module.code))
    try:
        again = fix_text(result.text, PATH, ALL_RULES, allowed=lambda d: True, settings=settings)
    except Exception as error:
        raise _crash("fix_text on fixed text", error) from None
    if again.text != result.text:
        codes = ",".join(sorted({d.code for d in again.fixed}))
        raise Failure("bad fix", f"not idempotent: fixing again applies {codes}", _diff(result.text, again.text))
    return result.text


def check_nothing_withdrawn(result: FixResult) -> None:
    """Property 3: no rule offers a fix that would bring a finding that was not there (a buffer registered
    under a name nn.Module already has: the fixed code raises where the original ran). The fix loop withdraws
    such a fix before it reaches a file; each one it had to withdraw is a rule's mistake."""
    if result.withdrawn:
        first = result.withdrawn[0]
        new_code = re.search(r"would bring (TL\d+)", first.message)
        raise Failure("bad fix", f"fix of {first.code} brings {new_code.group(1) if new_code else 'new findings'}",
                      "\n".join(f"{d.line}:{d.column}: {d.code} {d.message}" for d in result.withdrawn))


class _Collector(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.statements: list[cst.BaseSmallStatement] = []
        self.functions: list[cst.FunctionDef] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseSmallStatement):
            self.statements.append(node)
            return False  # no statement nests inside a small statement
        if isinstance(node, cst.FunctionDef):
            self.functions.append(node)
        return isinstance(node, (cst.Module, cst.BaseCompoundStatement, cst.BaseSuite, cst.SimpleStatementLine,
                                 cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.MatchCase))


def _statement_code(statement: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(statement).strip()


def _docstring_length(body: Sequence[cst.BaseStatement]) -> int:
    if body and isinstance(body[0], cst.SimpleStatementLine) and len(body[0].body) == 1:
        first = body[0].body[0]
        if isinstance(first, cst.Expr) and isinstance(first.value, (cst.SimpleString, cst.ConcatenatedString)):
            return 1
    return 0


@dataclass
class _Insertion:
    code: str
    low: int  # the statement goes after original line number ``low``..``high`` (0: before the first line)
    high: int


def _contains(outer: object, line: int, column: int, end_line: int, end_column: int) -> bool:
    start, end = outer.start, outer.end  # type: ignore[attr-defined]
    return (start.line, start.column) <= (line, column) and (end_line, end_column) <= (end.line, end.column)


def _names(node: cst.CSTNode) -> set[str]:
    names: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            names.add(name.value)

    node.visit(Names())
    return names


def _defines_local_of(definition: cst.CSTNode, statement: cst.CSTNode) -> bool:
    """``definition`` assigns a local (``name = ...``) that ``statement`` uses."""
    if isinstance(definition, cst.Assign):
        targets = [target.target for target in definition.targets]
    elif isinstance(definition, cst.AnnAssign):
        targets = [definition.target]
    else:
        return False
    return any(isinstance(target, cst.Name) and target.value in _names(statement) for target in targets)


def _declares_in_place(edited: cst.CSTNode, replacement: cst.CSTNode) -> bool:
    """``self.<name> = None`` replaced by ``self.register_buffer("<name>", None, persistent=False)``."""
    if not (isinstance(edited, cst.Assign) and len(edited.targets) == 1 and isinstance(replacement, cst.Expr)):
        return False
    target, call = edited.targets[0].target, replacement.value
    if not (isinstance(target, cst.Attribute) and isinstance(edited.value, cst.Name) and edited.value.value == "None"):
        return False
    return (
        isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "register_buffer"
        and bool(call.args) and isinstance(call.args[0].value, cst.SimpleString)
        and call.args[0].value.evaluated_value == target.attr.value
    )


def check_round(fix_round: FixRound) -> None:
    """Each changed line of ``fix_round.before`` is in the statement of a diagnostic it fixed (or, for
    TL006 and TL009, a line of the same method that the fix's own edits replace); every other line is kept, in
    order and with its line ending; and a line is added only in place of such lines or as the statement of an
    insertion edit of the round, where that edit puts it."""
    module = fix_round.module
    collector = _Collector()
    module.visit(collector)
    edits = [edit for d in fix_round.chosen if d.fix is not None for edit in d.fix.edits]
    anchors: list[cst.CSTNode] = []
    for edit in edits:
        if isinstance(edit, Replace):
            anchors.append(edit.node)
        elif isinstance(edit, InsertAfter):
            anchors.append(edit.anchor)
        elif isinstance(edit, InsertClassStatement) and isinstance(edit.class_node.body, cst.IndentedBlock):
            anchors.extend(edit.class_node.body.body)
    anchors.extend(module.body)
    anchors.extend(decorator for anchor in list(anchors) for decorator in getattr(anchor, "decorators", ()))
    positions = node_positions(module, [*collector.statements, *collector.functions, *anchors])

    def enclosing(cls: type, line: int, column: int, end_line: int, end_column: int) -> Optional[cst.CSTNode]:
        nodes = collector.functions if cls is cst.FunctionDef else collector.statements
        found = [node for node in nodes if _contains(positions[node], line, column, end_line, end_column)]
        return min(found, key=lambda node: positions[node].end.line - positions[node].start.line, default=None)

    allowed: set[int] = set()
    for diagnostic in fix_round.chosen:
        where = (diagnostic.line, diagnostic.column - 1, diagnostic.end_line, diagnostic.end_column - 1)
        allowed.update(range(diagnostic.line, diagnostic.end_line + 1))
        statement = enclosing(cst.BaseSmallStatement, *where)
        if statement is not None:
            allowed.update(range(positions[statement].start.line, positions[statement].end.line + 1))
        function = enclosing(cst.FunctionDef, *where)
        if statement is None or function is None or diagnostic.fix is None:
            continue
        for edit in diagnostic.fix.edits:
            if not isinstance(edit, Replace):
                continue
            span = positions[edit.node]
            edited = enclosing(cst.BaseSmallStatement, span.start.line, span.start.column, span.end.line, span.end.column)
            if edited is None or edited is statement:
                continue
            if diagnostic.code in ("TL001", "TL010") and _declares_in_place(edited, edit.replacement):
                # the buffer declaration takes the place of the `self.<name> = None` already in __init__
                allowed.update(range(positions[edited].start.line, positions[edited].end.line + 1))
                continue
            outside = positions[edited]
            if not _contains(positions[function], outside.start.line, outside.start.column, outside.end.line,
                             outside.end.column):
                continue
            # TL006 turns `self.<name> = value` earlier in the method into a local and reads the local up to the
            # registration; TL009 moves the call into the nn.Parameter(...) of the one definition of the local
            # the reported statement assigns
            if diagnostic.code == "TL006" or (diagnostic.code == "TL009" and _defines_local_of(edited, statement)):
                allowed.update(range(outside.start.line, outside.end.line + 1))

    def before(statement: cst.BaseStatement) -> tuple[int, int]:
        decorators = getattr(statement, "decorators", ())
        high = positions[decorators[0] if decorators else statement].start.line - 1
        return high - len(getattr(statement, "leading_lines", ())), high

    def after(statement: cst.CSTNode) -> tuple[int, int]:
        return positions[statement].end.line, positions[statement].end.line

    insertions: list[_Insertion] = []
    for edit in edits:
        if isinstance(edit, InsertAfter):
            insertions.append(_Insertion(_statement_code(edit.statement), *after(edit.anchor)))
        elif isinstance(edit, InsertClassStatement) and isinstance(edit.class_node.body, cst.IndentedBlock):
            body = edit.class_node.body.body
            docstring = _docstring_length(body)
            place = before(body[docstring]) if len(body) > docstring else after(body[-1])
            insertions.append(_Insertion(_statement_code(edit.statement), *place))
        elif isinstance(edit, InsertImport):
            body = module.body
            imports = [index for index, statement in enumerate(body)
                       if isinstance(statement, cst.SimpleStatementLine)
                       and any(isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body)]
            index = imports[-1] + 1 if imports else _docstring_length(body)
            if index < len(body):
                place = before(body[index])
            elif body:
                place = after(body[-1])
            else:
                place = (0, len(physical_lines(module.code)))
            insertions.append(_Insertion(_statement_code(edit.statement), *place))

    # the parsed tree's own text, which positions count in: a file LibCST does not round-trip is reported apart
    problem = _unexplained_line(module.code, fix_round.after, allowed, insertions)
    if problem is not None:
        codes = ",".join(sorted({d.code for d in fix_round.chosen}))
        raise Failure("bad fix", f"fix of {codes} touches other lines", problem + "\n" + _diff(module.code, fix_round.after))


def _unexplained_line(before: str, after: str, allowed: set[int], insertions: Sequence[_Insertion]) -> Optional[str]:
    """Why ``after`` is not ``before`` with only the ``allowed`` lines (1-based) replaced by anything and
    ``insertions`` added where they go, or None.

    The old file becomes a pattern over lines: every line that is not allowed must appear unchanged and in
    order (with its line ending; the last line may gain one), each run of allowed lines matches any lines,
    and between two old lines any number of lines may be inserted statements anchored there. The pattern is
    matched by simulating its automaton (no backtracking), which also finds how far ``after`` matches."""
    old = physical_lines(before, keepends=True)
    new = physical_lines(after, keepends=True)
    ANY, INSERT, LINE = 0, 1, 2
    pattern: list[tuple[int, object]] = []
    for gap in range(len(old) + 1):  # gap p: between old lines p and p + 1 (1-based)
        codes = frozenset(insertion.code for insertion in insertions if insertion.low <= gap <= insertion.high)
        if codes:
            pattern.append((INSERT, codes))
        if gap < len(old):
            if gap + 1 in allowed:
                if not pattern or pattern[-1][0] != ANY:
                    pattern.append((ANY, None))
            else:
                pattern.append((LINE, gap))

    def closure(states: set[int]) -> set[int]:
        todo, seen = list(states), set(states)
        while todo:
            state = todo.pop()
            if state < len(pattern) and pattern[state][0] in (ANY, INSERT) and state + 1 not in seen:
                seen.add(state + 1)
                todo.append(state + 1)
        return seen

    def same_line(index: int, line: str) -> bool:
        original = old[index]
        if original == line:
            return True
        last_without_ending = index == len(old) - 1 and not line_ending(original)
        return last_without_ending and line.rstrip("\r\n") == original

    states = closure({0})
    furthest, at = -1, 0  # the last original line matched unchanged (0-based), and the fixed line it matched
    for number, line in enumerate(new, start=1):
        following: set[int] = set()
        for state in states:
            if state == len(pattern):
                continue
            kind, value = pattern[state]
            if kind == ANY or (kind == INSERT and line.strip() in value):  # type: ignore[operator]
                following.add(state)
            elif kind == LINE and same_line(value, line):  # type: ignore[arg-type]
                following.add(state + 1)
                if value > furthest:  # type: ignore[operator]
                    furthest, at = value, number  # type: ignore[assignment]
        states = closure(following)
        if not states:
            break
    if len(pattern) in states:
        return None
    missing = next((value for kind, value in pattern if kind == LINE and value > furthest), None)  # type: ignore
    if missing is None:
        return f"the fixed text goes on after its line {at}, which is the last original line"
    found = f"line {at + 1} is {new[at]!r}" if at < len(new) else "it ends there"
    return (f"original line {missing + 1} {old[missing]!r} does not follow unchanged after original line "  # type: ignore
            f"{furthest + 1} (the fixed text's line {at}; its {found})")


# --- all properties for one input -----------------------------------------------------------------------


def check_source(data: bytes, settings: Settings = DEFAULT, cli: bool = True) -> None:
    """Every property for the file content ``data``; raises :class:`Failure`."""
    try:
        text: Optional[str] = decode(data).text
    except SourceError:
        text = None
    fixed = None
    if text is not None:
        check_lint(text, settings)
        fixed = check_fix(text, settings)
    if cli:
        check_cli(data, fixed, settings)



# --- generated torch programs ----------------------------------------------------------------------------

# mostly fresh names, sometimes one that nn.Module or the class already uses, or an invalid one
NAMES = ["x", "mask", "weight", "scale", "layers", "buf", "cache", "inv_freq", "table", "stats", "pe", "alpha",
         "x", "mask", "weight", "training", "forward", "device", "to", "type", "half", "_buffers", "match", "é"]
REGISTERED_NAMES = [*NAMES[:12], "a.b", ""]
ANNOTATIONS = ["Tensor", "torch.Tensor", '"torch.Tensor"', "Optional[Tensor]", "{NN}.Module", "list", "int"]
CONDITIONS = ["n > 2", "self.training", "flag", "True", "x is None", "torch.cuda.is_available()"]
COMMENTS = ["  # noqa", "  # noqa: TL001", "  # noqa:TL002,TL003", "  # torchlint: ignore[TL001]",
            "  # torchlint: ignore", "  # type: ignore", "  # a comment"]


@dataclass(frozen=True)
class _Spelling:
    header: str
    torch: str
    nn: str
    module: str  # the nn.Module base as this file spells it


SPELLINGS = [
    _Spelling("import torch\nfrom torch import nn\n", "torch", "nn", "nn.Module"),
    _Spelling("import torch\nfrom torch import nn\n", "torch", "nn", "nn.Module"),
    _Spelling("import torch\nimport torch.nn as nn\n", "torch", "nn", "nn.Module"),
    _Spelling("import torch\n", "torch", "torch.nn", "torch.nn.Module"),
    _Spelling("import torch as th\nfrom torch import nn as tnn\n", "th", "tnn", "tnn.Module"),
    _Spelling("import torch\nfrom torch.nn import Module, Parameter\n", "torch", "torch.nn", "Module"),
    _Spelling("from torch import nn, Tensor\nimport torch\nfrom typing import Optional\n", "torch", "nn", "nn.Module"),
    _Spelling('"""A module."""\nfrom __future__ import annotations\n\nimport torch\n', "torch", "torch.nn",
              "torch.nn.Module"),
    _Spelling("import torch\nimport torch.nn\n", "torch", "torch.nn", "torch.nn.Module"),
    _Spelling("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nfrom typing import TYPE_CHECKING\n\nimport torch\n"
              "try:\n    from torch import nn\nexcept ImportError:\n    nn = None\n", "torch", "nn", "nn.Module"),
    _Spelling("import torch\nfrom torch.nn import Module\nnn = 3\n", "torch", "torch.nn", "Module"),
]


def _tensor(draw: st.DrawFn, spelling: _Spelling) -> str:
    t = spelling.torch
    return draw(st.sampled_from([
        f"{t}.ones(3)", f"{t}.zeros(2, 2, dtype={t}.long)", f"{t}.arange(4)", f"{t}.randn(3, requires_grad=True)",
        f"{t}.tril({t}.ones(n, n, dtype={t}.bool))", f"{t}.empty(0)", f"{t}.tensor([1.0, 2.0])",
        f"{t}.randint(0, 5, (3,))", f"{t}.ones(3) * 2", f"{t}.ones(3).float()", f"{t}.ones(3) > 0",
        f"-{t}.ones(3)", f"{t}.ones(\n    3,\n)", f"{t}.ones(  # a comment\n    3)", "x", f"{t}.ones(3).to('cpu')",
        f"{t}.ones(3).cuda()", f"{t}.ones(3).half()", f"({t}.ones(3))", f"{t}.zeros(n).bool()", "self.helper()",
        f"{t}.ones(3)[0]", f"{t}.ones(3) if flag else {t}.zeros(3)", f"{t}.ones(3, device=self.device)",
        f"{t}.zeros(3).requires_grad_()", f"{t}.ones(3) + x", "t",
    ]))


def _parameter(draw: st.DrawFn, spelling: _Spelling) -> str:
    inner, nn = _tensor(draw, spelling), spelling.nn
    return draw(st.sampled_from([
        f"{nn}.Parameter({inner})", f"{nn}.Parameter({inner}).to('cpu')", f"{nn}.Parameter(data={inner}).cuda().half()",
        f"{nn}.Parameter({inner}, requires_grad=False)", f"{nn}.Buffer({inner})", f"{nn}.Parameter({inner}).float()",
        f"{nn}.Buffer({inner}, persistent=False)", f"{nn}.parameter.Parameter({inner})", "p",
        f"({nn}.Parameter({inner})).double()", f"{nn}.Parameter(\n    {inner}\n).to(\n    'cpu'\n)",
    ]))


def _module(draw: st.DrawFn, spelling: _Spelling) -> str:
    nn = spelling.nn
    return draw(st.sampled_from([
        f"{nn}.Linear(2, 2)", f"{nn}.ReLU()", f"{nn}.Sequential({nn}.ReLU())", "Other()", "M2()", "self",
        f"{nn}.ModuleList([{nn}.ReLU()])", f"{nn}.ParameterList()", f"{nn}.Conv2d(1, 1, 3)",
    ]))


def _container(draw: st.DrawFn, spelling: _Spelling) -> str:
    item = draw(st.sampled_from([_tensor, _parameter, _module, _module]))
    items = [item(draw, spelling) for _ in range(draw(st.integers(1, 3)))]
    joined = ", ".join(items)
    return draw(st.sampled_from([
        f"[{joined}]", f"[{joined}]", f"({joined},)", "{" + ", ".join(f"'k{i}': v" for i, v in enumerate(items)) + "}",
        f"[{items[0]} for _ in range(3)]", f"list([{joined}])", f"dict(a={items[0]})", "[]", "{}",
        f"[\n    {items[0]},\n    {items[-1]},\n]", f"{{'a': {items[0]}, **extra}}", f"[*{items[0]}]",
    ]))


def _value(draw: st.DrawFn, spelling: _Spelling) -> str:
    kind = draw(st.sampled_from([_tensor, _tensor, _tensor, _tensor, _parameter, _parameter, _module, _container,
                                 _container, None]))
    if kind is not None:
        return kind(draw, spelling)
    return draw(st.sampled_from(["None", "1", "'s'", "n", "self.other", f"{spelling.torch}.device('cpu')",
                                 f"{spelling.torch}.float32", "x.device", "[]", "lambda: 0", "flag"]))


def _statement(draw: st.DrawFn, spelling: _Spelling, s: str, depth: int = 0) -> list[str]:
    """One statement, as lines relative to the body's indentation, of a method whose self is ``s``."""
    name, other = draw(st.sampled_from(NAMES)), draw(st.sampled_from(NAMES))
    value = _value(draw, spelling)

    def annotation() -> str:
        return draw(st.sampled_from(ANNOTATIONS)).replace("{NN}", spelling.nn)

    def registered() -> str:
        return draw(st.sampled_from(REGISTERED_NAMES))

    comment = draw(st.sampled_from(COMMENTS)) if draw(st.integers(0, 9)) == 0 else ""
    t = spelling.torch
    forms: list[Callable[[], str]] = [
        lambda: f"{s}.{name} = {value}", lambda: f"{s}.{name} = {value}", lambda: f"{s}.{name} = {value}",
        lambda: f"{s}.{name} = {_tensor(draw, spelling)}", lambda: f"{s}.{name} = {_tensor(draw, spelling)}",
        lambda: f"{s}.{name} = {_container(draw, spelling)}", lambda: f"{s}.{name}: {annotation()} = {value}",
        lambda: f"{s}.{name}: {annotation()}", lambda: f'setattr({s}, "{name}", {value})',
        lambda: f"{s}.{name} = {s}.{other} = {value}",
        lambda: f"{s}.{name}, {s}.{other} = {value}, {_value(draw, spelling)}", lambda: f"{s}.{name} += {value}",
        lambda: f'{s}.register_buffer("{registered()}", {value})',
        lambda: f'{s}.register_buffer("{registered()}", {value}, persistent=False)',
        lambda: f'{s}.register_buffer("{name}", None)', lambda: f'{s}.register_parameter("{registered()}", {value})',
        lambda: f'{s}.add_module("{registered()}", {value})', lambda: f'{s}.register_module("{registered()}", {value})',
        lambda: f"{s}.{name}.append({value})", lambda: f"{s}.{name}[0] = {value}", lambda: f"x = {value}",
        lambda: f"t = {_tensor(draw, spelling)}", lambda: f"p = {_parameter(draw, spelling)}",
        lambda: f"{s}.{name} = t", lambda: f"{s}.{name} = p", lambda: f"{s}.{name} = {value}; {s}.n = 1",
        lambda: f"{s}.helper()", lambda: f"del {s}.{name}", lambda: "pass", lambda: f"{s}.device = {t}.device('cpu')",
        lambda: f"{s}.dtype = {t}.float16", lambda: f"{s}.{name} = {s}.{name}.to(x.device)",
        lambda: f"{s}.{name} = {t}.ones(3, device={s}.device, dtype={s}.dtype)", lambda: f"{s}.{name} = {s}.{other}",
        lambda: f"{s}.{name}.data = {value}", lambda: f'{s}.register_buffer("{name}", {s}.{name})',
        lambda: f'{s}.register_buffer("{name}", {s}.{name} * 2, persistent=False)',
        lambda: f"{s}.{name} = x.softmax(-1)", lambda: f"return {value}" if depth else "pass",
        lambda: f"{s}.{name} = {_tensor(draw, spelling)}; {s}.{other} = {_tensor(draw, spelling)}",
        lambda: f"{s}.{name} = \\\n    {_tensor(draw, spelling)}", lambda: f"({s}.{name}) = {value}",
        lambda: f"{s}.{name} = (\n    {value}\n)", lambda: f"{s}.{name} = (y := {_tensor(draw, spelling)})",
        lambda: f"{s}.{name} = {value} if flag else None", lambda: f"{s}.{name}: {annotation()} = (  # why\n    {value}\n)",
        lambda: f'{s}.register_buffer(name="{registered()}", tensor={value})',
        lambda: f'{s}.register_buffer("{registered()}", {value}, False)', lambda: f'setattr({s}, f"{name}", {value})',
        lambda: f'{s}.__dict__["{name}"] = {value}', lambda: f'object.__setattr__({s}, "{name}", {value})',
        lambda: f"{s}.{name} = [[{_module(draw, spelling)}]]", lambda: f"{s}.{name} = {spelling.nn}.ModuleList() + [{value}]",
        lambda: f"super().__init__(); {s}.{name} = {value}", lambda: f"{s}.{name} = {value}  # type: Tensor",
        lambda: f"{s}.{name} = {value}\n# a comment after\n",
    ]
    form = draw(st.integers(0, len(forms) + 6))
    if form < len(forms):
        return [forms[form]() + comment]
    if depth >= 2:
        return [f"{s}.{name} = {value}"]
    body = [line for _ in range(draw(st.integers(1, 3))) for line in _statement(draw, spelling, s, depth + 1)]
    indented = ["    " + line for line in body]
    condition = draw(st.sampled_from(CONDITIONS))
    compound = form - len(forms)
    if compound == 0:
        return [f"if {condition}:", *indented, *(["else:", *indented] if draw(st.booleans()) else [])]
    if compound == 1:
        return ["for i in range(3):", *indented]
    if compound == 2:
        return [f"with {spelling.torch}.no_grad():", *indented]
    if compound == 3:
        return ["try:", *indented, "except Exception:", "    pass"]
    if compound == 4:
        return ["if TYPE_CHECKING:", *indented, "else:", *indented]
    if compound == 5:
        return ["def inner():", *indented, "inner()"]
    return [f"if {condition}: {s}.{name} = {value}"]


def _method(draw: st.DrawFn, spelling: _Spelling, name: str, params: str, super_init: bool) -> list[str]:
    s = draw(st.sampled_from(["self", "self", "self", "this"]))
    statements = [_statement(draw, spelling, s) for _ in range(draw(st.integers(0, 6)))]
    if super_init:
        call = draw(st.sampled_from(["super().__init__()", "super().__init__()", "super().__init__()",
                                     f"super(M, {s}).__init__()", f"{spelling.module}.__init__({s})",
                                     "super().__init__(*args)", "super().__init__()  # first\n# then the state",
                                     f"super().__init__(); {s}.n = 1", "super().__init__()\n"]))
        statements.insert(draw(st.sampled_from([0, 0, 0, 1, len(statements)])) if statements else 0, [call])
    if name == "forward":
        statements.append(["return x"])
    decorator = ["@property"] if name == "device" else ["@torch.no_grad()"] if draw(st.integers(0, 20)) == 0 else []
    body = [line for statement in statements for text in statement for line in text.split("\n")] or ["pass"]
    definition = "async def" if name == "forward" and draw(st.integers(0, 10)) == 0 else "def"
    return [*decorator, f"{definition} {name}({s}{params}):", *["    " + line if line else "" for line in body]]


@st.composite
def torch_programs(draw: st.DrawFn) -> str:
    """A file of one to three nn.Module classes built from torchlint's vocabulary."""
    spelling = draw(st.sampled_from(SPELLINGS))
    t, nn = spelling.torch, spelling.nn
    lines = spelling.header.splitlines()
    if draw(st.booleans()):
        lines += ["", "", "class Other(object):", "    pass"]
    if draw(st.integers(0, 3)) == 0:
        lines += ["", "", f"def make() -> {t}.Tensor:", f"    return {t}.ones(2)"]
    for index in range(draw(st.integers(1, 3))):
        base = draw(st.sampled_from([spelling.module] * 4 + [f"{nn}.Linear", "Other", "M", f"{spelling.module}, Other"]))
        class_name = "M" if index == 0 else f"M{index + 1}"
        if class_name == "M" and base == "M":
            base = spelling.module
        body: list[str] = []
        if draw(st.booleans()):
            body.append('"""Docstring."""')
        for _ in range(draw(st.integers(0, 2))):
            body.append(draw(st.sampled_from([
                f"table = {t}.ones(3)", "layer: Tensor", "cache = None", f"norm = {nn}.LayerNorm(2)", "count = 0",
                f"weight = {nn}.Parameter({t}.ones(1))", "__constants__ = ['n']", "mask: Optional[Tensor]",
                "# a comment in the class body", "", "x: int = 0  # a class attribute", "__slots__ = ()",
                "class Inner(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.t = torch.ones(1)",
            ])))
        init_params = draw(st.sampled_from(["", ", n=3", ", n: int = 4, flag=False", ", *args, **kwargs"]))
        methods = [("__init__", init_params, True)]
        methods += [(name, params, False) for name, params in draw(st.lists(st.sampled_from([
            ("forward", ", x: torch.Tensor"), ("forward", ", x"), ("helper", ""), ("reset_parameters", ""),
            ("_hook", ", module, inputs"), ("device", ""), ("_apply", ", fn"), ("extra_repr", ""),
        ]), max_size=3, unique_by=lambda method: method[0]))]
        for name, params, init in methods:
            if body:
                body.append("")
            body += _method(draw, spelling, name, params, init and draw(st.integers(0, 7)) > 0)
        body = [line for text in body for line in text.split("\n")]
        decorator = ["@dataclass(eq=False)"] if draw(st.integers(0, 20)) == 0 else []
        lines += ["", "", *decorator, f"class {class_name}({base}):", *["    " + line if line else "" for line in body]]
    if draw(st.integers(0, 5)) == 0:
        lines.insert(1, draw(st.sampled_from(["# torchlint: file-ignore[TL002]", "# flake8: noqa: TL001",
                                              "from torch import Tensor"])))
    text = "\n".join(lines) + "\n"
    return draw(st.sampled_from([text] * 6 + [text.replace("\n", "\r\n"), text.replace("    ", "\t"), text.rstrip("\n")]))


# --- hypothesmith programs inside an nn.Module -----------------------------------------------------------


class _TorchRewriter(cst.CSTTransformer):
    """Turn some assigned names into ``self.<name>`` and some assigned values into tensors."""

    VALUES = ["torch.ones(3)", "nn.Parameter(torch.zeros(2))", "[nn.Linear(2, 2)]", "torch.arange(3).cuda()",
              "[torch.ones(1)]", "nn.Parameter(torch.ones(1)).half()"]

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def _target(self, node: cst.CSTNode) -> cst.CSTNode:
        if isinstance(getattr(node, "target", None), cst.Name) and self.rng.random() < 0.7:
            return node.with_changes(target=cst.Attribute(cst.Name("self"), node.target))  # type: ignore[attr-defined]
        return node

    def leave_AssignTarget(self, original_node: cst.AssignTarget, updated_node: cst.AssignTarget) -> cst.CSTNode:
        return self._target(updated_node)

    def leave_AnnAssign(self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign) -> cst.CSTNode:
        return self._target(updated_node)

    def leave_AugAssign(self, original_node: cst.AugAssign, updated_node: cst.AugAssign) -> cst.CSTNode:
        return self._target(updated_node)

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        if self.rng.random() < 0.5:
            return updated_node.with_changes(value=cst.parse_expression(self.rng.choice(self.VALUES)))
        return updated_node


def _embed(code: str, place: str, rng: random.Random) -> str:
    """``code`` (a whole program) placed in ``__init__``, ``forward``, the class body or after the class."""
    try:
        module = cst.parse_module(code)
        module = module.visit(_TorchRewriter(rng))
        indent = {"init": "        ", "forward": "        ", "class": "    ", "module": ""}[place]
        body = module.code if place == "module" else "".join(
            indent + line if line.strip() else line for line in module.code.splitlines(keepends=True)
        )
    except Exception:  # LibCST rejects it, or the rewritten tree does not validate: indent the text as it is
        indent = "        " if place in ("init", "forward") else "    " if place == "class" else ""
        body = "".join(indent + line for line in code.splitlines(keepends=True))
    if body and not body.endswith(("\n", "\r")):
        body += "\n"
    if place == "init":
        return TEMPLATE_HEADER + body + "\n    def forward(self, x):\n        return x\n"
    if place == "forward":
        return TEMPLATE_HEADER + "        self.a = torch.ones(3)\n\n    def forward(self, x):\n" + body + "        return x\n"
    if place == "class":
        return TEMPLATE_HEADER.replace("    def __init__", body + "\n    def __init__") + "        self.b = torch.ones(2)\n"
    return TEMPLATE_HEADER + "        self.c = torch.ones(2)\n" + body


def hypothesmith_programs(node: bool = False) -> st.SearchStrategy[str]:
    """Programs from hypothesmith's grammar (or, with ``node``, its LibCST node) strategy inside a module class."""
    import hypothesmith

    source = hypothesmith.from_node() if node else hypothesmith.from_grammar()
    return st.builds(_embed, source, st.sampled_from(["init", "init", "forward", "class", "module"]),
                     st.randoms(use_true_random=False))


# --- mutated fixture files ------------------------------------------------------------------------------

TOKENS = ["(", ")", "[", "]", "{", "}", ":", ",", "\\", '"""', "'", "#", "lambda", "self.", "torch.", "=",
          "nn.Parameter(", "*", "**", "await ", "yield", "async ", " if ", "else", "\t", "\x0c", ";", "@", "->",
          "é", "\\\n", "\n", "return", "super().__init__()", "del self.x", ".to('cpu')", "nn.Buffer(", "[x for x in",
          "# noqa", "# torchlint: ignore[TL001]", "# flake8: noqa", "global x", "nonlocal x", "class A:", "def f():"]
INSERTED = [
    "self.{name} = torch.ones(3)", "self.{name} = torch.zeros(2, dtype=torch.long)", "self.{name}: Tensor = torch.ones(3)",
    "self.{name}: torch.Tensor = torch.arange(3)", 'setattr(self, "{name}", torch.ones(3))',
    "self.{name} = nn.Parameter(torch.ones(3)).to('cpu')", "self.{name} = torch.randn(2, requires_grad=True)",
    "self.{name} = [torch.ones(1), torch.ones(2)]", "self.{name} = [nn.Linear(2, 2)]", "self.{name} = {{'a': nn.ReLU()}}",
    'self.register_buffer("{name}", torch.ones(3))', 'self.register_buffer("{name}", None)',
    "self.{name} = self.{name}2 = torch.ones(3)", "self.{name} += torch.ones(3)", "if True: self.{name} = torch.ones(3)",
    "self.{name} = torch.ones(3); self.n = 1", "self.{name} = torch.ones(3)  # noqa: TL001", "self.{name} = nn.Buffer(torch.ones(1))",
]
INSERTED_NAMES = ["x", "mask", "weight", "bias", "training", "forward", "a", "scale", "layers"]
ENCODINGS = ["utf-8", "latin-1", "cp1252", "ascii", "utf-8-sig", "klingon", "utf-16", "iso-8859-15"]


def _init_body_lines(lines: Sequence[str]) -> list[tuple[int, str]]:
    """(index, indentation) of each line before which a statement may go in an ``__init__`` body (found with
    ``ast``; for a file that does not parse, the lines indented like the first line of such a body)."""
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        tree = None
    if tree is not None:
        spots = []
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "__init__":
                for statement in node.body:
                    if statement.lineno > len(lines):  # an inserted token split a line: ast counts more lines
                        continue
                    indent = lines[statement.lineno - 1][: statement.col_offset]
                    if indent.isspace():
                        spots.append((statement.lineno - 1, indent))
                        spots.append((statement.end_lineno or statement.lineno, indent))
        return spots
    spots = []
    for index, line in enumerate(lines):
        match = re.match(r"([ \t]*)def __init__\(", line)
        if not match:
            continue
        body_indent: Optional[str] = None
        for later in range(index + 1, len(lines)):
            text = lines[later]
            if not text.strip():
                continue
            current = re.match(r"[ \t]*", text).group()  # type: ignore[union-attr]
            if len(current) <= len(match.group(1)):
                break
            body_indent = body_indent or current
            if current == body_indent and not text.lstrip().startswith((")", "]", "}")):
                spots.append((later, body_indent))
    return spots


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> tuple[str, bytes]:
    """(a description of the mutations, the mutated bytes) of a fixture file."""
    name, data = draw(st.sampled_from(FIXTURES))
    lines = data.decode("utf-8").splitlines(keepends=True)
    steps = [name]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "token", "indent", "truncate", *["insert"] * 6]))
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        if kind == "delete":
            count = draw(st.integers(1, 3))
            del lines[at:at + count]
            steps.append(f"delete {count} lines at {at + 1}")
        elif kind == "duplicate":
            lines.insert(at, lines[at])
            steps.append(f"duplicate line {at + 1}")
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
            steps.append(f"swap lines {at + 1} and {other + 1}")
        elif kind == "token":
            token = draw(st.sampled_from(TOKENS))
            column = draw(st.integers(0, len(lines[at].rstrip("\r\n"))))
            lines[at] = lines[at][:column] + token + lines[at][column:]
            steps.append(f"insert {token!r} at {at + 1}:{column + 1}")
        elif kind == "indent":
            change = draw(st.sampled_from([" ", "    ", "\t", "-1", "-4"]))
            if change.startswith("-"):
                lines[at] = lines[at][int(change[1:]):] if lines[at][: int(change[1:])].isspace() else lines[at]
            else:
                lines[at] = change + lines[at]
            steps.append(f"indent line {at + 1} by {change!r}")
        elif kind == "truncate":
            text = "".join(lines)
            cut = draw(st.integers(0, len(text)))
            lines = text[:cut].splitlines(keepends=True)
            steps.append(f"truncate at character {cut}")
        else:
            spots = _init_body_lines(lines)
            if not spots:
                continue
            index, indent = draw(st.sampled_from(spots))
            statement = draw(st.sampled_from(INSERTED)).format(name=draw(st.sampled_from(INSERTED_NAMES)))
            lines.insert(index, indent + statement + "\n")
            steps.append(f"insert {statement!r} at line {index + 1}")
    text = "".join(lines)
    ending = draw(st.sampled_from(["\n"] * 6 + ["\r\n", "\r\n", "\r", "mixed"]))
    if ending == "mixed":
        text = "".join(line.replace("\n", "\r\n") if i % 2 else line for i, line in enumerate(text.splitlines(keepends=True)))
    elif ending != "\n":
        text = text.replace("\n", ending)
    if ending != "\n":
        steps.append(f"line endings {ending!r}")
    encoding = draw(st.sampled_from([None] * 2 * len(ENCODINGS) + ENCODINGS))
    if encoding is None:
        result = text.encode("utf-8")
    else:
        cookie = f"# -*- coding: {encoding} -*-" + (ending if ending in ("\r\n", "\r") else "\n")
        text = cookie + text if draw(st.booleans()) else "#!/usr/bin/env python\n" + cookie + text
        try:
            result = text.encode(encoding if encoding != "klingon" else "utf-8", errors="replace")
        except LookupError:
            result = text.encode("utf-8")
        if draw(st.booleans()):
            result = text.encode("utf-8")  # a cookie that lies
        steps.append(f"coding cookie {encoding}")
    if draw(st.integers(0, 9)) == 0:
        result = b"\xef\xbb\xbf" + result
        steps.append("BOM")
    return "; ".join(steps), result


# --- minimising -----------------------------------------------------------------------------------------


def failure_of(check: Callable[[], None]) -> Optional[Failure]:
    try:
        check()
    except Failure as failure:
        return failure
    return None


def minimise(data: bytes, fails: Callable[[bytes], bool], budget: int = 400) -> bytes:
    """A smaller input for which ``fails`` still holds: chunks of lines, then single lines removed (delta
    debugging), then each line cut short before a comment, a comma, a bracket or an ``=``; at most ``budget``
    checks."""
    calls = 0

    def still(candidate: bytes) -> bool:
        nonlocal calls
        if calls >= budget:
            return False
        calls += 1
        return fails(candidate)

    lines = data.splitlines(keepends=True)
    chunk = max(1, len(lines) // 2)
    while chunk >= 1:
        start = 0
        while start < len(lines):
            candidate = lines[:start] + lines[start + chunk:]
            if candidate and still(b"".join(candidate)):
                lines = candidate
            else:
                start += chunk
        if chunk == 1:
            break
        chunk //= 2
    for index in range(len(lines)):
        line = lines[index]
        body = line.rstrip(b"\r\n")
        ending = line[len(body):]
        for cut in (b"  #", b", ", b"(", b" = "):
            position = body.find(cut)
            while position > 0:
                candidate_line = body[:position] + ending
                if still(b"".join(lines[:index] + [candidate_line] + lines[index + 1:])):
                    lines[index] = candidate_line
                    body = body[:position]
                    break
                position = body.find(cut, position + 1)
    return b"".join(lines)


def same_failure(signature: str, settings: Settings = DEFAULT, cli: bool = True) -> Callable[[bytes], bool]:
    """Whether an input fails with ``signature`` (through the command line only for its own failures)."""
    cli = cli and signature.startswith(("torchlint", "--fix"))

    def fails(candidate: bytes) -> bool:
        failure = failure_of(lambda: check_source(candidate, settings, cli))
        return failure is not None and failure.signature == signature
    return fails
