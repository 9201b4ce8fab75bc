"""Runtime proof for the fix of FPI110 (`blocking-call-via-helper`), on real apps.

As in `test_fix_runtime.py`: the app is fixed by the fix engine (unsafe fixes on, FPI110
selected), imported next to the original, and both get the same requests. The fixed
route answers the same body, and a helper that blocks for BLOCK_SECONDS no longer keeps
a concurrent request waiting. The last tests check the facts that decide where no fix is
offered: a sqlite3 connection made on the loop's thread cannot be used by the helper
once it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fastapi_lint.checker import check_source
from fastapi_lint.fixes.engine import fix_source
from fastapi_lint.settings import Settings
from test_blocking_runtime import BLOCK_SECONDS, ping_waited_for_work, serve_work_and_ping
from test_fix_runtime import load

HELPER_APP = f'''\
import time

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

app = FastAPI()
TIMELINE = {{}}


def build_report(user: str, *, currency: str = "EUR") -> dict:
    time.sleep({BLOCK_SECONDS})  # the reporting backend is slow
    return {{"user": user, "currency": currency, "total": 42}}


@app.get("/work")
async def work(user: str = "ada"):
    TIMELINE["work_start"] = time.perf_counter()
    report = build_report(user, currency="CHF")
    TIMELINE["work_end"] = time.perf_counter()
    return report


@app.get("/ping")
async def ping():
    return {{"pong": True}}
'''


def fixed(source: str, expected_fixes: int, offload_with: str = "auto") -> str:
    settings = Settings(select=["FPI110"], rule_options={"blocking-call-via-helper": {"offload-with": offload_with}})
    outcome = fix_source(source, "app.py", settings, unsafe=True)
    assert outcome.error is None, outcome.error
    assert outcome.fixed.get("FPI110", 0) == expected_fixes, outcome.fixed
    return outcome.text


@pytest.mark.parametrize(
    ("offload_with", "expected_line"),
    [
        ("asyncio.to_thread", '    report = await asyncio.to_thread(build_report, user, currency="CHF")\n'),
        ("run_in_threadpool", '    report = await run_in_threadpool(build_report, user, currency="CHF")\n'),
    ],
)
def test_fpi110_fix_same_body_and_the_helper_no_longer_stalls_other_requests(
    tmp_path, offload_with, expected_line
) -> None:
    text = fixed(HELPER_APP, 1, offload_with)
    assert expected_line in text
    original, fixed_app = load(tmp_path, HELPER_APP), load(tmp_path, text)
    for module in (original, fixed_app):
        with TestClient(module.app) as client:
            response = client.get("/work", params={"user": "grace"})
        assert response.status_code == 200
        assert response.json() == {"user": "grace", "currency": "CHF", "total": 42}
    before = asyncio.run(serve_work_and_ping(original))
    after = asyncio.run(serve_work_and_ping(fixed_app))
    assert ping_waited_for_work(before)
    assert not ping_waited_for_work(after)
    assert after["work_end"] - after["work_start"] >= BLOCK_SECONDS - 0.01  # the helper still ran


def test_fpi110_fixed_app_is_not_reported_again() -> None:
    text = fixed(HELPER_APP, 1)
    assert check_source(text, "app.py", Settings(select=["FPI110"])).diagnostics == []


SQLITE_APP = '''\
import sqlite3
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()


def count_orders(db: sqlite3.Connection) -> int:
    return db.execute("SELECT count(*) FROM orders").fetchone()[0]


@app.get("/count")
async def order_count():
    db = sqlite3.connect(":memory:"CONNECT_ARGUMENTS)
    db.execute("CREATE TABLE orders (id INTEGER)")
    db.execute("INSERT INTO orders VALUES (1), (2)")
    return {"count": count_orders(db)}
'''


def test_fpi110_no_fix_when_the_helper_gets_a_connection_of_the_loops_thread(tmp_path) -> None:
    source = SQLITE_APP.replace("CONNECT_ARGUMENTS", "")
    result = check_source(source, "app.py", Settings(select=["FPI110"]))
    assert [d.code for d in result.diagnostics] == ["FPI110"]  # reported ...
    assert fixed(source, 0) == source  # ... but not fixed
    # What the fix would have written fails at runtime: the helper now runs in a worker
    # thread, and the connection belongs to the loop's thread.
    broken = source.replace("count_orders(db)", "await asyncio.to_thread(count_orders, db)")
    module = load(tmp_path, "import asyncio\n" + broken)
    with TestClient(module.app) as client, pytest.raises(sqlite3.ProgrammingError, match="same thread"):
        client.get("/count")
    with TestClient(load(tmp_path, source).app) as client:
        assert client.get("/count").json() == {"count": 2}


def test_fpi110_fix_offered_for_a_connection_made_for_any_thread(tmp_path) -> None:
    source = SQLITE_APP.replace("CONNECT_ARGUMENTS", ", check_same_thread=False")
    text = fixed(source, 1)
    assert '    return {"count": await asyncio.to_thread(count_orders, db)}\n' in text
    for module in (load(tmp_path, source), load(tmp_path, text)):
        with TestClient(module.app) as client:
            assert client.get("/count").json() == {"count": 2}


def test_fpi120_leaves_a_helper_chain_to_fpi110() -> None:
    # One blocking call, one diagnostic: the helper chain is FPI110's (with its fix);
    # FPI120 reports it, with its own fix, only when FPI110 does not run.
    both = check_source(HELPER_APP, "app.py", Settings(select=["FPI110", "FPI120"]))
    assert {d.code: d.fix is not None for d in both.diagnostics} == {"FPI110": True}
    alone = check_source(HELPER_APP, "app.py", Settings(select=["FPI120"]))
    assert {d.code: d.fix is not None for d in alone.diagnostics} == {"FPI120": True}


@pytest.mark.parametrize("name", ["fix_offload.fixed.py", "helpers.fixed.py"])
def test_fpi110_snapshots_compile(name: str) -> None:
    # `ast.parse` accepts an `await` in a lambda or a plain `def`; the compiler does not.
    path = Path(__file__).parent / "fixtures" / "FPI110" / name
    compile(path.read_text(encoding="utf-8"), str(path), "exec")
