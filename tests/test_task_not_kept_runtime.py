"""FPI130's claim, checked in a real FastAPI app: the loop does not keep a task alive.

A route starts a task that waits on a future only the task refers to. Thrown away, the
task is destroyed by the next garbage collection while still pending (its `finally`
runs, its work never finishes); kept in a set, it survives. The very same source is
linted: only the discarded task is reported. (Whether a discarded task in real code is
collected depends on what it waits on; the rule rests on the weak references this shows
and Python's documentation states.)
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings
from test_fix_runtime import load

APP_SOURCE = '''
import asyncio
import gc
import weakref

from fastapi import FastAPI

app = FastAPI()
events = []
tasks = []
running = set()


async def sync_to_crm(order_id, signal):
    try:
        await signal
        events.append(("finished", order_id))
    finally:
        events.append(("closed", order_id))


@app.post("/orders/{order_id}/fire")
async def fire_and_forget(order_id: int):
    signal = asyncio.get_running_loop().create_future()
    before = asyncio.all_tasks()
    asyncio.create_task(sync_to_crm(order_id, signal))
    (started,) = asyncio.all_tasks() - before
    tasks.append(weakref.ref(started))
    del started
    return {"id": order_id}


@app.post("/orders/{order_id}/keep")
async def keep(order_id: int):
    signal = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(sync_to_crm(order_id, signal))
    running.add(task)
    task.add_done_callback(running.discard)
    tasks.append(weakref.ref(task))
    return {"id": order_id}


@app.post("/collect")
async def collect():
    await asyncio.sleep(0)
    gc.collect()
    return {"alive": [ref() is not None for ref in tasks]}
'''


def test_a_discarded_task_is_collected_while_pending_and_is_flagged(tmp_path: Path) -> None:
    module = load(tmp_path, APP_SOURCE)
    with TestClient(module.app) as client:  # one event loop for every request
        assert client.post("/orders/1/fire").status_code == 200
        assert client.post("/orders/2/keep").status_code == 200
        alive = client.post("/collect").json()["alive"]
        events = list(module.events)
    assert alive == [False, True]
    # The discarded task was closed mid-flight: its work never finished; the kept one waits on.
    assert events == [("closed", 1)]

    result = check_source(APP_SOURCE, "app.py", Settings(select=["FPI130"]))
    assert result.error is None
    flagged = [APP_SOURCE.splitlines()[d.location.row - 1].strip() for d in result.diagnostics]
    assert flagged == ["asyncio.create_task(sync_to_crm(order_id, signal))"]
