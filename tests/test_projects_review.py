"""Whole-project analysis, from a review: `--fix` keeps (and updates) what other modules
say about a fixed file, applications built inside functions do not decide, `src.`-prefixed
imports of a namespace `src/`, and the root of a file named on its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run, run_json, write
from fastapi_lint.project.layout import find_project_root
from project_harness import PROJECTS_DIRECTORY, actual, expected
from test_flake8_plugin import command_found, flake8_found

MAIN = """\
    from fastapi import FastAPI

    from app.other import router

    app = FastAPI()


    @app.get("/items/{item_id}")
    async def read_item(item_id: str):
        return {"item_id": item_id}


    app.include_router(router)
"""
# A router route that main.py's `/items/{item_id}` shadows, and a `time.sleep` whose fix
# adds `import asyncio` above the route (every line below it moves down by one).
OTHER = """\
    import time

    from fastapi import APIRouter

    router = APIRouter()


    @router.get("/items/featured")
    async def featured():
        time.sleep(0)
        return []
"""


def _project(tmp_path: Path, main: str = MAIN) -> Path:
    return write(tmp_path, {"pyproject.toml": "", "app/main.py": main, "app/other.py": OTHER})


def _fpi400(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if " FPI400 " in line]


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_fixing_a_file_keeps_its_cross_module_shadowing(tmp_path: Path, cache: bool) -> None:
    root = _project(tmp_path)
    flags = [] if cache else ["--no-cache"]
    fixed = run(*flags, "--fix", "--unsafe-fixes", "app/other.py", cwd=root)
    assert "import asyncio" in (root / "app/other.py").read_text()
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert "1 fixed, 1 remaining" in fixed.stdout
    # Reported on the route's new line, as a plain run now reports it.
    after = run(*flags, "app/other.py", cwd=root)
    assert _fpi400(fixed.stdout) == _fpi400(after.stdout)
    assert [line.split(" ")[0] for line in _fpi400(after.stdout)] == ["app/other.py:9:1:"]


def test_other_files_are_told_where_a_fixed_file_moved_its_routes(tmp_path: Path) -> None:
    # main.py's own `time.sleep` fix adds an import above its route: the line other.py's
    # message names moves from 10 to 11, and it must be the final one.
    main = MAIN.replace("from fastapi import FastAPI\n", "import time\n\n    from fastapi import FastAPI\n").replace(
        '        return {"item_id": item_id}\n', '        time.sleep(0)\n        return {"item_id": item_id}\n'
    )
    root = _project(tmp_path, main)
    before = _fpi400(run("--no-cache", ".", cwd=root).stdout)
    assert len(before) == 1 and "(app/main.py:10)" in before[0] and "(app/main.py:16)" in before[0]
    fixed = run("--no-cache", "--fix", "--unsafe-fixes", ".", cwd=root)
    assert fixed.returncode == 1
    after = _fpi400(run("--no-cache", ".", cwd=root).stdout)
    assert _fpi400(fixed.stdout) == after
    assert "import asyncio" in (root / "app/main.py").read_text()
    assert len(after) == 1 and "(app/main.py:11)" in after[0] and "(app/main.py:17)" in after[0]


# ---------------------------------------------------------------------- applications in functions


def test_a_test_fixtures_app_does_not_hide_the_real_apps_shadowing() -> None:
    root = PROJECTS_DIRECTORY / "fixtureapps"
    assert ("app/items.py", 8, "FPI400") in expected(root)
    assert actual(root) == expected(root)
    result = run("-v", "--no-cache", ".", cwd=root)
    notes = [line for line in result.stderr.splitlines() if "built inside a function" in line]
    assert [note.split(": ")[2] for note in notes] == ["tests/support.py:11", "tests/support.py:17"]


def test_routes_marks_shadowed_exactly_what_the_lint_reports() -> None:
    for name in ("fixtureapps", "srcnamespace", "shop"):
        root = PROJECTS_DIRECTORY / name
        tables = json.loads(run("routes", "--no-cache", "--output-format", "json", cwd=root).stdout)
        assert [table["app"] for table in tables] == [{"fixtureapps": "app.main:app", "srcnamespace": "main:app",
                                                       "shop": "shop.main:app"}[name]]
        marked = {(row["file"], row["line"]) for table in tables for row in table["routes"] if row["shadowed_by"]}
        linted = {(path, line) for path, line, code in actual(root) if code == "FPI400"}
        # tests/support.py's own shadowed route is in an application the table leaves out.
        assert marked == linted - {("tests/support.py", 23)}, name


def test_the_message_names_the_application_when_there_are_several(tmp_path: Path) -> None:
    root = _project(tmp_path)
    write(root, {"app/admin.py": """\
        from fastapi import FastAPI

        from app.other import router

        admin = FastAPI()


        @admin.get("/items/{item_id}")
        async def read_any(item_id: str):
            return item_id


        admin.include_router(router)
    """})
    (message,) = [d["message"] for d in run_json("--no-cache", ".", cwd=root) if d["code"] == "FPI400"]
    assert message.startswith("Route `GET /items/featured` can never run in `app.admin:admin`: ")


def test_a_route_shadowed_in_only_one_of_two_apps_is_reported_for_that_app(tmp_path: Path) -> None:
    # main.py's app includes the router after its own `/items/{item_id}`; the admin app
    # includes it first: the route runs there, but never in `app.main:app`.
    root = _project(tmp_path)
    write(root, {"app/admin.py": """\
        from fastapi import FastAPI

        from app.other import router

        admin = FastAPI()
        admin.include_router(router)
    """})
    (message,) = [d["message"] for d in run_json("--no-cache", ".", cwd=root) if d["code"] == "FPI400"]
    assert message.startswith("Route `GET /items/featured` can never run in `app.main:app`: ")
    tables = json.loads(run("routes", "--no-cache", "--output-format", "json", cwd=root).stdout)
    shadowed = {table["app"]: [row["path"] for row in table["routes"] if row["shadowed_by"]] for table in tables}
    assert shadowed == {"app.main:app": ["/items/featured"], "app.admin:admin": []}


# ---------------------------------------------------------------------- `src.` imports


def test_src_prefixed_imports_of_a_namespace_src_are_resolved() -> None:
    root = PROJECTS_DIRECTORY / "srcnamespace"
    assert ("src/auth/router.py", 9, "FPI400") in expected(root)
    assert actual(root) == expected(root)
    result = run("routes", "--no-cache", cwd=root)
    assert "/auth/me" in result.stdout and "/posts/latest" in result.stdout
    assert "not resolved" not in result.stderr


def test_routes_says_how_much_was_not_resolved_without_verbose() -> None:
    root = PROJECTS_DIRECTORY / "srclayout"
    result = run("routes", "--no-cache", cwd=root)
    assert result.stderr == "fastapi-lint: 3 includes, routes or imports not resolved statically (see -v)\n"
    assert result.stderr.count("not resolved") == 1
    assert len(run("routes", "--no-cache", "-v", cwd=root).stderr.splitlines()) == 3


# ---------------------------------------------------------------------- a lone file's root

LAYOUT = {
    "src/shop/__init__.py": "",
    "src/shop/main.py": """\
        from fastapi import FastAPI

        from .api.items import router

        app = FastAPI()


        @app.get("/items/{item_id}")
        async def read_item(item_id: str):
            return item_id


        app.include_router(router)
    """,
    "src/shop/api/__init__.py": "",
    "src/shop/api/items.py": """\
        from fastapi import APIRouter

        router = APIRouter()


        @router.get("/items/special")
        async def read_special():
            return "special"
    """,
}


@pytest.mark.parametrize("marker", [".git/HEAD", "setup.cfg", "setup.py", None])
def test_a_lone_file_without_pyproject_is_checked_with_its_project(tmp_path: Path, marker: str | None) -> None:
    files = dict(LAYOUT)
    if marker is not None:
        files[marker] = ""
    root = write(tmp_path / "repo", files)
    whole = {f for f in command_found("--no-cache", ".", cwd=root) if f[0].endswith("items.py")}
    assert {f[3] for f in whole} == {"FPI400"}
    # As pre-commit runs it, from the repository, naming the changed file only.
    assert command_found("--no-cache", "src/shop/api/items.py", cwd=root) == whole
    assert flake8_found("src/shop/api/items.py", cwd=root) == whole


def test_the_root_of_a_lone_file_is_found_from_markers_in_order(tmp_path: Path) -> None:
    write(tmp_path, {
        "repo/.git/HEAD": "", "repo/lib/setup.cfg": "", "repo/lib/pkg/__init__.py": "",
        "repo/lib/pkg/sub/__init__.py": "", "repo/lib/pkg/sub/mod.py": "", "repo/tool.py": "",
        "loose/pkg/__init__.py": "", "loose/pkg/mod.py": "", "loose/alone.py": "",
        "pyp/pyproject.toml": "", "pyp/setup.py": "", "pyp/inner/setup.cfg": "", "pyp/inner/m.py": "",
    })
    assert find_project_root(tmp_path / "repo/lib/pkg/sub/mod.py") == (tmp_path / "repo/lib").resolve()
    assert find_project_root(tmp_path / "repo/tool.py") == (tmp_path / "repo").resolve()
    assert find_project_root(tmp_path / "loose/pkg/mod.py") == (tmp_path / "loose").resolve()  # the package chain
    assert find_project_root(tmp_path / "loose/alone.py") is None  # single-file mode
    assert find_project_root(tmp_path / "pyp/inner/m.py") == (tmp_path / "pyp").resolve()  # pyproject.toml first
