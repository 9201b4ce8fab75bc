"""FPI402's claim and FPI400's registration order, on the FastAPI versions around 0.137.

FastAPI before 0.137 copies a router's routes when `include_router()` runs; from 0.137 it
keeps the router and resolves its routes lazily (FACTS.md, "Routing and shadowing"). One
application is linted and run on the installed FastAPI, and on 0.136 and 0.137 in
virtualenvs of their own, which `fastapi_versions.py` makes on first use (inside the running
environment, `<sys.prefix>/fastapi-versions/`, so CI's fresh clone makes them and a
developer's checkout keeps them) and runs as subprocesses.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from fastapi_versions import run_probe
from fastapi_lint.checker import check_source
from fastapi_lint.config import SettingsResolver
from fastapi_lint.project import load_project
from fastapi_lint.project.routes import route_tables
from fastapi_lint.rules import _fastapi_version
from fastapi_lint.rules._fastapi_version import fastapi_version, parse_version
from fastapi_lint.settings import Settings

APP_SOURCE = '''\
from fastapi import APIRouter, FastAPI

app = FastAPI()
items = APIRouter(prefix="/items")
admin = APIRouter(prefix="/admin")
audit = APIRouter(prefix="/audit")


@app.get("/items/{slug}")
def by_slug(slug: str):
    return {"name": "by_slug"}


@items.get("/{item_id:int}")
def read_item(item_id: int):
    return {"name": "read_item"}


@items.get("/featured")
def featured():
    return {"name": "featured"}


app.include_router(items)


@items.get("/{item_id:int}/late")
def late(item_id: int):
    return {"name": "late"}


app.include_router(admin)
admin.include_router(audit)


@audit.get("/log")
def audit_log():
    return {"name": "audit_log"}


@app.get("/health")
def health():
    return {"name": "health"}
'''

# Run by each interpreter: the FastAPI version, what each path answers, OpenAPI's order.
PROBE = '''\
import json, sys, importlib.util, warnings
warnings.simplefilter("ignore")
import fastapi
from fastapi.testclient import TestClient
spec = importlib.util.spec_from_file_location("probe_app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
client = TestClient(module.app)
answers = {}
for path in ["/items/1", "/items/featured", "/items/5/late", "/admin/audit/log", "/health"]:
    response = client.get(path)
    answers[path] = response.json().get("name") if response.status_code == 200 else response.status_code
print(json.dumps({"version": fastapi.__version__, "answers": answers,
                  "openapi": list(module.app.openapi()["paths"])}))
'''

# The last version that copies routes at `include_router()`, and the first that does not.
OTHER_VERSIONS = ("0.136", "0.137")


def _interpreters():
    return [pytest.param("installed", id="installed")] + [pytest.param(v, id=f"fastapi-{v}") for v in OTHER_VERSIONS]


def _probe(version: str, tmp_path: Path) -> dict:
    return run_probe(version, PROBE, tmp_path, APP_SOURCE)


def _reported_paths(version: str) -> set[str]:
    settings = Settings(select=["FPI402"], rule_options={"route-added-after-include": {"fastapi-version": version}})
    lines = APP_SOURCE.splitlines()
    found = set()
    for diagnostic in check_source(APP_SOURCE, "app.py", settings).diagnostics:
        text = lines[diagnostic.location.row - 1]
        found.add(text)
    return found


@pytest.mark.parametrize("version", _interpreters())
def test_late_routes_are_lost_exactly_where_fpi402_says(version: str, tmp_path: Path) -> None:
    run = _probe(version, tmp_path)
    assert version == "installed" or run["version"].startswith(version + ".")
    reported = _reported_paths(run["version"])
    answers = run["answers"]
    if parse_version(run["version"]) < (0, 137):
        # Reported: the late route and the late include (with the route it brings).
        assert reported == {'@items.get("/{item_id:int}/late")', "admin.include_router(audit)", '@audit.get("/log")'}
        assert answers["/items/5/late"] == 404 and "/items/{item_id}/late" not in run["openapi"]
        assert answers["/admin/audit/log"] == 404 and "/admin/audit/log" not in run["openapi"]
    else:
        assert reported == set()
        assert answers["/items/5/late"] == "late" and answers["/admin/audit/log"] == "audit_log"
    # What does not depend on the version: routes registered before their include.
    assert answers["/health"] == "health"
    assert answers["/items/1"] == "by_slug"  # the application's route, registered first


@pytest.mark.parametrize("version", _interpreters())
def test_fpi400_order_and_routes_table_agree_with_every_version(version: str, tmp_path: Path) -> None:
    """The routes table (FPI400's model) against the real application: registration order
    (OpenAPI's), and which handler answers the paths FPI400 calls shadowed. Routes added
    after their include are left out of the comparison on FastAPI < 0.137, where they do not
    exist (FPI402 reports them; the table shows FastAPI 0.137+'s view)."""
    run = _probe(version, tmp_path)
    project_root = tmp_path / "project"
    project_root.mkdir()
    (project_root / "pyproject.toml").write_text('[project]\nname = "probe"\nversion = "0"\n')
    (project_root / "probe_app.py").write_text(APP_SOURCE)
    project, _ = load_project(project_root, SettingsResolver(cwd=project_root).for_path, use_cache=False)
    [table] = route_tables(project)
    rows = [r for r in table["routes"] if not r["builtin"]]
    lost = {"/items/{item_id:int}/late", "/admin/audit/log"} if parse_version(run["version"]) < (0, 137) else set()
    # OpenAPI writes `{item_id:int}` as `{item_id}`.
    ours = [r["path"].replace(":int}", "}") for r in rows if r["path"] not in lost]
    assert ours == run["openapi"]
    shadowed = {r["path"]: r["shadowed_by"][0]["handler"].rsplit(".", 1)[-1] for r in rows if r["shadowed_by"]}
    # The application's `/items/{slug}` is registered before the include in both versions.
    assert shadowed == {"/items/{item_id:int}": "by_slug", "/items/featured": "by_slug"}
    assert run["answers"]["/items/1"] == run["answers"]["/items/featured"] == "by_slug"


def test_the_installed_version_is_read_without_importing_fastapi(tmp_path: Path) -> None:
    code = (
        "import sys; from fastapi_lint.rules._fastapi_version import fastapi_version;"
        f"v, s = fastapi_version('auto', {str(tmp_path / 'x.py')!r}, None);"
        "print(v, s, 'fastapi' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] != "None" and out[-1] == "False" and out[-2] == "installed"
    assert fastapi_version("auto", "x.py", None)[0] == parse_version(metadata.version("fastapi"))


@pytest.mark.parametrize(("files", "expected"), [
    ({"pyproject.toml": '[project]\nname = "a"\nversion = "0"\ndependencies = ["fastapi[standard]==0.115.2"]\n'},
     (0, 115, 2)),
    ({"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\nfastapi = "^0.110.1"\n'}, (0, 110, 10**6)),
    ({"requirements.txt": "uvicorn\nfastapi>=0.100,<0.137  # pinned below the router tree\n"}, (0, 136, 10**6)),
    ({"requirements-dev.txt": "fastapi-users==14.0\nfastapi>=0.100\n"}, None),
    ({"pyproject.toml": '[project]\nname = "a"\nversion = "0"\ndependencies = ["fastapi>=0.140"]\n'}, None),
])
def test_pinned_versions_when_fastapi_is_not_installed(tmp_path: Path, monkeypatch, files, expected) -> None:
    monkeypatch.setattr(_fastapi_version, "_installed", lambda: None)
    _fastapi_version._pinned.cache_clear()
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "app").mkdir()
    assert fastapi_version("auto", str(tmp_path / "app" / "main.py"), None)[0] == expected


def test_a_pinned_old_fastapi_turns_the_rule_on(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(_fastapi_version, "_installed", lambda: None)
    _fastapi_version._pinned.cache_clear()
    (tmp_path / "requirements.txt").write_text("fastapi==0.115.2\n")
    path = tmp_path / "main.py"
    result = check_source(APP_SOURCE, str(path), Settings(select=["FPI402"]))
    assert len(result.diagnostics) == 3
    assert "FastAPI 0.115.2 (the highest version `==0.115.2` in requirements.txt allows)" in result.diagnostics[0].message
    # With the installed FastAPI (0.137 or later here), nothing is lost: nothing is reported.
    monkeypatch.undo()
    if parse_version(metadata.version("fastapi")) >= (0, 137):
        assert check_source(APP_SOURCE, str(path), Settings(select=["FPI402"])).diagnostics == []
