"""`fastapi-lint server` end to end: pygls's LSP client starts the server process, speaks
LSP to it over stdio, and checks what an editor would show."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from lsprotocol import types  # noqa: E402

from lsp_client import apply, capabilities, edits_of, lsp_session, uri_of  # noqa: E402

BOOKS = """\
import time

from fastapi import FastAPI, HTTPException

app = FastAPI()
books = {1: "Dune"}


@app.get("/books/{book_id}")
def read_book(book_id: int):
    if book_id not in books:
        return HTTPException(status_code=404, detail="Book not found")
    return {"title": books[book_id]}


@app.get("/slow")
async def slow():
    time.sleep(1)
    return {}
"""

MAIN = """\
from fastapi import FastAPI

from shop.api import items

app = FastAPI()


@app.get("/items/{item_id}")
def read_item(item_id: str):
    return {"item_id": item_id}


app.include_router(items.router, prefix="/items")
"""
MAIN_ROUTER_FIRST = MAIN.replace('\n\napp.include_router(items.router, prefix="/items")\n', "\n").replace(
    "app = FastAPI()\n", 'app = FastAPI()\napp.include_router(items.router, prefix="/items")\n')
ITEMS = """\
from fastapi import APIRouter

router = APIRouter()


@router.get("/special")
def read_special_items():
    return [{"item_id": "special"}]
"""


def run(scenario) -> None:
    asyncio.run(scenario())


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def by_code(diagnostics: list[types.Diagnostic]) -> dict[str, types.Diagnostic]:
    found = {d.code: d for d in diagnostics}
    assert len(found) == len(diagnostics), diagnostics
    return found


def span(d: types.Diagnostic) -> tuple[int, int, int, int]:
    return d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character


@pytest.fixture
def books(tmp_path: Path) -> Path:
    write(tmp_path, {"pyproject.toml": '[project]\nname = "books"\nversion = "0"\n', "app.py": BOOKS})
    return tmp_path


def test_diagnostics_fixes_noqa_and_hover(books: Path, tmp_path: Path):
    app = books / "app.py"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    async def scenario():
        async with lsp_session(books, cwd=elsewhere) as lsp:
            server_capabilities = lsp.initialize_result.capabilities
            assert server_capabilities.position_encoding == types.PositionEncodingKind.Utf16
            assert server_capabilities.hover_provider
            lsp.open(app)
            found = by_code(await lsp.diagnostics(app))
            assert set(found) == {"FPI301", "FPI101"}
            returned, sleep = found["FPI301"], found["FPI101"]
            # `return HTTPException(...)` on line 12; `time.sleep(1)` on line 18 (0-based: 11, 17).
            assert span(returned) == (11, 8, 11, 70)
            assert span(sleep) == (17, 4, 17, 17)
            assert returned.source == sleep.source == "fastapi-lint"
            assert returned.severity == types.DiagnosticSeverity.Warning
            assert "returns `HTTPException(...)` instead of raising it" in returned.message

            # The safe fix, preferred, and the `# noqa` for the line.
            actions = await lsp.code_actions(app, returned.range, diagnostics=[returned])
            titles = [a.title for a in actions]
            assert titles == ["FPI301: Replace `return` with `raise`", "FPI301: Disable for this line (`# noqa`)"]
            fix, noqa = actions
            assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
            assert [d.code for d in fix.diagnostics] == ["FPI301"]
            fixed = apply(BOOKS, edits_of(fix, app))
            assert fixed == BOOKS.replace("return HTTPException", "raise HTTPException")
            silenced = apply(BOOKS, edits_of(noqa, app))
            assert silenced == BOOKS.replace('detail="Book not found")', 'detail="Book not found")  # noqa: FPI301')
            assert not noqa.is_preferred

            # The unsafe fix is offered, marked, never preferred; its import comes with it.
            actions = await lsp.code_actions(app, types.Range(start=sleep.range.start, end=sleep.range.start))
            unsafe = actions[0]
            assert unsafe.title == "FPI101: Replace with `await asyncio.sleep(...)` (unsafe)"
            assert not unsafe.is_preferred
            after = apply(BOOKS, edits_of(unsafe, app))
            assert "    await asyncio.sleep(1)\n" in after and "import asyncio\n" in after
            compile(after, "app.py", "exec")

            # Only what the client asks for: "fix all" applies the safe fixes, as `--fix`.
            whole = await lsp.code_actions(app, returned.range, only=["source.fixAll"])
            assert [a.kind for a in whole] == ["source.fixAll.fastapi-lint"]
            assert apply(BOOKS, edits_of(whole[0], app)) == fixed

            # Hover over the finding: the rule's documentation; elsewhere: nothing.
            hover = await lsp.hover(app, types.Position(line=11, character=20))
            assert hover.contents.kind == types.MarkupKind.Markdown
            assert hover.contents.value.startswith("# return-http-exception (FPI301)\n\n## What it does")
            assert hover.range == returned.range
            assert await lsp.hover(app, types.Position(line=4, character=2)) is None

            # Editing: the diagnostics follow the editor's text, not the file on disk.
            lsp.change(app, fixed)
            assert set(by_code(await lsp.diagnostics(app))) == {"FPI101"}
            lsp.close(app)
            assert await lsp.diagnostics(app) == []

    run(scenario)


def test_the_project_model_follows_the_editor_and_the_disk(tmp_path: Path):
    """A route in items.py is shadowed by main.py: the server reports it from the project
    model built at the first open. Editing main.py in the editor (not saved to disk) and
    saving it re-checks items.py with main.py's new text; a change on disk reaches the
    model when the client reports it, not before."""
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "shop"\nversion = "0"\n',
        "shop/__init__.py": "", "shop/api/__init__.py": "", "shop/main.py": MAIN, "shop/api/items.py": ITEMS,
    })
    main, items = tmp_path / "shop/main.py", tmp_path / "shop/api/items.py"

    async def scenario():
        async with lsp_session(tmp_path) as lsp:
            lsp.open(items)
            shadowed = by_code(await lsp.diagnostics(items))["FPI400"]
            assert span(shadowed) == (5, 0, 5, 23)  # `@router.get("/special")`
            assert "`GET /items/{item_id}` (shop/main.py:8) is registered before" in shadowed.message

            lsp.open(main)
            assert await lsp.diagnostics(main) == []
            lsp.change(main, MAIN_ROUTER_FIRST)  # the editor's buffer only: main.py on disk is as it was
            assert await lsp.diagnostics(main) == []
            lsp.save(main)
            assert await lsp.diagnostics(main) == []
            assert await lsp.diagnostics(items) == []  # judged with main.py's buffer
            assert main.read_text() == MAIN

            # The buffer closed, main.py is the file on disk again, which shadows the route.
            lsp.close(main)
            assert await lsp.diagnostics(main) == []
            lsp.change(items, ITEMS + "\n")
            assert "FPI400" in by_code(await lsp.diagnostics(items))

            # Changed on disk behind the server's back: the warm model does not see it...
            main.write_text(MAIN_ROUTER_FIRST, encoding="utf-8")
            lsp.change(items, ITEMS)
            assert "FPI400" in by_code(await lsp.diagnostics(items))
            # ...until the client reports the change.
            lsp.files_changed((main, types.FileChangeType.Changed))
            assert await lsp.diagnostics(items) == []

    run(scenario)


def test_configuration_comes_from_pyproject(books: Path):
    app = books / "app.py"
    config = books / "pyproject.toml"
    config.write_text(config.read_text() + '\n[tool.fastapi-lint]\nignore = ["FPI301"]\n', encoding="utf-8")

    async def scenario():
        async with lsp_session(books, client_capabilities=capabilities(watch=True)) as lsp:
            await lsp.settle()
            watched = [r for r in lsp.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
            assert len(watched) == 1
            patterns = [w["globPattern"] for w in watched[0].register_options["watchers"]]  # untyped JSON
            assert patterns == ["**/*.py", "**/pyproject.toml"]
            lsp.open(app)
            assert set(by_code(await lsp.diagnostics(app))) == {"FPI101"}

            config.write_text(config.read_text().replace('ignore = ["FPI301"]', 'ignore = ["FPI1"]'))
            lsp.files_changed((config, types.FileChangeType.Changed))
            assert set(by_code(await lsp.diagnostics(app))) == {"FPI301"}

            # Saving a pyproject.toml the editor has open reads it again too.
            config.write_text(config.read_text().replace('ignore = ["FPI1"]', "ignore = []"))
            lsp.save(config)
            assert set(by_code(await lsp.diagnostics(app))) == {"FPI101", "FPI301"}

            # An invalid configuration is said, once, and nothing is reported.
            config.write_text(config.read_text().replace("ignore = []", "ignroe = []"))
            lsp.files_changed((config, types.FileChangeType.Changed))
            assert await lsp.diagnostics(app) == []
            assert len(lsp.messages) == 1
            assert lsp.messages[0].type == types.MessageType.Error
            assert "ignroe" in lsp.messages[0].message

    run(scenario)


def test_excluded_and_unparsable_files(books: Path):
    write(books, {
        "migrations/versions/0001.py": BOOKS,
        "broken.py": "from fastapi import FastAPI\n\napp = FastAPI(\n",
    })
    config = books / "pyproject.toml"
    config.write_text(config.read_text() + '\n[tool.fastapi-lint]\nextend-exclude = ["migrations"]\n')

    async def scenario():
        async with lsp_session(books) as lsp:
            lsp.open(books / "migrations/versions/0001.py")
            assert await lsp.diagnostics(books / "migrations/versions/0001.py") == []
            lsp.open(books / "broken.py")
            [error] = await lsp.diagnostics(books / "broken.py")
            assert error.severity == types.DiagnosticSeverity.Error and error.code is None
            assert error.range.start.line == 2
            assert await lsp.code_actions(books / "broken.py", error.range) == []

            # A buffer never saved: checked on its own.
            lsp.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
                uri="untitled:Untitled-1", language_id="python", version=1, text=BOOKS)))
            params = await asyncio.wait_for(lsp.queue("untitled:Untitled-1").get(), 60)
            assert sorted(d.code for d in params.diagnostics) == ["FPI101", "FPI301"]

            # Not Python: not checked (a Markdown file would be one long syntax error).
            notes = books / "NOTES.md"
            notes.write_text("# Notes\n\nreturn HTTPException(404)\n")
            lsp.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
                uri=uri_of(notes), language_id="markdown", version=1, text=notes.read_text())))
            await lsp.settle()
            assert lsp.pending(notes) == 0

    run(scenario)


@pytest.mark.parametrize("encoding, column", [(None, 18), (types.PositionEncodingKind.Utf32, 17)])
def test_positions_are_in_the_negotiated_encoding(books: Path, encoding, column):
    """`😀` is one character, two UTF-16 code units: the `return` after it starts at
    character 17 counted in code points (UTF-32), 18 in UTF-16 (LSP's default)."""
    text = BOOKS.replace(
        '        return HTTPException(status_code=404, detail="Book not found")',
        '        s = "😀"; return HTTPException(status_code=404, detail=s)',
    )
    app = books / "app.py"
    app.write_text(text, encoding="utf-8")

    async def scenario():
        caps = capabilities([encoding] if encoding else None)
        async with lsp_session(books, client_capabilities=caps) as lsp:
            agreed = lsp.initialize_result.capabilities.position_encoding
            assert agreed == (encoding or types.PositionEncodingKind.Utf16)
            lsp.open(app)
            returned = by_code(await lsp.diagnostics(app))["FPI301"]
            assert returned.range.start == types.Position(line=11, character=column)
            if encoding is None:
                [fix, _noqa] = await lsp.code_actions(app, returned.range)
                assert apply(text, edits_of(fix, app)) == text.replace("; return", "; raise")

    run(scenario)


def test_checking_does_not_import_libcst(books: Path):
    """The server checks without LibCST (only a fix that adds an import loads it)."""
    script = textwrap.dedent(f"""\
        import sys
        from pathlib import Path
        from fastapi_lint.lsp.server import create_server
        from fastapi_lint.lsp.engine import Engine

        create_server()
        root = Path({str(books)!r})
        engine = Engine([root])
        checked = engine.check(root / "app.py", (root / "app.py").read_text())
        assert sorted(d.code for d in checked.diagnostics) == ["FPI101", "FPI301"], checked.diagnostics
        engine.actions(checked, [d for d in checked.diagnostics if d.code == "FPI301"], fix_all=False)
        assert "libcst" not in sys.modules
        engine.actions(checked, [d for d in checked.diagnostics if d.code == "FPI101"], fix_all=False)
        assert "libcst" in sys.modules  # the check above can fail
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_without_pygls_the_command_says_what_to_install():
    script = "import sys; sys.modules['pygls'] = None; from fastapi_lint.cli import main; sys.exit(main(['server']))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 2
    assert "pip install 'fastapi-lint[lsp]'" in result.stderr


def test_the_same_diagnostics_as_the_command(tmp_path: Path):
    """Every file of the example app, opened in the editor: what the server publishes is
    what `fastapi-lint check` reports (codes, messages, positions), cross-module findings
    included."""
    import json
    import shutil

    root = tmp_path / "examples"
    shutil.copytree(Path(__file__).parent.parent / "examples", root,
                    ignore=shutil.ignore_patterns(".fastapi_lint_cache", "__pycache__"))
    checked = subprocess.run([sys.executable, "-m", "fastapi_lint", "check", "--output-format", "json", "."],
                             cwd=root, capture_output=True, text=True)
    expected = sorted(
        (Path(d["filename"]).resolve().relative_to(root.resolve()).as_posix(), d["code"], d["message"],
         d["location"]["row"] - 1, d["location"]["column"] - 1, d["end_location"]["row"] - 1,
         d["end_location"]["column"] - 1)
        for d in json.loads(checked.stdout)
    )
    assert len({e[0] for e in expected}) >= 4  # findings in several modules
    files = sorted(root.rglob("*.py"))

    async def scenario():
        found = []
        async with lsp_session(root) as lsp:
            for path in files:
                lsp.open(path)
                for d in await lsp.diagnostics(path):
                    found.append((path.relative_to(root).as_posix(), d.code, d.message, *span(d)))
        assert sorted(found) == expected

    run(scenario)


def test_a_helper_chain_links_to_the_blocking_call_in_its_module(tmp_path: Path):
    """FPI110's chain, as related information the editor links to: the call in the helper's
    module that blocks."""
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "shop"\nversion = "0"\n',
        "shop/__init__.py": "",
        "shop/mailer.py": """\
            import smtplib


            def send(to: str) -> None:
                with smtplib.SMTP("localhost") as server:
                    server.sendmail("shop@example.com", [to], "Thanks")
            """,
        "shop/main.py": """\
            from fastapi import FastAPI

            from shop import mailer

            app = FastAPI()


            @app.post("/orders", status_code=201)
            async def create_order(email: str):
                mailer.send(email)
                return {"ok": True}
            """,
    })
    main = tmp_path / "shop/main.py"

    async def scenario():
        async with lsp_session(tmp_path) as lsp:
            lsp.open(main)
            blocking = by_code(await lsp.diagnostics(main))["FPI110"]
            assert span(blocking) == (9, 4, 9, 22)
            assert "it calls `mailer.send -> smtplib.SMTP`" in blocking.message
            [step] = blocking.related_information
            assert step.location.uri == uri_of(tmp_path / "shop/mailer.py")
            assert step.location.range.start == types.Position(line=4, character=9)  # `smtplib.SMTP(...)`
            assert step.message == "calls `smtplib.SMTP`"

    run(scenario)
