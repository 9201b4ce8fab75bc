"""Served code: the async rules report what an application runs, and say from where.

The fixture project `tests/fixtures/projects/served` (checked line by line by
test_projects.py) has every kind of entry next to a CLI, a worker, a script and tests;
these tests run the real command on it and on small projects, for the messages, the
wider scopes and the cases where nothing may be dropped.
"""

from __future__ import annotations

import builtins
import importlib
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient

from cli_helpers import run, run_json, write
from fixture_harness import FIXTURES

SERVED = FIXTURES / "projects" / "served"


@pytest.fixture
def served(tmp_path: Path) -> Path:
    copy = tmp_path / "served"
    shutil.copytree(SERVED, copy, ignore=shutil.ignore_patterns(".fastapi_lint_cache"))
    return copy


def _found(diagnostics: list[dict], root: Path) -> dict[tuple[str, int], str]:
    return {
        (Path(d["filename"]).resolve().relative_to(root.resolve()).as_posix(), d["location"]["row"]): d["message"]
        for d in diagnostics
    }


def test_each_finding_names_the_entry_that_serves_it(served: Path) -> None:
    found = _found(run_json(".", "--no-cache", cwd=served), served)
    endings = {
        ("orders/services.py", 11): "(reached from `GET /api/orders/{order_id}`)",
        ("orders/storage.py", 6): "(reached from `GET /api/orders/{order_id}`)",
        ("orders/services.py", 16): "(reached from `POST /api/orders/`)",  # a background task
        ("orders/services.py", 21): "(reached from `GET /api/orders/{order_id}/events`)",  # streamed
        ("orders/api.py", 33): "(in `WEBSOCKET /api/orders/live`)",
        ("orders/deps.py", 5): "(in dependency `get_settings`)",  # a sub-dependency
        ("orders/lifespan.py", 9): "(in a task started by lifespan `lifespan`)",
        ("orders/middleware.py", 9): "(in middleware `AuditMiddleware`)",
        ("orders/middleware.py", 20): "(in middleware `RequestTimer`)",
        ("orders/middleware.py", 27): "(in middleware `add_process_time`)",
        ("orders/errors.py", 11): "(in exception handler `on_order_error`)",
    }
    for place, ending in endings.items():
        assert found[place].endswith(ending), (place, found[place])


def test_code_no_application_runs_is_reported_only_when_asked(served: Path) -> None:
    unserved = {
        ("orders/cli.py", 17),  # a Typer command's coroutine, run with asyncio.run
        ("orders/worker.py", 10),  # a worker process
        ("orders/services.py", 27),  # called by the CLI and the worker only
        ("scripts/seed.py", 6),  # a script
        ("orders/lifespan.py", 15),  # the lifespan's startup: no request is served yet
        # Methods named like a str's and a dict's (`replace`, `items`), which a route calls
        # only on a str and a dict of types the analysis does not know.
        ("orders/host.py", 12),
        ("orders/host.py", 15),
    }
    default = _found(run_json(".", "--no-cache", cwd=served), served)
    application = _found(run_json(".", "--no-cache", "--async-scope", "application", cwd=served), served)
    everything = _found(run_json(".", "--no-cache", "--async-scope", "all", cwd=served), served)
    assert not unserved & default.keys()
    assert unserved <= application.keys()
    assert application.keys() - default.keys() == unserved
    # Served findings keep their entry at every scope; the others have none to name.
    assert application[("orders/services.py", 11)] == default[("orders/services.py", 11)]
    assert "reached from" not in application[("orders/cli.py", 17)]
    assert application[("orders/lifespan.py", 15)].endswith(
        "(in lifespan `lifespan`, which runs before the application serves or after it stops)"
    )
    # Tests only with "all", and a test's own application makes nothing served.
    assert ("tests/test_orders.py", 17) in everything
    assert ("tests/test_orders.py", 17) not in application


def test_the_scope_is_a_config_key(served: Path) -> None:
    (served / "pyproject.toml").write_text(
        (served / "pyproject.toml").read_text() + 'async-scope = "application"\n'
    )
    found = _found(run_json(".", "--no-cache", cwd=served), served)
    assert ("orders/worker.py", 10) in found


def test_a_file_checked_on_its_own_drops_nothing(served: Path) -> None:
    # Without the project, no file can know that no other module calls its functions.
    found = _found(run_json("--no-project", "orders/services.py", cwd=served), served)
    assert ("orders/services.py", 27) in found
    assert ("orders/services.py", 11) in found


def test_one_file_named_in_a_project_is_judged_by_the_whole_project(served: Path) -> None:
    # What pre-commit does: the file alone on the command line, the project around it.
    found = _found(run_json("orders/services.py", "--no-cache", cwd=served), served)
    assert set(found) == {("orders/services.py", 11), ("orders/services.py", 16), ("orders/services.py", 21)}


def test_a_project_without_any_application_is_all_served(tmp_path: Path) -> None:
    # A library of async helpers: nothing says an application does not run them.
    write(tmp_path, {
        "pyproject.toml": "[tool.fastapi-lint]\n",
        "lib/__init__.py": "",
        "lib/io.py": """\
            import time


            async def wait():
                time.sleep(1)
        """,
    })
    found = _found(run_json(".", "--no-cache", cwd=tmp_path), tmp_path)
    assert list(found) == [("lib/io.py", 5)]
    assert "reached from" not in found[("lib/io.py", 5)]


def test_a_guess_by_method_name_is_one_step_only(tmp_path: Path) -> None:
    # `client.refresh()` on an object of unknown type may be `Cache.refresh`; what
    # `Cache.refresh` calls by name again is not followed (guesses do not compound).
    write(tmp_path, {
        "pyproject.toml": "[tool.fastapi-lint]\n",
        "app/__init__.py": "",
        "app/main.py": """\
            from fastapi import FastAPI

            from .cache import make_cache

            app = FastAPI()


            @app.get("/")
            async def index():
                cache = make_cache()
                await cache.refresh()
                return {}
        """,
        "app/cache.py": """\
            import time


            class Cache:
                async def refresh(self):
                    time.sleep(0.1)
                    other = object()
                    await other.rebuild()


            class Index:
                async def rebuild(self):
                    time.sleep(0.1)


            def make_cache():
                return Cache()
        """,
    })
    found = _found(run_json(".", "--no-cache", cwd=tmp_path), tmp_path)
    assert list(found) == [("app/cache.py", 6)]
    assert found[("app/cache.py", 6)].endswith("(reached from `GET /`)")


def test_flake8_reports_served_code_only(served: Path) -> None:
    result = run_flake8(served)
    assert "orders/services.py:11:5: FPI101" in result
    assert "orders/worker.py" not in result and "orders/cli.py" not in result


def run_flake8(root: Path) -> str:
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "FPI", "orders"],
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode in (0, 1), completed.stderr
    return completed.stdout


def test_an_unknown_scope_is_a_usage_error(served: Path) -> None:
    result = run(".", "--async-scope", "served-only", cwd=served)
    assert result.returncode == 2
    assert "served" in result.stderr and "Traceback" not in result.stderr


def test_what_is_reported_as_served_is_what_the_application_runs(served: Path, monkeypatch) -> None:
    """The claim, run: serve the fixture's application (lifespan, middleware, every route,
    the websocket, the exception handler, the background task) and record which of the
    project's functions really run, and when. Every finding said to be served is in one
    that runs while requests are served; one said to be startup code runs, but only
    before the first request or after the last; the CLI's, the worker's and the
    script's functions never run."""
    findings = run_json(".", "--no-cache", "--async-scope", "application", cwd=served)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    monkeypatch.setattr(requests, "post", lambda *a, **k: None)
    monkeypatch.setattr(requests, "get", lambda *a, **k: None)
    ran: set[tuple[str, int]] = set()  # (file, first line) of each function that ran
    while_serving: set[tuple[str, int]] = set()  # ... that ran (or resumed) between requests' start and end
    phase = ["startup"]
    root = str(served.resolve())

    def profile(frame, event, arg):
        # A coroutine resumed is a "call" too: a task that runs on is seen in each phase.
        if event == "call" and frame.f_code.co_filename.startswith(root):
            path = Path(frame.f_code.co_filename).relative_to(root).as_posix()
            ran.add((path, frame.f_code.co_firstlineno))
            if phase[0] == "serving":
                while_serving.add((path, frame.f_code.co_firstlineno))

    sys.path.insert(0, root)
    try:
        main = importlib.import_module("orders.main")
        for module in ("orders.storage", "orders.deps"):  # the files they open
            monkeypatch.setattr(sys.modules[module], "open", _fake_open, raising=False)
        sys.setprofile(profile)
        threading.setprofile(profile)  # TestClient runs the application in another thread
        try:
            with TestClient(main.app) as client:  # returns once the lifespan's startup is done
                phase[0] = "serving"
                assert client.get("/api/orders/7").status_code == 200
                assert client.post("/api/orders/").status_code == 201
                assert client.delete("/api/orders/7").status_code == 409
                assert client.get("/api/orders/7/events").text == "data: 7\n\n"
                with client.websocket_connect("/api/orders/live"):
                    pass
                time.perf_counter()  # the lifespan's task has had the loop between requests
                phase[0] = "shutdown"
        finally:
            sys.setprofile(None)
            threading.setprofile(None)
    finally:
        sys.path.remove(root)
        for name in [n for n in sys.modules if n == "orders" or n.startswith("orders.")]:
            del sys.modules[name]

    def function_of(diagnostic: dict) -> tuple[str, int]:
        """The `def` line of the innermost function around the finding."""
        path = Path(diagnostic["filename"]).resolve().relative_to(root).as_posix()
        row = diagnostic["location"]["row"]
        lines = (served / path).read_text().splitlines()
        start = next(i for i in range(row - 1, -1, -1) if lines[i].lstrip().startswith(("def ", "async def ")))
        decorated = start
        while decorated > 0 and lines[decorated - 1].lstrip().startswith("@"):
            decorated -= 1  # code objects of decorated functions start at the decorator
        return path, decorated + 1

    startup = "which runs before the application serves or after it stops"
    said_startup = {function_of(d) for d in findings if startup in d["message"]}
    said_served = {
        function_of(d) for d in findings
        if ("(in " in d["message"] or "reached from" in d["message"]) and startup not in d["message"]
    }
    said_unserved = {function_of(d) for d in findings} - said_served - said_startup
    assert len(said_served) == 11 and said_served <= while_serving
    assert said_startup == {("orders/lifespan.py", 13)} and said_startup <= ran - while_serving
    assert said_unserved and not said_unserved & ran


def _fake_open(*args, **kwargs):
    import io

    return io.StringIO("{}")
