"""A real LSP client (pygls's `BaseLanguageClient`) driving `python -m fastapi_lint server`
over stdio, for the language server's end-to-end tests.

Waits have a generous timeout only so that a broken server fails the test instead of
hanging it; nothing is timed.
"""

from __future__ import annotations

import asyncio
import sys
from contextlib import asynccontextmanager
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import BaseLanguageClient
from pygls.uris import from_fs_path

WAIT = 60.0


def uri_of(path: Path) -> str:
    return from_fs_path(str(path.resolve()))


class Session:
    def __init__(self, client: BaseLanguageClient) -> None:
        self.client = client
        self.published: dict[str, asyncio.Queue] = {}
        self.messages: list[types.ShowMessageParams] = []
        self.registrations: list[types.Registration] = []
        self.versions: dict[str, int] = {}
        self.initialize_result: types.InitializeResult | None = None

    def queue(self, uri: str) -> asyncio.Queue:
        return self.published.setdefault(uri, asyncio.Queue())

    async def diagnostics(self, path: Path) -> list[types.Diagnostic]:
        """The next diagnostics published for `path`."""
        params = await asyncio.wait_for(self.queue(uri_of(path)).get(), WAIT)
        return list(params.diagnostics)

    def pending(self, path: Path) -> int:
        """How many publications for `path` arrived that no test has read yet."""
        return self.queue(uri_of(path)).qsize()

    async def settle(self) -> None:
        """A round trip to the server: every notification sent before it has been handled
        (the server handles messages in order) and what it published has arrived."""
        await self.client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri="file:///nonexistent.py"),
            position=types.Position(line=0, character=0),
        ))

    def open(self, path: Path, text: str | None = None) -> None:
        uri = uri_of(path)
        self.versions[uri] = 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=uri, language_id="python", version=1, text=path.read_text(encoding="utf-8") if text is None else text,
        )))

    def change(self, path: Path, text: str) -> None:
        uri = uri_of(path)
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        ))

    def save(self, path: Path) -> None:
        self.client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri_of(path))))

    def close(self, path: Path) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri_of(path))))

    def files_changed(self, *changes: tuple[Path, types.FileChangeType]) -> None:
        self.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
            types.FileEvent(uri=uri_of(path), type=kind) for path, kind in changes
        ]))

    async def code_actions(self, path: Path, range_: types.Range, only: list[str] | None = None,
                           diagnostics: list[types.Diagnostic] = ()) -> list[types.CodeAction]:
        result = await asyncio.wait_for(self.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri_of(path)), range=range_,
            context=types.CodeActionContext(diagnostics=list(diagnostics), only=only),
        )), WAIT)
        return list(result or [])

    async def hover(self, path: Path, position: types.Position) -> types.Hover | None:
        return await asyncio.wait_for(self.client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri_of(path)), position=position)), WAIT)


def capabilities(encodings: list[str] | None = None, watch: bool = False) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=encodings) if encodings else None,
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=watch),
        ),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(related_information=True),
        ),
    )


@asynccontextmanager
async def lsp_session(root: Path, *, cwd: Path | None = None, client_capabilities=None):
    """Start the server, initialize it with `root` as the workspace folder; on leaving,
    `shutdown` and `exit`, and check that the server exited with status 0."""
    client = BaseLanguageClient("fastapi-lint-tests", "1")
    session = Session(client)

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        session.queue(params.uri).put_nowait(params)

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def shown(params: types.ShowMessageParams) -> None:
        session.messages.append(params)

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def logged(params: types.LogMessageParams) -> None:
        pass

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        session.registrations.extend(params.registrations)

    await client.start_io(sys.executable, "-m", "fastapi_lint", "server", cwd=str(cwd or root))
    try:
        session.initialize_result = await asyncio.wait_for(client.initialize_async(types.InitializeParams(
            process_id=None, root_uri=uri_of(root),
            capabilities=client_capabilities or capabilities(),
            workspace_folders=[types.WorkspaceFolder(uri=uri_of(root), name=root.name)],
        )), WAIT)
        client.initialized(types.InitializedParams())
        yield session
        await asyncio.wait_for(client.shutdown_async(None), WAIT)
        client.exit(None)
        await asyncio.wait_for(client._server.wait(), WAIT)
        assert client._server.returncode == 0
    finally:
        if client._server is not None and client._server.returncode is None:
            client._server.kill()
        await client.stop()


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 positions, as the client negotiated by default)."""
    lines = text.splitlines(keepends=True) or [""]

    def offset(position: types.Position) -> int:
        before = sum(len(line) for line in lines[:position.line])
        line = lines[position.line] if position.line < len(lines) else ""
        units, index = 0, 0
        while units < position.character and index < len(line):
            units += 2 if ord(line[index]) > 0xFFFF else 1
            index += 1
        return before + index

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def edits_of(action: types.CodeAction, path: Path) -> list[types.TextEdit]:
    changes = action.edit.document_changes
    assert changes is not None and len(changes) == 1
    assert changes[0].text_document.uri == uri_of(path)
    return list(changes[0].edits)
