"""FPI106 beyond its fixtures: where it reports (`async-scope`), what silences it, and
that its calls stay out of the catalogue the other blocking rules share."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cli_helpers import run_json, write

from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings

ROUTE = '''
import os.path
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def root(name: str):
    return {"exists": os.path.exists(name)}COMMENT
'''
CLI = '''
import asyncio
import os.path


async def main(path: str) -> None:
    print(os.path.exists(path))


if __name__ == "__main__":
    asyncio.run(main("x"))
'''
TEST = '''
import os.path


async def test_media_exists():
    assert not os.path.exists("/nope")
'''


def route(comment: str) -> str:
    return ROUTE.replace("COMMENT", comment)


def codes(source: str, filename: str, scope: str = "served") -> list[tuple[int, str]]:
    result = check_source(textwrap.dedent(source), filename, Settings(select=["FPI106"], async_scope=scope))
    assert result.error is None
    return [(d.location.row, d.code) for d in result.diagnostics]


def test_served_code_only_by_default_as_fpi103(tmp_path) -> None:
    write(tmp_path, {"app/main.py": route(""), "app/cli.py": CLI, "tests/test_media.py": TEST})

    def found(*scope: str) -> set[tuple[str, int]]:
        diagnostics = run_json(".", "--isolated", "--no-cache", "--select", "FPI106", *scope, cwd=tmp_path)
        assert {d["code"] for d in diagnostics} <= {"FPI106"}
        return {(Path(d["filename"]).resolve().relative_to(tmp_path.resolve()).as_posix(), d["location"]["row"])
                for d in diagnostics}

    # A CLI coroutine is no application's code; a test is test code.
    assert found() == {("app/main.py", 10)}
    assert found("--async-scope", "application") == {("app/main.py", 10), ("app/cli.py", 7)}
    assert found("--async-scope", "all") == {("app/main.py", 10), ("app/cli.py", 7), ("tests/test_media.py", 6)}


def test_flake8_async_noqa_code_does_not_silence_it() -> None:
    # Codes are matched exactly, as ruff does: ASYNC240 is flake8-async's code, not this rule's.
    assert codes(route("  # noqa: ASYNC240"), "app/main.py") == [(10, "FPI106")]
    assert codes(route("  # noqa: ASYNC240, FPI106"), "app/main.py") == []
    assert codes(route("  # noqa: FPI106"), "app/main.py") == []


def test_not_in_the_shared_catalogue() -> None:
    """FPI110's chains and FPI120's cost policy read `classify_blocking_call`: an
    `os.path` check must not become blocking for them now that FPI106 exists."""
    from fastapi_lint.semantic.blocking import classify_os_path_call
    from fastapi_lint.semantic.scopes import CallContext
    from test_blocking_calls import verdicts

    found = verdicts(
        """
        import os
        import os.path

        async def handler(p):
            os.path.exists(p)
            os.path.realpath(p)
            os.stat(p)
        """
    )
    assert found == {"os.path.exists": None, "os.path.realpath": None, "os.stat": None}
    for target, reported in [
        ("os.path.exists", True), ("os.path.realpath", True), ("posixpath.getsize", True),
        ("ntpath.isdir", True), ("os.path.join", False), ("os.path.abspath", False),
        ("os.path.normpath", False), ("os.path.relpath", False), ("os.stat", False),
        ("mylib.path.exists", False),
    ]:
        assert (classify_os_path_call(CallContext(None, None, target, False)) is not None) is reported, target


def test_the_default_selection_leaves_it_off() -> None:
    result = check_source(textwrap.dedent(route("")), "app/main.py", Settings())
    assert result.error is None
    assert "FPI106" not in {d.code for d in result.diagnostics}
