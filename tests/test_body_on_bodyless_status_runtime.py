"""FPI302's claims, checked against a real FastAPI app.

A response model on a bodyless status code stops the route's registration (the app does
not start); a returned body is dropped and the client gets an empty response. The
near-misses the rule leaves alone register and answer as written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings
from test_fix_runtime import load

SETTINGS = Settings(select=["FPI302"])

HEADER = '''
from fastapi import FastAPI, Response, status
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str
'''

BODY_APP = HEADER + '''

@app.delete("/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_item(item_id: str):
    return {"deleted": item_id}


@app.get("/cached", status_code=304)
def cached():
    return Item(name="cached")


@app.delete("/quiet/{item_id}", status_code=204)
def delete_quiet(item_id: str) -> None:
    return None


@app.delete("/response/{item_id}", status_code=204)
def delete_response(item_id: str) -> Response:
    return Response(status_code=204)


@app.delete("/overwritten/{item_id}", status_code=204, response_model=None)
def delete_overwritten(item_id: str, response: Response):
    response.status_code = 400
    return {"msg": "Status overwritten"}
'''


def test_returned_bodies_are_reported_and_dropped(tmp_path: Path) -> None:
    reported = check_source(BODY_APP, "app.py", SETTINGS).diagnostics
    lines = BODY_APP.splitlines()
    assert [lines[d.location.row - 1].strip() for d in reported] == [
        'return {"deleted": item_id}',
        'return Item(name="cached")',
    ]
    client = TestClient(load(tmp_path, BODY_APP).app)
    for method, path, code in [("DELETE", "/items/foo", 204), ("GET", "/cached", 304)]:
        response = client.request(method, path)
        assert (response.status_code, response.content) == (code, b"")
        assert "content-length" not in response.headers
    for path in ["/quiet/foo", "/response/foo"]:
        assert client.delete(path).status_code == 204
    # The handler's own status code is sent, with the body: rightly not reported.
    response = client.delete("/overwritten/foo")
    assert (response.status_code, response.json()) == (400, {"msg": "Status overwritten"})


@pytest.mark.parametrize(
    "route",
    [
        '@app.delete("/items/{item_id}", status_code=204, response_model=Item)\ndef delete_item(item_id: str):',
        '@app.put("/items/{item_id}", status_code=204)\ndef replace_item(item_id: str) -> Item:',
        '@app.post("/reset", status_code=205)\ndef reset() -> list[str]:',
        '@app.get("/cached", status_code=status.HTTP_304_NOT_MODIFIED)\ndef cached() -> dict:',
    ],
)
def test_a_response_model_stops_the_app_from_starting(tmp_path: Path, route: str) -> None:
    source = HEADER + "\n\n" + route + "\n    return Item(name='x')\n"
    [diagnostic] = check_source(source, "app.py", SETTINGS).diagnostics
    assert "does not start" in diagnostic.message
    with pytest.raises(AssertionError, match="must not have a response body"):
        load(tmp_path, source)


def test_response_model_none_registers(tmp_path: Path) -> None:
    source = HEADER + '''

@app.delete("/items/{item_id}", status_code=204, response_model=None)
def delete_item(item_id: str) -> Response:
    return Response(status_code=204)
'''
    assert check_source(source, "app.py", SETTINGS).diagnostics == []
    assert TestClient(load(tmp_path, source).app).delete("/items/x").status_code == 204
