"""Endpoints registered with something other than a named function.

Two fixture projects (checked line by line by test_projects.py):

- `runner` (prefect's runner webserver): endpoints made by factories
  (`add_api_route("/health", perform_health_check(runner))`), a `functools.partial`, a
  route decorator applied by hand (`app.get("/status")(status)`). The analysis follows
  each to the function the application runs, so a worker loop next to them stays unserved.
- `registry` (llama-stack's server): `getattr(app, method)(path)(make(getattr(impl, name)))`.
  No entry names what is served; the provider methods are reported as served, and
  `--verbose` says where the registration is.

Both applications are also run, to show that the functions the findings are about are
the ones that answer the requests.
"""

from __future__ import annotations

import importlib
import shutil
import sys
import time
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient

from cli_helpers import run, run_json
from fixture_harness import FIXTURES

PROJECTS = FIXTURES / "projects"


def _copy(name: str, tmp_path: Path) -> Path:
    copy = tmp_path / name
    shutil.copytree(PROJECTS / name, copy, ignore=shutil.ignore_patterns(".fastapi_lint_cache", "__pycache__"))
    return copy


def _found(root: Path, *args: str) -> dict[tuple[str, int], str]:
    return {
        (Path(d["filename"]).resolve().relative_to(root.resolve()).as_posix(), d["location"]["row"]): d["message"]
        for d in run_json(".", "--no-cache", *args, cwd=root)
    }


def test_factories_partials_and_decorators_applied_by_hand_are_followed(tmp_path: Path) -> None:
    root = _copy("runner", tmp_path)
    found = _found(root)
    assert found[("runner/server.py", 12)].endswith("(reached from an endpoint made by `perform_health_check()`)")
    assert found[("runner/server.py", 19)].endswith("(in `GET /run_count`)")
    assert found[("runner/server.py", 24)].endswith("(in `GET /status`)")
    # Every endpoint is known: the worker no application runs is still left out, and so
    # is the coroutine a served sync helper runs with `asyncio.run` (a loop of its own)...
    assert ("runner/worker.py", 6) not in found
    assert ("runner/server.py", 30) not in found
    assert ("runner/server.py", 36) not in found  # `anyio.run(_count_lines)`
    # ...all reported at the wider scope.
    wider = _found(root, "--async-scope", "application")
    assert ("runner/worker.py", 6) in wider
    assert ("runner/server.py", 30) in wider
    assert ("runner/server.py", 36) in wider


def test_computed_endpoints_make_unreached_async_code_served(tmp_path: Path) -> None:
    root = _copy("registry", tmp_path)
    found = _found(root)
    # No entry is named: the analysis does not know which route runs them.
    assert found[("registry/providers.py", 8)].startswith("`requests.get()` blocks the event loop")
    assert found[("registry/providers.py", 8)].endswith("run it in a thread (`await asyncio.to_thread(...)`)")
    assert ("registry/providers.py", 12) in found
    verbose = run(".", "--no-cache", "--verbose", cwd=root)
    assert (
        "registry/server.py:29: an endpoint computed at run time is registered here: async code no known "
        "entry reaches counts as served (see `async-scope`)"
    ) in verbose.stderr


@pytest.fixture
def importable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def load(project: str, module: str):
        root = _copy(project, tmp_path)
        monkeypatch.syspath_prepend(str(root))
        for name in [n for n in sys.modules if n == project or n.startswith(project + ".")]:
            monkeypatch.delitem(sys.modules, name)
        return importlib.import_module(module)

    return load


def test_the_registry_application_serves_the_provider_methods(importable, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    class Answer:
        def json(self):
            return {"name": "list_models"}

    monkeypatch.setattr(requests, "get", lambda url, **kwargs: calls.append(url) or Answer())
    monkeypatch.setattr(time, "sleep", lambda seconds: calls.append(seconds))
    server = importable("registry", "registry.server")
    client = TestClient(server.app)
    assert client.get("/health").json() == {"name": "health"}
    assert client.get("/models").json() == {"name": "list_models"}
    assert client.post("/chat").json() == {"name": "chat"}
    # The blocking calls the findings name ran while the requests were served.
    assert calls == ["https://models.example.com/v1/models", 0.01]


def test_the_runner_application_runs_what_the_factories_make(importable, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(requests, "get", lambda url, **kwargs: calls.append(url))
    monkeypatch.setattr(time, "sleep", lambda seconds: calls.append(seconds))
    server = importable("runner", "runner.server")
    client = TestClient(server.app)
    assert client.get("/health").json() == {"name": "health", "runner": "local"}
    assert client.get("/run_count").json() == {"name": "run_count"}
    assert client.get("/status").json() == {"name": "status"}
    assert calls == [0.01, "https://runner.example.com/count", "https://runner.example.com/status"]
    # `asyncio.run` and `anyio.run` in the threadpool: the sleeps run on loops of their
    # own, while the server's loop answers other requests.
    assert client.get("/logs").json() == {"name": "logs", "lines": ["started"]}
