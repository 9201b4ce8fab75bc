"""FPI304's claim, run: with the declarations moved into `Annotated[...]` (the fix, applied by
the fix engine), FastAPI builds the same OpenAPI document and answers every request the same
way: dependencies and sub-dependencies, a `Query` with a default (moved out of the call), a
required `Query(...)`, `Path`, `Header`, `Body(embed=True)`, `Security` scopes, and the
validation errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from fastapi_lint.checker import check_source
from fastapi_lint.fixes.engine import fix_source
from fastapi_lint.settings import Settings
from test_fix_runtime import load

SETTINGS = Settings(select=["FPI304"])
SOURCE = '''\
{future}import fastapi as f
from fastapi import Body, Depends, FastAPI, Header, Path, Query, Security
from fastapi.security import SecurityScopes

app = FastAPI()


def get_db():
    return {{"items": ["a", "b", "c", "d"]}}


def get_user(scopes: SecurityScopes, db: dict = Depends(get_db), x_user: str = Header("guest")):
    return {{"name": x_user, "scopes": scopes.scopes, "items": len(db["items"])}}


@app.get("/items/")
def read_items(
    db: dict = Depends(get_db),
    q: str = Query(..., min_length=1),
    limit: int = Query(2, le=3),
    skip: int = Query(default=0, ge=0, alias="from"),
):
    return {{"q": q, "items": db["items"][skip:skip + limit]}}


@app.get("/items/{{item_id}}")
def read_item(
    item_id: int = Path(..., ge=1),
    user: dict = Security(get_user, scopes=["items:read"]),
    *,
    verbose: bool = f.Query(False),
):
    return {{"item_id": item_id, "user": user, "verbose": verbose}}


@app.post("/items/")
def create_item(name: str = Body(embed=True), db: dict = Depends(get_db)):
    return {{"name": name, "count": len(db["items"])}}
'''

REQUESTS = [
    ("get", "/items/?q=x", {}),
    ("get", "/items/?q=x&limit=3&from=1", {}),
    ("get", "/items/", {}),  # `q` is required: 422
    ("get", "/items/?q=x&limit=9", {}),  # `le=3`: 422
    ("get", "/items/?q=", {}),  # `min_length=1`: 422
    ("get", "/items/5", {}),
    ("get", "/items/5?verbose=true", {"headers": {"x-user": "ada"}}),
    ("get", "/items/0", {}),  # `ge=1`: 422
    ("post", "/items/", {"json": {"name": "pen"}}),
    ("post", "/items/", {"json": "pen"}),  # embedded body: 422
]


@pytest.mark.parametrize("future", ["", "from __future__ import annotations\n"], ids=["evaluated", "postponed"])
def test_annotated_declarations_serve_the_same_api(tmp_path, future: str) -> None:
    source = SOURCE.format(future=future)
    diagnostics = check_source(source, "app.py", SETTINGS).diagnostics
    assert [d.code for d in diagnostics] == ["FPI304"] * 11
    assert all(d.fix is not None for d in diagnostics)
    # Unsafe (direct callers see new defaults): nothing is applied without unsafe fixes.
    assert fix_source(source, "app.py", SETTINGS, unsafe=False).fixed == {}
    outcome = fix_source(source, "app.py", SETTINGS, unsafe=True)
    assert outcome.error is None and outcome.fixed == {"FPI304": 11}
    assert "from typing import Annotated" in outcome.text
    assert "limit: Annotated[int, Query(le=3)] = 2" in outcome.text
    assert "q: Annotated[str, Query(min_length=1)]," in outcome.text
    assert check_source(outcome.text, "app.py", SETTINGS).diagnostics == []
    before, after = (TestClient(load(tmp_path, text).app) for text in (source, outcome.text))
    assert after.get("/openapi.json").json() == before.get("/openapi.json").json()
    for method, url, kwargs in REQUESTS:
        old, new = getattr(before, method)(url, **kwargs), getattr(after, method)(url, **kwargs)
        assert (new.status_code, new.json()) == (old.status_code, old.json()), url
    assert before.get("/items/?q=x").json() == {"q": "x", "items": ["a", "b"]}
    assert before.get("/items/").status_code == 422


def test_direct_calls_get_real_defaults_after_the_fix(tmp_path) -> None:
    """Why the fix is unsafe: called directly, the original gets FastAPI's marker object."""
    source = SOURCE.format(future="")
    original = load(tmp_path, source)
    fixed = load(tmp_path, fix_source(source, "app.py", SETTINGS, unsafe=True).text)
    with pytest.raises(TypeError):
        original.read_items(q="x")  # `db` is a `Depends` object, `limit` a `Query` object
    assert fixed.read_items(q="x", db={"items": [1, 2, 3]}) == {"q": "x", "items": [1, 2]}
    with pytest.raises(TypeError):
        fixed.read_items(q="x")  # `db` is required now
