"""FPI303's claim, run: without the repeated `response_model=`, FastAPI takes the same model
from the return annotation (the same OpenAPI document, the same filtered response)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from fastapi_lint.checker import check_source
from fastapi_lint.fixes.engine import fix_source
from fastapi_lint.settings import Settings
from test_fix_runtime import load

SETTINGS = Settings(select=["FPI303"])
SOURCE = '''\
{future}from typing import Optional

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str


@app.get("/items/{{item_id}}", response_model=Item)
def read_item(item_id: int) -> Item:
    # A dict with an extra key: the response model filters it out.
    return {{"name": "Portal Gun", "secret": "42"}}


@app.get(
    "/maybe",
    response_model=Optional[Item],
)
def maybe_item() -> Optional[Item]:
    return None
'''


@pytest.mark.parametrize("future", ["", "from __future__ import annotations\n"], ids=["evaluated", "postponed"])
def test_without_response_model_fastapi_serves_the_same_model(tmp_path, future: str) -> None:
    source = SOURCE.format(future=future)
    assert [d.code for d in check_source(source, "app.py", SETTINGS).diagnostics] == ["FPI303", "FPI303"]
    outcome = fix_source(source, "app.py", SETTINGS, unsafe=bool(future))
    assert outcome.error is None and outcome.fixed == {"FPI303": 2}
    assert "response_model" not in outcome.text
    if future:  # postponed annotations: the fix is unsafe, so not applied without --unsafe-fixes
        assert fix_source(source, "app.py", SETTINGS, unsafe=False).fixed == {}
    before, after = (TestClient(load(tmp_path, text).app) for text in (source, outcome.text))
    assert after.get("/openapi.json").json() == before.get("/openapi.json").json()
    for client in (before, after):
        assert client.get("/items/1").json() == {"name": "Portal Gun"}
        assert client.get("/maybe").json() is None
