"""The project analysis against the real applications: each fixture project's app is
imported and run with FastAPI, and the `routes` table and FPI400's verdicts are compared
with what happens.

- Registration order: OpenAPI lists paths in the order the application registered them
  (also through included routers), so the table's paths must come in the same order.
- Routing: a request to every route of the table is answered by the route's own handler,
  unless the table marks it shadowed: then the request the verdict gives as an example is
  answered by the shadowing route (requests through `TestClient`, as FACTS.md advises on
  fastapi 0.165, whose `app.routes` holds one entry per included router). Every handler
  returns its own name (or a model whose `name` is).
- Routes the analysis could not place (a router built by a factory or included in a
  loop) are not in the table: nothing is claimed about them.
"""

from __future__ import annotations

import importlib
import re
import smtplib
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient

from fastapi_lint.config import SettingsResolver
from fastapi_lint.project import load_project
from fastapi_lint.project.routes import route_tables
from project_harness import all_projects

# `served` has no shadowing to check; test_served_scope.py runs its application, and
# test_path_params_runtime.py runs `casefile`'s. `deps` cannot be imported at all, by
# design: its `Depends(get_db())` (FPI600) is a TypeError when the route is declared, which
# test_deps_project_fails_at_import checks. `streams` has no shadowing either, and its
# routes stream files; its marked lines are checked with every project in test_projects.py.
# `tracker` imports pwdlib (not a test dependency) and has no shadowing; its routers are
# built from a project subclass of APIRouter, which the route table does not place.
# `registry` and `runner` register their routes at run time or in a factory (no table to
# compare); test_computed_endpoints.py runs both. `bedrock` imports boto3 (not a test
# dependency) and has no shadowing.
_ELSEWHERE = ("served", "casefile", "deps", "streams", "tracker", "teams", "registry", "runner", "bedrock")
PROJECTS = [p for p in all_projects() if p.name not in _ELSEWHERE]
_SAMPLES = {"int": "4711", "float": "2.5", "path": "zz/zz", "uuid": "12345678-1234-5678-1234-567812345678"}


def concrete(path: str) -> str:
    """A request path for a route pattern: a sample value for each parameter."""
    return re.sub(r"{[^}:]+(?::([a-z]+))?}", lambda m: _SAMPLES.get(m[1] or "", "zz9"), path)


class _FakeSMTP:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def sendmail(self, *args) -> None:
        pass


class _FakeResponse:
    def json(self) -> dict:
        return {"price": 1}


@contextmanager
def imported(*import_roots: Path):
    """The project's modules importable for the duration; forgotten afterwards."""
    before = set(sys.modules)
    for import_root in reversed(import_roots):
        sys.path.insert(0, str(import_root))
    try:
        yield
    finally:
        for import_root in import_roots:
            sys.path.remove(str(import_root))
        for name in set(sys.modules) - before:
            if not name.startswith(("fastapi", "starlette", "pydantic", "anyio", "httpx")):
                del sys.modules[name]


def _tables(root: Path) -> list[dict]:
    project, _ = load_project(root, SettingsResolver(cwd=root).for_path, use_cache=False)
    return route_tables(project)


@pytest.mark.parametrize("root", PROJECTS, ids=[p.name for p in PROJECTS])
def test_the_route_table_and_verdicts_are_what_the_application_does(root: Path, monkeypatch) -> None:
    # The handlers' helpers do real I/O: replace it (the analysis read the source already).
    monkeypatch.setattr(smtplib, "SMTP", _FakeSMTP)
    monkeypatch.setattr(requests, "get", lambda *a, **k: _FakeResponse())
    monkeypatch.setattr(requests.Session, "get", lambda self, *a, **k: _FakeResponse())
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: "{}")
    tables = _tables(root)
    assert tables, "each fixture project has an application"
    # `src/` first, and the root too: a `src/` without `__init__.py` is also imported as
    # the namespace package `src` (`from src.auth.router import router`).
    import_roots = [root / "src", root] if (root / "src").is_dir() else [root]
    checked = shadowed = 0
    with imported(*import_roots):
        for table in tables:
            module, _, name = table["app"].partition(":")
            app = getattr(importlib.import_module(module), name)
            rows = [r for r in table["routes"] if r["kind"] == "http" and not r["builtin"]]

            # Registration order, as OpenAPI lists it.
            ours = list(dict.fromkeys(r["path"] for r in rows))
            real = [p for p in app.openapi()["paths"] if p in ours]
            assert real == ours

            client = TestClient(app)
            for row in rows:
                method = row["methods"][0]
                if row["shadowed_by"]:
                    path = row["example"]
                    answers = {o["handler"].rsplit(".", 1)[-1] for o in row["shadowed_by"]}
                    method = row["shadowed_methods"][0]
                    shadowed += 1
                else:
                    path = concrete(row["path"])
                    answers = {row["handler"].rsplit(".", 1)[-1]}
                response = client.request(method, path, params={"token": "jessica"}, json={})
                assert response.status_code < 300, (row, path, response.text)
                body = response.json()
                assert (body if isinstance(body, str) else body["name"]) in answers, (row, path)
                checked += 1
    assert checked and shadowed


# --------------------------------------------------------------------------- FPI110

HELPERS = '''\
import time

BLOCK_SECONDS = 0.2


def pause() -> None:
    time.sleep(BLOCK_SECONDS)


def prepare() -> None:
    pause()
'''

APP = '''\
import asyncio
import time

from fastapi import FastAPI

from .helpers import prepare

app = FastAPI()
TIMELINE = {{}}


@app.get("/work")
async def work():
    TIMELINE["work_start"] = time.perf_counter()
    {body}
    TIMELINE["work_end"] = time.perf_counter()
    return {{"done": True}}


@app.get("/ping")
async def ping():
    return {{"pong": True}}
'''

HELPER_VARIANTS = {"prepare()": True, "await asyncio.to_thread(prepare)": False}


@pytest.mark.parametrize("body", HELPER_VARIANTS, ids=list(HELPER_VARIANTS))
def test_a_blocking_call_two_modules_away_stalls_other_requests_and_is_flagged(tmp_path: Path, body: str) -> None:
    import asyncio

    from fastapi_lint.checker import check_source
    from fastapi_lint.project import prepare_projects
    from fastapi_lint.settings import Settings
    from test_blocking_runtime import ping_waited_for_work, serve_work_and_ping

    package = f"svc_{len(body)}"
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / package / "helpers.py").write_text(HELPERS)
    app_path = tmp_path / package / "app.py"
    app_path.write_text(APP.format(body=body))

    session = prepare_projects([app_path], [str(tmp_path)], lambda path: Settings(), use_cache=False)
    result = check_source(app_path.read_text(), str(app_path), Settings(select=["FPI110"]),
                          project=session.context_for(app_path))
    stalls = HELPER_VARIANTS[body]
    row = next(i for i, line in enumerate(app_path.read_text().splitlines(), 1) if body in line)
    assert [(d.location.row, d.code) for d in result.diagnostics] == ([(row, "FPI110")] if stalls else [])
    if stalls:
        assert "`prepare -> pause -> time.sleep`" in result.diagnostics[0].message

    with imported(tmp_path):
        module = importlib.import_module(f"{package}.app")
        timeline = asyncio.run(serve_work_and_ping(module))
    assert ping_waited_for_work(timeline) is stalls


def test_deps_project_fails_at_import() -> None:
    """FPI600's claim on the `deps` fixture project: declaring the route raises."""
    [root] = [p for p in all_projects() if p.name == "deps"]
    with imported(root), pytest.raises(TypeError, match="is not a callable object"):
        importlib.import_module("deps.main")
