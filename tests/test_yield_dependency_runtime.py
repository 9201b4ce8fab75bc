"""FPI601's claims, checked against a real FastAPI app.

A `yield` dependency that closes its session after the `yield` without `finally`: when
the endpoint raises (an `HTTPException` or any other exception) the close never runs;
after the fix, and with the near-misses the rule leaves alone, it runs on every request.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from fastapi_lint.checker import check_source
from fastapi_lint.fixes.engine import fix_source
from fastapi_lint.settings import Settings
from test_fix_runtime import load

SETTINGS = Settings(select=["FPI601"])

APP_SOURCE = '''
from fastapi import Depends, FastAPI, HTTPException

app = FastAPI()
closed = []


class SessionLocal:
    def __init__(self, name="db"):
        self.name = name

    def close(self):
        closed.append(self.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def get_db():
    db = SessionLocal()
    yield db
    db.close()


def get_db_with():
    with SessionLocal("with") as db:
        yield db


def get_db_rollback():
    db = SessionLocal("rollback")
    try:
        yield db
    except Exception:
        db.close()
        raise
    db.close()


@app.get("/ok")
def ok(db=Depends(get_db), a=Depends(get_db_with), b=Depends(get_db_rollback)):
    return {}


@app.get("/missing")
def missing(db=Depends(get_db), a=Depends(get_db_with), b=Depends(get_db_rollback)):
    raise HTTPException(status_code=404, detail="Item not found")


@app.get("/crash")
def crash(db=Depends(get_db), a=Depends(get_db_with), b=Depends(get_db_rollback)):
    raise ValueError("boom")
'''


def closed_after(client: TestClient, module, path: str) -> tuple[int, list[str]]:
    module.closed.clear()
    status = client.get(path).status_code
    return status, sorted(module.closed)


def test_cleanup_after_an_unprotected_yield_is_skipped_when_the_endpoint_raises(tmp_path: Path) -> None:
    [diagnostic] = check_source(APP_SOURCE, "app.py", SETTINGS).diagnostics
    assert "`get_db`" in diagnostic.message and "`db.close()` never runs" in diagnostic.message
    module = load(tmp_path, APP_SOURCE)
    client = TestClient(module.app, raise_server_exceptions=False)
    assert closed_after(client, module, "/ok") == (200, ["db", "rollback", "with"])
    # The near-misses (`with`, `except` + re-raise) close; the reported one does not.
    assert closed_after(client, module, "/missing") == (404, ["rollback", "with"])
    assert closed_after(client, module, "/crash") == (500, ["rollback", "with"])


def test_fixed_dependency_closes_on_every_request(tmp_path: Path) -> None:
    outcome = fix_source(APP_SOURCE, "app.py", SETTINGS, unsafe=True)
    assert outcome.error is None and outcome.fixed == {"FPI601": 1}
    assert "    try:\n        yield db\n    finally:\n        db.close()\n" in outcome.text
    assert check_source(outcome.text, "app.py", SETTINGS).diagnostics == []
    module = load(tmp_path, outcome.text)
    client = TestClient(module.app, raise_server_exceptions=False)
    assert closed_after(client, module, "/ok") == (200, ["db", "rollback", "with"])
    assert closed_after(client, module, "/missing") == (404, ["db", "rollback", "with"])
    assert closed_after(client, module, "/crash") == (500, ["db", "rollback", "with"])
