"""FPI600's claims, checked against a real FastAPI app.

Each source calls a dependency inside `Depends()`: the linter reports it, importing the app
fails as the docs say (or, for a function that returns `None`, every request answers 422),
and the fixed source imports and serves the dependency's value per request.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fastapi_lint.checker import check_source
from fastapi_lint.fixes.engine import fix_source
from fastapi_lint.settings import Settings
from test_fix_runtime import load

SETTINGS = Settings(select=["FPI600"])

HEADER = '''
from typing import Annotated
from fastapi import Depends, FastAPI, Header, Security

app = FastAPI()
opened = []


def get_db():
    opened.append("db")
    yield {"session": len(opened)}


async def get_async_db():
    yield {"session": "async"}


async def get_settings():
    return {"debug": False}
'''

BROKEN = {
    "generator": 'def read(db=Depends(get_db())):\n    return db',
    "async generator": 'def read(db=Depends(get_async_db())):\n    return db',
    "coroutine": 'async def read(db=Depends(get_settings())):\n    return db',
    "security": 'def read(db=Security(get_db())):\n    return db',
    "annotated": 'def read(db: Annotated[dict, Depends(get_db())]):\n    return db',
}


@pytest.mark.parametrize("route", BROKEN.values(), ids=BROKEN.keys())
def test_called_dependency_stops_the_app_from_importing_and_the_fix_serves_it(tmp_path: Path, route: str) -> None:
    source = HEADER + '\n\n@app.get("/read")\n' + route + "\n"
    [diagnostic] = check_source(source, "app.py", SETTINGS).diagnostics
    assert "not callable" in diagnostic.message
    with pytest.raises(TypeError, match="is not a callable object"):
        load(tmp_path, source)

    outcome = fix_source(source, "app.py", SETTINGS, unsafe=False)
    assert outcome.error is None and outcome.fixed == {"FPI600": 1}
    assert check_source(outcome.text, "app.py", SETTINGS).diagnostics == []
    module = load(tmp_path, outcome.text)
    client = TestClient(module.app)
    first, second = client.get("/read"), client.get("/read")
    assert first.status_code == 200 and second.status_code == 200
    if "get_db" in route:  # run per request, not once at import
        assert (first.json(), second.json()) == ({"session": 1}, {"session": 2})


NONE_RETURNING = '''
from fastapi import Depends, FastAPI, Header

app = FastAPI()
checked = []


def verify_key(x_key: str = Header()):
    checked.append(x_key)


@app.get("/keyed")
def keyed(verified=Depends(verify_key())):
    return {"ok": True}
'''


def test_a_called_dependency_returning_none_makes_every_request_422(tmp_path: Path) -> None:
    [diagnostic] = check_source(NONE_RETURNING, "app.py", SETTINGS).diagnostics
    assert diagnostic.fix is not None and diagnostic.fix.applicability == "unsafe"
    module = load(tmp_path, NONE_RETURNING)
    # Called once at import, with the `Header()` marker as the value of `x_key`.
    assert [type(value).__name__ for value in module.checked] == ["Header"]
    response = TestClient(module.app).get("/keyed", headers={"x-key": "k"})
    assert response.status_code == 422
    assert {error["loc"][-1] for error in response.json()["detail"]} == {"args", "kwargs"}

    fixed = fix_source(NONE_RETURNING, "app.py", SETTINGS, unsafe=True)
    assert fixed.fixed == {"FPI600": 1}
    module = load(tmp_path, fixed.text)
    assert TestClient(module.app).get("/keyed", headers={"x-key": "k"}).status_code == 200
    assert module.checked == ["k"]


FACTORIES = '''
from fastapi import Depends, FastAPI, Request

app = FastAPI()


class RateLimiter:
    def __init__(self, times: int) -> None:
        self.times = times

    async def __call__(self, request: Request) -> int:
        return self.times


def require_role(role: str):
    def checker() -> str:
        return role

    return checker


@app.get("/admin")
def admin(role=Depends(require_role("admin")), limit=Depends(RateLimiter(times=2))):
    return {"role": role, "limit": limit}
'''


def test_dependency_factories_are_not_reported_and_work(tmp_path: Path) -> None:
    assert check_source(FACTORIES, "app.py", SETTINGS).diagnostics == []
    module = load(tmp_path, FACTORIES)
    assert TestClient(module.app).get("/admin").json() == {"role": "admin", "limit": 2}
