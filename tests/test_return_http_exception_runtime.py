"""FPI301's claims, checked against a real FastAPI app.

One source is linted and run: a returned `HTTPException` answers 200 with the exception
serialised (500 with a response model), a dependency that returns one lets the route run;
after the fix the same requests get the exception's status code and detail.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi.testclient import TestClient

from fastapi_lint.checker import check_source
from fastapi_lint.fixes.engine import fix_source
from fastapi_lint.settings import Settings
from test_fix_runtime import load

APP_SOURCE = '''
from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

app = FastAPI()
items = {"foo": "The Foo Wrestlers"}
seen_tokens = []


class Item(BaseModel):
    name: str


@app.get("/items/{item_id}")
def read_item(item_id: str):
    if item_id not in items:
        return HTTPException(status_code=404, detail="Item not found")
    return {"item": items[item_id]}


@app.get("/starlette/{item_id}")
def read_starlette(item_id: str):
    if item_id not in items:
        return StarletteHTTPException(status_code=403, detail="Forbidden")
    return {"item": items[item_id]}


@app.get("/models/{item_id}", response_model=Item)
def read_model(item_id: str):
    if item_id not in items:
        return HTTPException(status_code=404, detail="Item not found")
    return Item(name=items[item_id])


def verify_token(x_token: str = Header()):
    if x_token != "secret":
        return HTTPException(status_code=401, detail="Bad token")
    return x_token


@app.get("/secure")
def secure(token=Depends(verify_token)):
    seen_tokens.append(type(token).__name__)
    return {"ok": True}
'''

SETTINGS = Settings(select=["FPI301"])


def client_for(tmp_path: Path, source: str) -> tuple[TestClient, object]:
    module = load(tmp_path, source)
    return TestClient(module.app, raise_server_exceptions=False), module


def test_rule_reports_each_returned_exception() -> None:
    result = check_source(APP_SOURCE, "app.py", SETTINGS)
    rows = sorted(d.location.row for d in result.diagnostics)
    lines = APP_SOURCE.splitlines()
    assert [lines[row - 1].strip().split("(")[0] for row in rows] == [
        "return HTTPException",
        "return StarletteHTTPException",
        "return HTTPException",
        "return HTTPException",
    ]


def test_returned_exception_answers_200_with_the_exception_as_body(tmp_path: Path) -> None:
    client, module = client_for(tmp_path, APP_SOURCE)
    response = client.get("/items/bar")
    assert response.status_code == 200
    assert response.json() == {"status_code": 404, "detail": "Item not found", "headers": None}
    response = client.get("/starlette/bar")
    assert (response.status_code, response.json()["status_code"]) == (200, 403)
    # With a response model the exception fails response validation.
    assert client.get("/models/bar").status_code == 500
    # A dependency returning it does not stop the request.
    response = client.get("/secure", headers={"x-token": "wrong"})
    assert response.status_code == 200
    assert module.seen_tokens == ["HTTPException"]


def test_fixed_app_answers_the_exceptions_status(tmp_path: Path) -> None:
    outcome = fix_source(APP_SOURCE, "app.py", SETTINGS, unsafe=False)
    assert outcome.error is None and outcome.fixed == {"FPI301": 4}
    assert check_source(outcome.text, "app.py", SETTINGS).diagnostics == []
    client, module = client_for(tmp_path, outcome.text)
    response = client.get("/items/bar")
    assert (response.status_code, response.json()) == (404, {"detail": "Item not found"})
    assert (client.get("/starlette/bar").status_code, client.get("/models/bar").status_code) == (403, 404)
    response = client.get("/secure", headers={"x-token": "wrong"})
    assert (response.status_code, response.json()) == (401, {"detail": "Bad token"})
    assert module.seen_tokens == []
    assert client.get("/items/foo").json() == {"item": "The Foo Wrestlers"}


DEPS_MODULE = '''
from fastapi import Header, HTTPException


def verify_key(x_key: str = Header()):
    if x_key != "k":
        return HTTPException(status_code=401, detail="bad key")
    return x_key


def not_found(name: str) -> HTTPException:
    return HTTPException(status_code=404, detail=f"{name} not found")
'''

MAIN_MODULE = '''
from fastapi import Depends, FastAPI

from .deps import not_found, verify_key

app = FastAPI()


@app.get("/")
def root(key: str = Depends(verify_key)):
    if key == "missing":
        raise not_found(key)
    return {"key": key}
'''


def test_a_dependency_used_from_another_module_is_reported(tmp_path: Path) -> None:
    import json
    import subprocess

    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "deps.py").write_text(DEPS_MODULE)
    (package / "main.py").write_text(MAIN_MODULE)
    result = subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "check", "--select", "FPI301", "--no-cache",
         "--output-format", "json", "."],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode == 1, result.stderr
    found = [(Path(d["filename"]).name, d["location"]["row"]) for d in json.loads(result.stdout)]
    # `verify_key` is a dependency only because main.py says so; `not_found` is a helper
    # whose exception its caller raises: silent.
    assert found == [("deps.py", 7)]
    # On its own, deps.py shows no route or dependency.
    alone = check_source(DEPS_MODULE, "deps.py", SETTINGS)
    assert alone.diagnostics == []


def test_the_example_route_reported_answers_200(monkeypatch) -> None:
    root = Path(__file__).resolve().parent.parent
    monkeypatch.syspath_prepend(str(root / "examples"))
    from bookshop.routers import authors

    source = (root / "examples/bookshop/routers/authors.py").read_text()
    [reported] = [d for d in check_source(source, "authors.py", SETTINGS).diagnostics]
    assert "author_profile" in reported.message
    from fastapi import FastAPI

    app = FastAPI()
    app.include_router(authors.router)
    response = TestClient(app).get("/authors/99/profile")
    assert (response.status_code, response.json()["status_code"]) == (200, 404)
    for name in [m for m in sys.modules if m == "bookshop" or m.startswith("bookshop.")]:
        del sys.modules[name]
