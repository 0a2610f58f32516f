"""The language server: documents in, diagnostics, code actions and hovers out (pygls over stdio).

Diagnostics are pushed (``textDocument/publishDiagnostics``, with the version they belong to) on open and save
and, debounced, on change; a client that offers pull diagnostics (``textDocument/diagnostic``) gets them
only when it asks. Linting runs on one worker thread, so the connection stays responsive; a result for a
version the document has already moved past is dropped.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from torchlint import __version__
from torchlint.config.config_file import CONFIG_FILES, Config, ConfigError
from torchlint.run.runner import Job
from torchlint.server.code_actions import FIX_ALL, KINDS, Request, code_actions, fix_all_edit
from torchlint.server.editor_settings import EditorSettings, layered, parse_settings
from torchlint.server.hover import hover
from torchlint.server.jobs import Jobs, build_job, check_codes
from torchlint.server.linting import LintResult, lint_document
from torchlint.server.lsp_diagnostics import to_lsp
from torchlint.server.notebook_documents import CellDocument, NotebookResult, lint_notebook
from torchlint.server.open_buffers import BufferProject
from torchlint.server.positions import UTF8, UTF16, UTF32
from torchlint.source.lines import physical_lines

WATCHED = ["**/*.py", *[f"**/{name}" for name in CONFIG_FILES]]
DEPENDENT_DELAY = 0.25  # seconds: other documents are linted again after the edited one, and less eagerly
_ENCODINGS = {"utf-8": UTF8, "utf-16": UTF16, "utf-32": UTF32}


NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[types.NotebookDocumentFilterWithCells(
        notebook="*", cells=[types.NotebookCellLanguage(language="python")]
    )],
    save=True,
)


class TorchlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("torchlint", __version__, notebook_document_sync=NOTEBOOK_SYNC)
        self.notebook_results: dict[str, NotebookResult] = {}  # by notebook uri: the latest, of its version
        self.initial_settings: Any = None  # initializationOptions
        self.client_settings: Any = None  # the latest of workspace/configuration or didChangeConfiguration
        self.editor = EditorSettings()
        self.buffers: dict[str, str] = {}  # absolute path -> text of the open document
        self.jobs = Jobs(self.editor, self.buffers, os.getcwd())
        self.results: dict[str, LintResult] = {}  # by uri: the latest result of the current version
        self.pending: dict[str, asyncio.Future[Any]] = {}
        self.linter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="torchlint-lint")
        self.pull = False  # the client asks for diagnostics (textDocument/diagnostic) instead of being sent them
        self._shown_errors: set[str] = set()
        self.change_count = 0  # one more for every change to a file, so that a lint can tell it is stale
        self.changed_at: dict[str, int] = {}  # absolute path -> change_count after its last change

    # --- helpers -----------------------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        return _ENCODINGS.get(str(self.workspace.position_encoding or "utf-16"), UTF16)

    def log(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=f"torchlint: {message}"))

    def show_once(self, message: str) -> None:
        """A problem the user must fix (a broken configuration): shown once, logged every time."""
        self.log(message)
        if message not in self._shown_errors:
            self._shown_errors.add(message)
            shown = types.ShowMessageParams(type=types.MessageType.Error, message=f"torchlint: {message}")
            self.window_show_message(shown)

    @staticmethod
    def path_of(uri: str) -> str:
        path = to_fs_path(uri) if uri.startswith("file:") else None
        return os.path.abspath(path) if path else os.path.join(os.getcwd(), "untitled.py")

    def is_open(self, uri: str) -> bool:
        """Whether ``uri`` is an open text document (a notebook's cell is not one: its notebook is)."""
        return uri in self.workspace.text_documents and not self.is_cell(uri)

    def is_cell(self, uri: str) -> bool:
        return self.workspace.get_notebook_document(cell_uri=uri) is not None

    def job_for(self, path: str) -> Job:
        try:
            return self.jobs.for_file(path)
        except ConfigError as error:
            self.show_once(f"{error}; using the defaults")
        return build_job(Config(root=self.jobs.default_root), Config(), BufferProject(self.buffers))

    def excluded(self, path: str) -> bool:
        try:
            return self.jobs.excluded(path)
        except ConfigError:
            return False  # job_for has said what is wrong

    # --- linting -----------------------------------------------------------------------------------

    async def current_result(self, uri: str) -> Optional[LintResult]:
        """The result for the document's current version (linted now if needed); None when not open."""
        for _ in range(100):  # the document may change while it is linted: lint its new version
            if not self.is_open(uri):
                return None
            document = self.workspace.get_text_document(uri)
            text, version = document.source, document.version
            kept = self.results.get(uri)
            if kept is not None and kept.version == version and kept.text == text:
                return kept
            path = self.path_of(uri)
            started = self.change_count
            job = self.job_for(path)
            python = document.language_id in (None, "python") or path.endswith((".py", ".pyi"))
            if not python or self.excluded(path):
                result = LintResult(version, text)
            else:
                masked = kept is None or not kept.diagnostics  # a file with findings keeps having them while typed
                result = await asyncio.get_running_loop().run_in_executor(
                    self.linter, lint_document, text, path, job, version, masked
                )
            for error in result.errors:
                self.log(error)
            if any(self.changed_at.get(source, -1) > started for source in result.sources):
                continue  # a file it draws on changed while it was linted
            if self.is_open(uri) and self.workspace.get_text_document(uri).version == version:
                self.results[uri] = result
                return result
        return None

    def lsp_diagnostics(self, result: LintResult) -> list[types.Diagnostic]:
        lines = physical_lines(result.text)
        return [to_lsp(d, lines, self.encoding, self.editor) for d in result.diagnostics]

    async def _lint_and_publish(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        version = self.workspace.get_text_document(uri).version if self.is_open(uri) else None
        result = await self.current_result(uri)
        if result is None or result.version != version:
            return  # closed, or a newer version is on its way: its own lint publishes
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=self.lsp_diagnostics(result), version=result.version)
        )

    def schedule(self, uri: str, delay: float = 0.0) -> None:
        """Lint ``uri`` after ``delay`` seconds and push its diagnostics; a later call replaces this one."""
        if self.pull:
            return
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        task = asyncio.ensure_future(self._lint_and_publish(uri, delay))
        self.pending[uri] = task
        task.add_done_callback(lambda done: self._finished(uri, done))

    def _finished(self, uri: str, task: asyncio.Future[Any]) -> None:
        if self.pending.get(uri) is task:
            del self.pending[uri]
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            self.log(f"internal error: {type(error).__name__}: {error}")

    def relint_all(self) -> None:
        """Configuration or other files changed: every open document again (pull clients are told to ask)."""
        self.results.clear()
        if self.pull:
            self.refresh_pulled()
            return
        for uri in list(self.workspace.text_documents):
            if not self.is_cell(uri):
                self.schedule(uri)
        self.notebook_results.clear()
        for uri in list(self.workspace.notebook_documents):
            self.schedule_notebook(uri)

    # --- notebooks -------------------------------------------------------------------------------------

    def cell_document(self, uri: str) -> CellDocument:
        document = self.workspace.get_text_document(uri)
        return CellDocument(uri, document.source, document.version, document.language_id)

    async def current_notebook_result(self, uri: str) -> Optional[NotebookResult]:
        """The result for the notebook's current version (linted now if needed); None when not open."""
        for _ in range(100):
            notebook = self.workspace.get_notebook_document(notebook_uri=uri)
            if notebook is None:
                return None
            kept = self.notebook_results.get(uri)
            if kept is not None and kept.version == notebook.version:
                return kept
            path = self.path_of(uri)
            started = self.change_count
            job = self.job_for(path)
            if self.excluded(path):
                result = NotebookResult(notebook.version, {}, LintResult(notebook.version, ""))
                result.by_cell = {cell.document: [] for cell in notebook.cells}
            else:
                result = await asyncio.get_running_loop().run_in_executor(
                    self.linter, lint_notebook, notebook, self.cell_document, path, job
                )
            for error in result.module.errors:
                self.log(error)
            if any(self.changed_at.get(source, -1) > started for source in result.module.sources):
                continue
            now = self.workspace.get_notebook_document(notebook_uri=uri)
            if now is not None and now.version == result.version:
                self.notebook_results[uri] = result
                return result
        return None

    def cell_diagnostics(self, result: NotebookResult, cell_uri: str) -> list[types.Diagnostic]:
        lines = physical_lines(result.cells[cell_uri].text)
        return [to_lsp(d, lines, self.encoding, self.editor) for d in result.by_cell.get(cell_uri, [])]

    async def _lint_and_publish_notebook(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        result = await self.current_notebook_result(uri)
        if notebook is None or result is None or result.version != notebook.version:
            return
        for cell_uri, cell in result.cells.items():
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=cell_uri, diagnostics=self.cell_diagnostics(result, cell_uri), version=cell.version
            ))

    def schedule_notebook(self, uri: str, delay: float = 0.0) -> None:
        """Lint the notebook ``uri`` after ``delay`` seconds and push each cell's diagnostics."""
        if self.pull:
            return
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        task = asyncio.ensure_future(self._lint_and_publish_notebook(uri, delay))
        self.pending[uri] = task
        task.add_done_callback(lambda done: self._finished(uri, done))

    # --- settings --------------------------------------------------------------------------------------

    def take_settings(self, problem: str) -> bool:
        """The editor's settings: initializationOptions, each key replaced by the client's current settings.
        A broken setting is shown (``problem`` says what happens then) and the previous settings stay."""
        try:
            editor = parse_settings(layered(self.initial_settings, self.client_settings))
            check_codes(editor.lint)
        except ConfigError as error:
            self.show_once(f"{error}; {problem}")
            return False
        changed = editor != self.editor
        self.editor = editor
        return changed

    @property
    def pulls_configuration(self) -> bool:
        workspace = self.client_capabilities.workspace
        return bool(workspace and workspace.configuration)

    async def pull_configuration(self) -> Optional[Any]:
        """The client's ``torchlint`` section (workspace/configuration), or None when it has none or fails."""
        item = types.ConfigurationItem(section="torchlint", scope_uri=self.workspace.root_uri)
        try:
            answer = await self.workspace_configuration_async(types.ConfigurationParams(items=[item]))
        except Exception as error:
            self.log(f"workspace/configuration failed: {error}", types.MessageType.Warning)
            return None
        section = answer[0] if answer else None
        return section if isinstance(section, dict) and section else None

    def buffer_changed(self, uri: str, delay: float = 0.0) -> None:
        path = self.path_of(uri)
        if self.is_open(uri):
            self.buffers[path] = self.workspace.get_text_document(uri).source
        else:
            self.buffers.pop(path, None)
        self.file_changed(path, delay, uri)

    def file_changed(self, path: str, delay: float = 0.0, uri: Optional[str] = None) -> None:
        """``path`` changed (a buffer or the file on disk): what was drawn from it is forgotten, and the other
        open documents whose diagnostics were drawn from it are linted again, after ``delay`` and the edited
        document."""
        self.jobs.changed(path)
        self.change_count += 1
        self.changed_at[path] = self.change_count
        dependents = [other for other, result in self.results.items() if other != uri and path in result.sources]
        for other in dependents:
            del self.results[other]
        if dependents and self.pull:
            self.refresh_pulled()
        for other in [] if self.pull else dependents:
            self.schedule(other, delay + DEPENDENT_DELAY)
        notebooks = [other for other, result in self.notebook_results.items() if path in result.module.sources]
        for other in notebooks:
            del self.notebook_results[other]
            self.schedule_notebook(other, delay + DEPENDENT_DELAY)
        if notebooks and self.pull:
            self.refresh_pulled()

    def refresh_pulled(self) -> None:
        refresh = self.client_capabilities.workspace and self.client_capabilities.workspace.diagnostics
        if refresh and refresh.refresh_support:
            self.workspace_diagnostic_refresh(None)


server = TorchlintServer()


@server.feature(types.INITIALIZE)
def initialize(ls: TorchlintServer, params: types.InitializeParams) -> None:
    root = ls.workspace.root_path
    if root:
        ls.jobs.default_root = root
    diagnostic = params.capabilities.text_document and params.capabilities.text_document.diagnostic
    ls.pull = diagnostic is not None
    if params.initialization_options is not None:
        ls.initial_settings = params.initialization_options
        if not ls.take_settings("the editor's torchlint settings are ignored"):
            ls.initial_settings = None
    ls.jobs.reload(ls.editor)  # configurations' defaults are now relative to the workspace


@server.feature(types.INITIALIZED)
async def initialized(ls: TorchlintServer, params: types.InitializedParams) -> None:
    if ls.pulls_configuration:
        ls.client_settings = await ls.pull_configuration()
        if ls.take_settings("the previous settings stay"):
            ls.jobs.reload(ls.editor)
            ls.relint_all()
    watched = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
    if not (watched and watched.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED]
    )
    registration = types.Registration(
        id="torchlint-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
    )
    try:
        await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
    except Exception as error:  # the client said no: configuration changes are then seen after a restart
        ls.log(f"could not watch configuration files: {error}", types.MessageType.Warning)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: TorchlintServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.buffer_changed(params.text_document.uri)
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: TorchlintServer, params: types.DidChangeTextDocumentParams) -> None:
    delay = ls.editor.debounce_ms / 1000
    ls.schedule(params.text_document.uri, delay)  # first: the edited document is linted before its dependents
    ls.buffer_changed(params.text_document.uri, delay)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: TorchlintServer, params: types.DidSaveTextDocumentParams) -> None:
    """Diagnostics again on save (the buffer's text was already what the other documents were linted with)."""
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: TorchlintServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.buffer_changed(uri)
    ls.results.pop(uri, None)
    task = ls.pending.pop(uri, None)
    if task is not None:
        task.cancel()
    if not ls.pull:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
def notebook_did_open(ls: TorchlintServer, params: types.DidOpenNotebookDocumentParams) -> None:
    ls.schedule_notebook(params.notebook_document.uri)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
def notebook_did_change(ls: TorchlintServer, params: types.DidChangeNotebookDocumentParams) -> None:
    ls.schedule_notebook(params.notebook_document.uri, ls.editor.debounce_ms / 1000)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
def notebook_did_save(ls: TorchlintServer, params: types.DidSaveNotebookDocumentParams) -> None:
    ls.schedule_notebook(params.notebook_document.uri)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
def notebook_did_close(ls: TorchlintServer, params: types.DidCloseNotebookDocumentParams) -> None:
    uri = params.notebook_document.uri
    ls.notebook_results.pop(uri, None)
    task = ls.pending.pop(uri, None)
    if task is not None:
        task.cancel()
    if not ls.pull:
        for cell in params.cell_text_documents:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=cell.uri, diagnostics=[]))


@server.feature(
    types.TEXT_DOCUMENT_DIAGNOSTIC,
    types.DiagnosticOptions(identifier="torchlint", inter_file_dependencies=True, workspace_diagnostics=False),
)
async def pull_diagnostics(
    ls: TorchlintServer, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    uri = params.text_document.uri
    notebook = ls.workspace.get_notebook_document(cell_uri=uri)
    if notebook is not None:  # a cell: its part of its notebook's diagnostics
        found = await ls.current_notebook_result(notebook.uri)
        if found is None or uri not in found.cells:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        return types.RelatedFullDocumentDiagnosticReport(items=ls.cell_diagnostics(found, uri))
    result = await ls.current_result(uri)
    if result is None:
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    items = ls.lsp_diagnostics(result)
    # the same text and the same diagnostics are the same result, even when the document was linted again
    # meanwhile (settings pulled, a dependency saved): the client keeps what it shows
    result_id = f"{result.version}:{hash(result.text)}:{hash(repr(items))}"
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)


def _request(ls: TorchlintServer, uri: str, result: LintResult, params: Optional[types.CodeActionParams]) -> Request:
    edit_capabilities = ls.client_capabilities.workspace and ls.client_capabilities.workspace.workspace_edit
    where = params.range if params is not None else types.Range(types.Position(0, 0), types.Position(0, 0))
    return Request(
        uri=uri, version=result.version, path=ls.path_of(uri), where=where,
        only=params.context.only if params is not None else [FIX_ALL], encoding=ls.encoding,
        document_changes=bool(edit_capabilities and edit_capabilities.document_changes),
    )


def _resolves_edits(ls: TorchlintServer) -> bool:
    text_document = ls.client_capabilities.text_document
    actions = text_document and text_document.code_action
    resolve = actions and actions.resolve_support
    return bool(resolve and "edit" in resolve.properties and actions and actions.data_support)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=list(KINDS), resolve_provider=True)
)
async def code_action(ls: TorchlintServer, params: types.CodeActionParams) -> Optional[list[types.CodeAction]]:
    uri = params.text_document.uri
    result = await ls.current_result(uri)
    if result is None:
        return None
    request = _request(ls, uri, result, params)
    job = ls.job_for(request.path)
    actions, errors = await asyncio.get_running_loop().run_in_executor(
        ls.linter, code_actions, result, job, request, ls.editor, _resolves_edits(ls)
    )
    for error in errors:
        ls.log(error)
    return actions


@server.feature(types.CODE_ACTION_RESOLVE)
async def resolve_code_action(ls: TorchlintServer, action: types.CodeAction) -> types.CodeAction:
    """Fill in fix-all's edit, on the document's current text."""
    data = action.data if isinstance(action.data, dict) else {}
    uri = data.get("uri")
    if action.kind != FIX_ALL or not isinstance(uri, str):
        return action
    result = await ls.current_result(uri)
    if result is None:
        return action
    request = _request(ls, uri, result, None)
    edit, errors = await asyncio.get_running_loop().run_in_executor(
        ls.linter, fix_all_edit, result, ls.job_for(request.path), request
    )
    for error in errors:
        ls.log(error)
    action.edit = edit or types.WorkspaceEdit(changes={})
    return action


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def on_hover(ls: TorchlintServer, params: types.HoverParams) -> Optional[types.Hover]:
    result = await ls.current_result(params.text_document.uri)
    return None if result is None else hover(result, params.position, ls.encoding)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: TorchlintServer, params: types.DidChangeConfigurationParams) -> None:
    """A client that answers workspace/configuration is asked for its ``torchlint`` section (what VS Code's
    settings hold); what it sends with the notification counts when it has none, or cannot be asked."""
    pulled = await ls.pull_configuration() if ls.pulls_configuration else None
    if pulled is None and not params.settings and not ls.pulls_configuration:
        return  # nothing was said
    previous = ls.client_settings
    ls.client_settings = pulled if pulled is not None else (params.settings or None)
    try:
        editor = parse_settings(layered(ls.initial_settings, ls.client_settings))
        check_codes(editor.lint)
    except ConfigError as error:
        ls.client_settings = previous
        ls.show_once(f"{error}; the previous settings stay")
        return
    ls.editor = editor
    ls.jobs.reload(ls.editor)
    ls.relint_all()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: TorchlintServer, params: types.DidChangeWatchedFilesParams) -> None:
    """A configuration file changed: everything again. A Python file changed on disk: the documents drawn from
    it again (an open buffer of it is what counts while it is open); one created or deleted: all documents."""
    reload = everything = False
    for change in params.changes:
        path = ls.path_of(change.uri)
        if os.path.basename(path) in CONFIG_FILES:
            reload = True
        elif path.endswith(".py") and path not in ls.buffers:
            if change.type == types.FileChangeType.Changed:
                ls.file_changed(path)
            else:
                everything = True
    if everything:
        ls.jobs.created_or_deleted()
    if reload:
        ls._shown_errors.clear()
        ls.jobs.reload()
    if reload or everything:
        ls.relint_all()


def serve() -> None:
    logging.basicConfig(level=logging.WARNING)
    server.start_io()

