"""Code actions on a document's current text: a quick fix per fixable finding, "Disable TLxxx for this line"
(``--add-noqa``'s comment merging), and ``source.fixAll.torchlint`` (what ``--fix`` would do to the buffer).

A quick fix's title says whether it is safe; unsafe fixes are offered only under the ``unsafe-fixes`` setting
(or configuration), as Ruff does.
"""

from __future__ import annotations

import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from lsprotocol import types

from torchlint.contract.diagnostics import SYNTAX_ERROR_CODE, Diagnostic, TextEdit
from torchlint.contract.rule import Applicability
from torchlint.fix import text_edits
from torchlint.run.runner import Job
from torchlint.server.editor_settings import EditorSettings
from torchlint.server.linting import LintResult, fix_all
from torchlint.server.lsp_diagnostics import to_lsp, touches
from torchlint.server.positions import to_client, units
from torchlint.source.lines import physical_lines
from torchlint.suppression.add_noqa import comment_safe_lines, with_noqa

FIX_ALL = "source.fixAll.torchlint"
KINDS = (types.CodeActionKind.QuickFix, FIX_ALL)


@dataclass(frozen=True)
class Request:
    uri: str
    version: Optional[int]
    path: str
    where: types.Range
    only: Optional[Sequence[str]]  # the kinds the client asked for (None: every kind)
    encoding: str
    document_changes: bool  # the client takes versioned edits (documentChanges)


def _wanted(kind: str, only: Optional[Sequence[str]]) -> bool:
    return only is None or any(kind == asked or kind.startswith(asked + ".") for asked in only)


def _lsp_edits(edits: Sequence[TextEdit], lines: Sequence[str], encoding: str) -> list[types.TextEdit]:
    result = []
    for edit in edits:
        start = to_client(lines, edit.line, edit.column, encoding)
        end = to_client(lines, edit.end_line, edit.end_column, encoding)
        result.append(types.TextEdit(types.Range(types.Position(*start), types.Position(*end)), edit.content))
    return result


def _workspace_edit(request: Request, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
    if request.document_changes:
        document = types.OptionalVersionedTextDocumentIdentifier(uri=request.uri, version=request.version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(document, edits)])  # type: ignore[list-item]
    return types.WorkspaceEdit(changes={request.uri: edits})


def _quick_fix(
    diagnostic: Diagnostic, result: LintResult, job: Job, request: Request, lines: Sequence[str],
    editor: EditorSettings,
) -> Optional[types.CodeAction]:
    applicability = job.policy.applicability(diagnostic)
    if applicability is None or result.module is None or diagnostic.fix is None:
        return None
    if applicability is Applicability.UNSAFE and not job.policy.unsafe_fixes:
        return None
    edits = text_edits.render(result.module, result.text, diagnostic.fix)
    if not edits:
        return None
    safe = applicability is Applicability.SAFE
    safety = "safe fix" if safe else "unsafe fix: read the rule's Fix safety"
    return types.CodeAction(
        title=f"{diagnostic.fix.description} ({diagnostic.code}, {safety})",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[to_lsp(diagnostic, lines, request.encoding, editor)],
        is_preferred=applicability is Applicability.SAFE,
        edit=_workspace_edit(request, _lsp_edits(edits, lines, request.encoding)),
    )


def _disable_for_line(
    diagnostic: Diagnostic, result: LintResult, request: Request, lines: Sequence[str], editor: EditorSettings,
    comments: tuple[set[int], dict[int, int]],
) -> Optional[types.CodeAction]:
    safe, columns = comments
    if diagnostic.code == SYNTAX_ERROR_CODE or diagnostic.line not in safe or diagnostic.line > len(lines):
        return None
    body = lines[diagnostic.line - 1]
    new_body = with_noqa(body, [diagnostic.code], columns.get(diagnostic.line, -1))
    if new_body == body:
        return None
    line = diagnostic.line - 1
    edit = types.TextEdit(
        types.Range(types.Position(line, 0), types.Position(line, units(body, request.encoding))), new_body
    )
    return types.CodeAction(
        title=f"Disable {diagnostic.code} for this line",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[to_lsp(diagnostic, lines, request.encoding, editor)],
        edit=_workspace_edit(request, [edit]),
    )


FIX_ALL_TITLE = "torchlint: fix all auto-fixable problems"


def fix_all_edit(result: LintResult, job: Job, request: Request) -> tuple[Optional[types.WorkspaceEdit], list[str]]:
    """The edit that turns the linted text into what ``--fix`` makes of it (None: nothing to fix)."""
    if not any(job.policy.allows(d) for d in result.diagnostics):
        return None, []
    fixed, errors = fix_all(result.text, request.path, job)
    if fixed is None:
        return None, errors
    edits = _lsp_edits(text_edits.diff_edits(result.text, fixed), physical_lines(result.text), request.encoding)
    return _workspace_edit(request, edits), errors


def _fix_all(result: LintResult, job: Job, request: Request, lazy: bool) -> tuple[
    Optional[types.CodeAction], list[str]
]:
    """With ``lazy`` (the client resolves actions), the action's edit is left for ``codeAction/resolve``: the
    fix loop runs only when the user picks it, not on every cursor move."""
    if lazy:
        if not any(job.policy.allows(d) for d in result.diagnostics):
            return None, []
        data = {"uri": request.uri, "version": request.version}
        return types.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL, data=data), []
    edit, errors = fix_all_edit(result, job, request)
    if edit is None:
        return None, errors
    return types.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL, edit=edit), errors


def _comment_lines(text: str) -> tuple[set[int], dict[int, int]]:
    try:
        return comment_safe_lines(text)
    except (tokenize.TokenError, SyntaxError):
        return set(), {}


def code_actions(
    result: LintResult, job: Job, request: Request, editor: EditorSettings, lazy_fix_all: bool = False
) -> tuple[list[types.CodeAction], list[str]]:
    """The actions for ``request.where`` on the linted text, and the errors to log."""
    lines = physical_lines(result.text)
    actions: list[types.CodeAction] = []
    errors: list[str] = []
    if _wanted(types.CodeActionKind.QuickFix, request.only):
        here = [d for d in result.diagnostics if touches(lines, d, request.where, request.encoding)]
        fixes = [_quick_fix(d, result, job, request, lines, editor) for d in here]
        actions += [action for action in fixes if action is not None]
        comments = _comment_lines(result.text) if here else (set(), {})
        seen: set[tuple[str, int]] = set()
        for diagnostic in here:
            if (diagnostic.code, diagnostic.line) not in seen:
                seen.add((diagnostic.code, diagnostic.line))
                action = _disable_for_line(diagnostic, result, request, lines, editor, comments)
                if action is not None:
                    actions.append(action)
    if _wanted(FIX_ALL, request.only):
        action, errors = _fix_all(result, job, request, lazy_fix_all)
        if action is not None:
            actions.append(action)
    return actions, errors

