"""FPI305's claims, checked against a real FastAPI app.

A function with FastAPI defaults, called directly without them, receives the marker objects
(`fastapi.params.Depends`, `Query`, ...) the linter names; FastAPI calling the same function
through a route injects real values; the calls the linter leaves alone get values too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import params
from fastapi.testclient import TestClient

from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings
from test_fix_runtime import load

SETTINGS = Settings(select=["FPI305"])

APP = '''
from typing import Annotated

import fastapi as f
from fastapi import Body, Cookie, Depends, FastAPI, File, Form, Header, Path, Query, Security
from fastapi import Depends as D
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)


def get_db():
    return {"alice": {"name": "Alice"}}


def get_current_user(token: str = Depends(oauth2_scheme), db: dict = D(get_db)):
    return {"token": token, "db": db}


def everything(
    q: int = f.Query(10), h: str = Header(None), c: str = Cookie(None), b: str = Body(None),
    p: int = Path(), fo: str = Form(None), fi: bytes = File(None), s: dict = Security(get_db),
):
    return {"q": q, "h": h, "c": c, "b": b, "p": p, "fo": fo, "fi": fi, "s": s}


def annotated_user(token: Annotated[str, Depends(oauth2_scheme)], limit: Annotated[int, Query()] = 10):
    return {"token": token, "limit": limit}


@app.get("/me")
def read_me(user: dict = Depends(get_current_user)):
    return {"token": user["token"], "db": sorted(user["db"])}


def direct_user(token):
    return get_current_user(token)


def direct_everything():
    return everything(p=1)


def passed_user(token):
    return get_current_user(token, get_db())


def annotated_direct(token):
    return annotated_user(token)
'''


def _messages(source: str) -> dict[int, str]:
    return {d.location.row: d.message for d in check_source(source, "app.py", SETTINGS).diagnostics}


def test_direct_call_gets_the_marker_objects_the_message_names(tmp_path: Path) -> None:
    messages = _messages(APP)
    lines = APP.splitlines()
    by_call = {lines[row - 1].strip(): message for row, message in messages.items()}
    assert set(by_call) == {"return get_current_user(token)", "return everything(p=1)"}
    assert "without `db`" in by_call["return get_current_user(token)"]
    assert "`fastapi.params.Depends`" in by_call["return get_current_user(token)"]

    module = load(tmp_path, APP)
    user = module.direct_user("t")
    assert user["token"] == "t"
    # What the linter says: the omitted parameter holds the marker itself.
    assert isinstance(user["db"], params.Depends) and user["db"].dependency is module.get_db
    values = module.direct_everything()
    kinds = {
        "q": params.Query, "h": params.Header, "c": params.Cookie, "b": params.Body,
        "fo": params.Form, "fi": params.File, "s": params.Security,
    }
    for name, kind in kinds.items():
        assert type(values[name]) is kind, name
        assert f"`{name}` gets" in by_call["return everything(p=1)"]
        assert f"`fastapi.params.{kind.__name__}`" in by_call["return everything(p=1)"]
    assert values["q"].default == 10  # `Query(10)` is not 10
    with pytest.raises(TypeError):
        values["s"]["alice"]  # a `Security` object is not the dict `get_db` returns


def test_fastapi_injects_when_it_calls_the_function(tmp_path: Path) -> None:
    module = load(tmp_path, APP)
    response = TestClient(module.app).get("/me", headers={"Authorization": "Bearer abc"})
    assert response.status_code == 200
    assert response.json() == {"token": "abc", "db": ["alice"]}


def test_calls_that_are_not_reported_get_values_or_fail_loudly(tmp_path: Path) -> None:
    module = load(tmp_path, APP)
    assert module.passed_user("t")["db"] == {"alice": {"name": "Alice"}}
    # `Annotated` without a default: leaving the parameter out would be a TypeError; passed,
    # the other `Annotated` parameter has its real default.
    assert module.annotated_direct("t") == {"token": "t", "limit": 10}
    with pytest.raises(TypeError, match="token"):
        module.annotated_user()
