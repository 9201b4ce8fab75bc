"""FPI304's version claim, run: FastAPI reads `Annotated[T, Depends(...)]` from 0.95.0 on.

One application with `db: dict = Depends(get_db)` defaults, and the same application
after FPI304's fix (`db: Annotated[dict, Depends(get_db)]`), are served on FastAPI 0.94.1
and 0.95.0 (virtualenvs made by `fastapi_versions.py`, with Pydantic 1, which pip picks)
and on the installed FastAPI. On 0.94.1 the fixed form loses its dependencies: FastAPI
sees a plain `dict` parameter (a required JSON body) and a plain `str` one (a required
query parameter), never calls `get_db` or `get_user`, and hands the handler whatever the
client sent. FPI304 says nothing when that FastAPI is the one installed where
fastapi-lint runs, or the one the project pins, and reports from 0.95.0 on.

The probe drives the app through `httpx.ASGITransport`: Starlette 0.26's `TestClient`
(FastAPI 0.94/0.95) passes `app=` to `httpx.Client`, which httpx 0.28 and later refuse.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_versions import run_probe, site_packages
from fastapi_lint.checker import check_source
from fastapi_lint.fixes.engine import fix_source
from fastapi_lint.rules import _fastapi_version
from fastapi_lint.rules._fastapi_version import parse_version
from fastapi_lint.settings import Settings

SOURCE = '''\
from fastapi import Depends, FastAPI

app = FastAPI()
CALLS = []


def get_db():
    CALLS.append("get_db")
    return {"name": "the-db"}


def get_user():
    CALLS.append("get_user")
    return "ada"


@app.get("/items/")
def read_items(db: dict = Depends(get_db), user: str = Depends(get_user)):
    return {"db": db, "user": user}
'''

# Run by each interpreter, with one app module per argument: what `GET /items/` answers
# (with nothing, and with a client that sends a body and `?user=`), which dependencies
# ran, and what OpenAPI says the route takes.
PROBE = '''\
import asyncio, importlib.util, json, sys, warnings
warnings.simplefilter("ignore")
import fastapi, httpx

REQUESTS = {"plain": {}, "client-sends-both": {"json": {"x": 1}, "params": {"user": "mallory"}}}


async def answers(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        found = {}
        for name, options in REQUESTS.items():
            response = await client.request("GET", "/items/", **options)
            found[name] = [response.status_code, response.json()]
        return found


runs = []
for index, path in enumerate(sys.argv[1:]):
    spec = importlib.util.spec_from_file_location(f"probe_app_{index}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    operation = module.app.openapi()["paths"]["/items/"]["get"]
    runs.append({
        "answers": asyncio.run(answers(module.app)),
        "calls": module.CALLS,
        "parameters": [[p["in"], p["name"], p["required"]] for p in operation.get("parameters", [])],
        "body_required": operation.get("requestBody", {}).get("required", False),
    })
print(json.dumps({"version": fastapi.__version__, "runs": runs}))
'''

VERSIONS = ("0.94.1", "0.95.0", "installed")
INJECTED = {"db": {"name": "the-db"}, "user": "ada"}
DEPENDENCIES_RAN = {
    "answers": {"plain": [200, INJECTED], "client-sends-both": [200, INJECTED]},
    "calls": ["get_db", "get_user", "get_db", "get_user"],
    "parameters": [],
    "body_required": False,
}
# FastAPI 0.94.1 on the `Annotated` form, as observed: `db` is a required JSON body,
# `user` a required query parameter, and neither dependency is called.
ANNOTATED_IGNORED = {
    "answers": {
        "plain": [422, {"detail": [
            {"loc": ["query", "user"], "msg": "field required", "type": "value_error.missing"},
            {"loc": ["body"], "msg": "field required", "type": "value_error.missing"},
        ]}],
        "client-sends-both": [200, {"db": {"x": 1}, "user": "mallory"}],
    },
    "calls": [],
    "parameters": [["query", "user", True]],
    "body_required": True,
}


def fixed_source() -> str:
    """SOURCE with FPI304's fix applied (told the FastAPI is recent enough to offer it)."""
    options = {"dependency-without-annotated": {"fastapi-version": "0.95.0"}}
    outcome = fix_source(SOURCE, "app.py", Settings(select=["FPI304"], rule_options=options), unsafe=True)
    assert "def read_items(db: Annotated[dict, Depends(get_db)], user: Annotated[str, Depends(get_user)]):" in outcome.text
    return outcome.text


def reported_where_installed(version: str, tmp_path: Path) -> list[tuple[int, str]]:
    """FPI304 on SOURCE, run where FastAPI `version` is the installed one: this interpreter
    with that virtualenv's packages first on its path (fastapi-lint reads the version from
    the distribution's metadata and imports neither FastAPI nor Pydantic)."""
    if version == "installed":
        _fastapi_version._installed.cache_clear()
        return [(d.location.row, d.code) for d in check_source(SOURCE, "app.py", Settings(select=["FPI304"])).diagnostics]
    code = (
        "import json, sys\n"
        "from fastapi_lint.checker import check_source\n"
        "from fastapi_lint.settings import Settings\n"
        "from fastapi_lint.rules._fastapi_version import fastapi_version\n"
        "source = open(sys.argv[1]).read()\n"
        "found = check_source(source, sys.argv[1], Settings(select=['FPI304'])).diagnostics\n"
        "print(json.dumps({'version': fastapi_version('auto', sys.argv[1], None),\n"
        "                  'found': [(d.location.row, d.code) for d in found],\n"
        "                  'imported': sorted({'fastapi', 'pydantic'} & set(sys.modules))}))\n"
    )
    app = tmp_path / "lint_app.py"
    app.write_text(SOURCE)
    env = dict(os.environ, PYTHONPATH=site_packages(version))
    result = subprocess.run(
        [sys.executable, "-c", code, str(app)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    assert run["version"] == [list(parse_version(version)), "installed"] and run["imported"] == []
    return [tuple(found) for found in run["found"]]


def reported_where_pinned(version: str, tmp_path: Path, monkeypatch) -> list[tuple[int, str]]:
    """FPI304 on SOURCE in a project whose requirements pin FastAPI `version`, none installed."""
    monkeypatch.setattr(_fastapi_version, "_installed", lambda: None)
    _fastapi_version._pinned.cache_clear()
    project = tmp_path / "pinned"
    project.mkdir()
    (project / "requirements.txt").write_text(f"uvicorn\nfastapi=={version}\n")
    try:
        result = check_source(SOURCE, str(project / "main.py"), Settings(select=["FPI304"]))
    finally:
        _fastapi_version._pinned.cache_clear()
        monkeypatch.undo()
    return [(d.location.row, d.code) for d in result.diagnostics]


@pytest.mark.parametrize("version", VERSIONS, ids=[f"fastapi-{v}" for v in VERSIONS])
def test_annotated_dependencies_need_fastapi_095_and_fpi304_knows(version: str, tmp_path: Path, monkeypatch) -> None:
    probed = run_probe(version, PROBE, tmp_path, SOURCE, fixed_source())
    assert version == "installed" or probed["version"] == version
    as_written, fixed = probed["runs"]
    assert as_written == DEPENDENCIES_RAN  # the default form works on every version
    old = parse_version(probed["version"]) < (0, 95)
    assert fixed == (ANNOTATED_IGNORED if old else DEPENDENCIES_RAN)

    route_line = SOURCE.splitlines().index(
        "def read_items(db: dict = Depends(get_db), user: str = Depends(get_user)):"
    ) + 1
    expected = [] if old else [(route_line, "FPI304"), (route_line, "FPI304")]
    assert reported_where_installed(version, tmp_path) == expected
    assert reported_where_pinned(probed["version"], tmp_path, monkeypatch) == expected
