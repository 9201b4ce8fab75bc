"""`fastapi-lint server`: a Language Server over stdio, on pygls.

- Diagnostics are published when a document is opened, changed (`CHANGE_DELAY` after the
  last change) and saved, from the editor's text, with the whole-project analysis of `fastapi-lint check` (`engine.py` keeps each
  project's model warm). Saving a file also checks the project's other open documents
  again: a route added in one module can shadow one in another.
- Code actions: each fix (safe ones preferred, unsafe ones titled "(unsafe)"), a `# noqa`
  for the diagnostic's line, and `source.fixAll.fastapi-lint` (the safe fixes, as `--fix`).
- Hover over a diagnostic shows its rule's documentation (`fastapi-lint rule CODE`).
- Configuration comes from `pyproject.toml`, as for the command; it is read again when a
  `pyproject.toml` is saved or the client reports that one changed.

Documents are synchronised in full (each change carries the whole text): positions then
never depend on how the client and the server split lines. Positions are converted to the
encoding the client and pygls agreed on (UTF-16 unless the client offers another).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from .. import __version__
from ..config import ConfigError
from ..diagnostics import Diagnostic, Location
from ..fixes import NEWLINE
from .engine import Action, Checked, Engine

logger = logging.getLogger(__name__)

SOURCE = "fastapi-lint"
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.fastapi-lint"
# A change is checked this long (seconds) after the last one: while typing, a check per
# keystroke would fall behind on a large file, publishing diagnostics of text long gone.
CHANGE_DELAY = 0.15


class FastAPILintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("fastapi-lint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.engine = Engine([])
        self.checked: dict[str, Checked] = {}  # uri -> its last check
        self._shown_errors: set[str] = set()
        self._pending: dict[str, asyncio.TimerHandle] = {}  # uri -> its delayed check

    # ------------------------------------------------------------------ positions

    def lines_of(self, uri: str) -> list[str]:
        document = self.workspace.text_documents.get(uri)
        if document is not None:
            return NEWLINE.split(document.source)
        path = to_fs_path(uri)
        try:
            return NEWLINE.split(Path(path).read_text(encoding="utf-8")) if path else [""]
        except (OSError, UnicodeError):
            return [""]

    def to_client(self, lines: list[str], location: Location) -> types.Position:
        position = types.Position(line=location.row - 1, character=location.column - 1)
        return self.workspace.position_codec.position_to_client_units(lines, position)

    def to_client_range(self, lines: list[str], start: Location, end: Location) -> types.Range:
        return types.Range(start=self.to_client(lines, start), end=self.to_client(lines, end))

    def from_client(self, lines: list[str], position: types.Position) -> Location:
        position = types.Position(line=position.line, character=position.character)
        if position.line >= len(lines):
            return Location(len(lines) + 1, 1)
        server = self.workspace.position_codec.position_from_client_units(lines, position)
        return Location(server.line + 1, server.character + 1)

    # ------------------------------------------------------------------ diagnostics

    def check_soon(self, uri: str) -> None:
        """Check the document `CHANGE_DELAY` after this, unless it changes again before."""
        self.cancel_pending(uri)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.check_document(uri)
            return
        self._pending[uri] = loop.call_later(CHANGE_DELAY, self.check_document, uri)

    def cancel_pending(self, uri: str) -> None:
        handle = self._pending.pop(uri, None)
        if handle is not None:
            handle.cancel()

    def check_document(self, uri: str) -> None:
        self.cancel_pending(uri)
        document = self.workspace.text_documents.get(uri)
        if document is None or not _is_python(document.language_id, uri):
            return
        path = to_fs_path(uri) if uri.startswith("file:") else None
        try:
            checked = self.engine.check(Path(path).resolve() if path else None, document.source)
        except ConfigError as error:
            self.show_error(f"fastapi-lint: configuration error: {error}")
            checked = Checked(None, document.source, None)
        except Exception as error:  # a bug: say so once, keep serving
            logger.exception("checking %s failed", uri)
            self.show_error(f"fastapi-lint: internal error while checking {uri}: {type(error).__name__}: {error}")
            checked = Checked(None, document.source, None)
        self.checked[uri] = checked
        lines = NEWLINE.split(checked.text)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=document.version,
            diagnostics=[self.to_lsp(lines, d) for d in checked.diagnostics],
        ))

    def to_lsp(self, lines: list[str], diagnostic: Diagnostic) -> types.Diagnostic:
        related = []
        for step in diagnostic.related:
            uri = from_fs_path(str(Path(step.filename).resolve()))
            step_lines = self.lines_of(uri)
            related.append(types.DiagnosticRelatedInformation(
                location=types.Location(uri=uri, range=self.to_client_range(step_lines, step.location,
                                                                             step.end_location)),
                message=step.message,
            ))
        return types.Diagnostic(
            range=self.to_client_range(lines, diagnostic.location, diagnostic.end_location),
            message=diagnostic.message,
            severity=types.DiagnosticSeverity.Error if diagnostic.code is None else types.DiagnosticSeverity.Warning,
            code=diagnostic.code,
            source=SOURCE,
            related_information=related or None,
        )

    def check_project_of(self, uri: str) -> None:
        """Check every other open document of the same project again."""
        path = to_fs_path(uri)
        root = self.engine.project_root(Path(path).resolve()) if path else None
        if root is None:
            return
        for other in list(self.workspace.text_documents):
            other_path = to_fs_path(other) if other != uri and other.startswith("file:") else None
            if other_path and self.engine.project_root(Path(other_path).resolve()) == root:
                self.check_document(other)

    def check_all(self) -> None:
        for uri in list(self.workspace.text_documents):
            self.check_document(uri)

    def show_error(self, message: str) -> None:
        logger.error("%s", message)
        if message not in self._shown_errors:
            self._shown_errors.add(message)
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))

    # ------------------------------------------------------------------ code actions, hover

    def current(self, uri: str) -> Checked | None:
        """The document's check, done again when its text moved on since."""
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        checked = self.checked.get(uri)
        if checked is None or checked.text != document.source:
            self.check_document(uri)
            checked = self.checked.get(uri)
        return checked

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        checked = self.current(uri)
        if checked is None:
            return []
        lines = NEWLINE.split(checked.text)
        start, end = self.from_client(lines, params.range.start), self.from_client(lines, params.range.end)
        wanted = params.context.only

        def asked(kind: str) -> bool:
            return wanted is None or any(kind == k or kind.startswith(f"{k}.") for k in wanted)

        here = [d for d in checked.diagnostics if d.location <= end and start <= d.end_location]
        # "Fix all" is a source action: offered when asked for by kind (on save, or the
        # editor's source-action menu), not in the light bulb of every finding.
        fix_all = wanted is not None and asked(FIX_ALL_KIND)
        actions = self.engine.actions(checked, here if asked("quickfix") else [], fix_all=fix_all)
        return [self.to_code_action(uri, lines, checked, action) for action in actions]

    def to_code_action(self, uri: str, lines: list[str], checked: Checked, action: Action) -> types.CodeAction:
        edits = [types.TextEdit(range=self.to_client_range(lines, e.location, e.end_location), new_text=e.content)
                 for e in action.edits]
        document = self.workspace.text_documents.get(uri)
        edit = types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(
                uri=uri, version=document.version if document is not None else None),
            edits=edits,
        )])
        kind = types.CodeActionKind.QuickFix if action.kind == "quickfix" else FIX_ALL_KIND
        diagnostics = [self.to_lsp(lines, action.diagnostic)] if action.diagnostic is not None else None
        return types.CodeAction(title=action.title, kind=kind, diagnostics=diagnostics, edit=edit,
                                is_preferred=action.preferred or None)

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        from ..docs import rule_doc
        from ..rules import rule_by_code_or_name

        checked = self.current(params.text_document.uri)
        if checked is None:
            return None
        lines = NEWLINE.split(checked.text)
        at = self.from_client(lines, params.position)
        found = [d for d in checked.diagnostics if d.code is not None and d.location <= at <= d.end_location]
        if not found:
            return None
        parts, seen = [], set()
        for diagnostic in found:
            rule = rule_by_code_or_name(diagnostic.code)
            if rule is None or rule.code in seen:
                continue
            seen.add(rule.code)
            parts.append(f"# {rule.name} ({rule.code})\n\n{rule_doc(rule)}")
        if not parts:
            return None
        first = found[0]
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
            range=self.to_client_range(lines, first.location, first.end_location),
        )


def _is_python(language_id: str | None, uri: str) -> bool:
    """A document to check: the client says it is Python, or says nothing and it is named so."""
    if language_id:
        return language_id == "python"
    return uri.endswith((".py", ".pyi"))


def _is_config(uri: str) -> bool:
    return uri.endswith("/pyproject.toml")


def create_server() -> FastAPILintServer:
    server = FastAPILintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: FastAPILintServer, params: types.InitializeParams) -> None:
        roots = [to_fs_path(folder.uri) for folder in params.workspace_folders or []]
        if not roots and params.root_uri:
            roots = [to_fs_path(params.root_uri)]
        ls.engine = Engine([Path(root) for root in roots if root])

    @server.feature(types.INITIALIZED)
    def initialized(ls: FastAPILintServer, params: types.InitializedParams) -> None:
        watched = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
        if watched and watched.dynamic_registration:
            options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[
                types.FileSystemWatcher(glob_pattern="**/*.py"),
                types.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
            ])
            ls.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
                id="fastapi-lint-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=options,
            )]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: FastAPILintServer, params: types.DidOpenTextDocumentParams) -> None:
        if not _is_config(params.text_document.uri):
            ls.check_document(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: FastAPILintServer, params: types.DidChangeTextDocumentParams) -> None:
        if not _is_config(params.text_document.uri):
            ls.check_soon(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: FastAPILintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if _is_config(uri):
            ls.engine.reload()
            ls.check_all()
            return
        ls.check_document(uri)
        ls.check_project_of(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: FastAPILintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.cancel_pending(uri)
        ls.checked.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        path = to_fs_path(uri) if uri.startswith("file:") and not _is_config(uri) else None
        if path:  # the editor's text is gone: the file on disk is the module again
            ls.engine.refresh_from_disk(Path(path).resolve())

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: FastAPILintServer, params: types.DidChangeWatchedFilesParams) -> None:
        changed = False
        for event in params.changes:
            if _is_config(event.uri):
                ls.engine.reload()
                changed = True
            elif event.uri not in ls.workspace.text_documents and event.uri.endswith(".py"):
                path = to_fs_path(event.uri)
                changed = bool(path and ls.engine.refresh_from_disk(Path(path).resolve())) or changed
        if changed:
            ls.check_all()

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]))
    def code_action(ls: FastAPILintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.code_actions(params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: FastAPILintServer, params: types.HoverParams) -> types.Hover | None:
        return ls.hover(params)

    return server


def serve() -> int:
    """Serve over stdio until the client says `exit`: 0 after a `shutdown`, else 1."""
    server = create_server()
    server.start_io()
    return 0 if getattr(server.protocol, "_shutdown", False) else 1


__all__ = ["FastAPILintServer", "create_server", "serve"]
