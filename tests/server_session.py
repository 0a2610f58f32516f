"""Drive ``torchlint server`` as a subprocess with pytest-lsp's client (pygls): a session per test."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SERVER = [sys.executable, "-m", "torchlint", "server"]
TIMEOUT = 20.0


@dataclass
class Published:
    """Every textDocument/publishDiagnostics the client received, in order."""

    received: list[types.PublishDiagnosticsParams] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, params: types.PublishDiagnosticsParams) -> None:
        self.received.append(params)
        self.arrived.set()

    async def wait(self, uri: str, version: Optional[int] = None) -> types.PublishDiagnosticsParams:
        """The first diagnostics published for ``uri`` (of ``version``, when given) not yet returned."""
        async def found() -> types.PublishDiagnosticsParams:
            while True:
                for index, params in enumerate(self.received):
                    if params.uri == uri and (version is None or params.version == version):
                        return self.received.pop(index)
                self.arrived.clear()
                await self.arrived.wait()

        return await asyncio.wait_for(found(), TIMEOUT)


class Session:
    def __init__(self, client: LanguageClient, published: Published, root: Path) -> None:
        self.client, self.published, self.root = client, published, root
        self.versions: dict[str, int] = {}

    def uri(self, name: str) -> str:
        return (self.root / name).as_uri()

    def open(self, name: str, text: str) -> str:
        uri = self.uri(name)
        self.versions[uri] = 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        ))
        return uri

    def replace(self, uri: str, text: str) -> int:
        """Send the whole new text (a full-document change); returns the new version."""
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            [types.TextDocumentContentChangeWholeDocument(text=text)],
        ))
        return self.versions[uri]

    def edit(self, uri: str, line: int, start: int, end: int, text: str) -> int:
        """An incremental change on one line (characters in UTF-16); returns the new version."""
        self.versions[uri] += 1
        where = types.Range(types.Position(line, start), types.Position(line, end))
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            [types.TextDocumentContentChangePartial(range=where, text=text)],
        ))
        return self.versions[uri]

    async def diagnostics(self, uri: str, version: Optional[int] = None) -> Sequence[types.Diagnostic]:
        return (await self.published.wait(uri, version)).diagnostics

    async def actions(
        self, uri: str, line: int, only: Optional[list[str]] = None, character: int = 0, end: int = 200
    ) -> list[types.CodeAction]:
        where = types.Range(types.Position(line, character), types.Position(line, end))
        result = await self.client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(uri), where, types.CodeActionContext(diagnostics=[], only=only)
        ))
        return [action for action in result or [] if isinstance(action, types.CodeAction)]

    async def hover(self, uri: str, line: int, character: int) -> Optional[str]:
        result = await self.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, character))
        )
        if result is None:
            return None
        assert isinstance(result.contents, types.MarkupContent)
        return result.contents.value


def apply_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """``text`` with LSP edits applied (positions in UTF-16, lines split as LSP splits them)."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        line = lines[position.line]
        units = 0
        for index, character in enumerate(line):
            if units >= position.character:
                return offsets[position.line] + index
            units += 2 if ord(character) > 0xFFFF else 1
        return offsets[position.line] + len(line)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def action_edits(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    assert action.edit is not None
    if action.edit.changes:
        return list(action.edit.changes[uri])
    edits: list[types.TextEdit] = []
    for change in action.edit.document_changes or []:
        assert isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri
        edits.extend(edit for edit in change.edits if isinstance(edit, types.TextEdit))
    return edits


@asynccontextmanager
async def session(
    root: Path,
    initialization_options: Any = None,
    client: str = "neovim@v0.7.0",
    capabilities: Optional[types.ClientCapabilities] = None,
    command: Sequence[str] = SERVER,
) -> AsyncIterator[Session]:
    """A started, initialized server whose workspace is ``root``; shut down afterwards."""
    published = Published()
    features = dict(DEFAULT_CLIENT_FEATURES)

    def record(ls: LanguageClient, params: types.PublishDiagnosticsParams) -> None:  # pygls passes "ls" by name
        published.record(params)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record
    lsp_client = LanguageClient(converter_factory=default_converter)
    register_lsp_features(lsp_client, features)
    await lsp_client.start_io(command[0], *command[1:], cwd=str(root))
    try:
        await lsp_client.initialize_session(types.InitializeParams(
            capabilities=capabilities or client_capabilities(client),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=initialization_options,
        ))
        yield Session(lsp_client, published, root)
    finally:
        await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)
        await lsp_client.stop()


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)
