"""Runtime oracle for FPI102's `with subprocess.Popen(...)`: leaving the block waits.

`Popen.__exit__` closes the pipes and calls `self.wait()`, so a `with Popen(...)` block in
an `async def` holds the event loop until the child exits, even when the block itself
never waits. Each variant is a real FastAPI app (served in-process by the helpers of
`test_blocking_runtime.py`): while `/work` runs a child that sleeps `CHILD_SECONDS`, an
unrelated `/ping` is due; the test compares the order of events, and the very same file
is linted with FPI102 and FPI107 (one process, one diagnostic, at most).
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest

from test_blocking_runtime import PING_DUE, import_app, ping_waited_for_work, serve_work_and_ping
from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings

CHILD_SECONDS = 0.5  # how long the child process sleeps
_module_ids = itertools.count()

APP_TEMPLATE = '''\
import asyncio
import subprocess
import subprocess as sp
import sys
import time
from subprocess import Popen

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool

app = FastAPI()
router = APIRouter()
TIMELINE = {{}}
CHILD = [sys.executable, "-c", "import time; time.sleep({child_seconds})"]


def run_child():
    with Popen(CHILD):
        pass


@{owner}.get("/work")
{work_def}:
    TIMELINE["work_start"] = time.perf_counter()
    {work_body}
    TIMELINE["work_end"] = time.perf_counter()
    return {{"done": True}}


@app.get("/ping")
async def ping():
    return {{"pong": True}}


app.include_router(router)
'''

# variant: (route owner, def line, body, stalls, {line text: code} expected from FPI102+FPI107)
VARIANTS = {
    "with subprocess.Popen, app route": (
        "app", "async def work()", "with subprocess.Popen(CHILD) as child:\n        pass", True,
        {"with subprocess.Popen(CHILD) as child:": "FPI102"},
    ),
    "with Popen (from-import), router route": (
        "router", "async def work()", "with Popen(CHILD):\n        pass", True,
        {"with Popen(CHILD):": "FPI102"},
    ),
    "with sp.Popen, then child.wait()": (
        "router", "async def work()", "with sp.Popen(CHILD) as child:\n        child.wait()", True,
        {"child.wait()": "FPI102"},
    ),
    "with Popen in plain def": (
        "app", "def work()", "with Popen(CHILD):\n        pass", False, {},
    ),
    "with Popen in a function run by asyncio.to_thread": (
        "app", "async def work()", "await asyncio.to_thread(run_child)", False, {},
    ),
    "with Popen in a function run by run_in_threadpool": (
        "router", "async def work()", "await run_in_threadpool(run_child)", False, {},
    ),
    "with Popen, wait in a thread": (
        "app", "async def work()",
        "with Popen(CHILD) as child:\n        await asyncio.to_thread(child.wait)", False,
        {"with Popen(CHILD) as child:": "FPI107"},
    ),
    "Popen without with, polled": (
        "app", "async def work()",
        "child = Popen(CHILD)\n    while child.poll() is None:\n        await asyncio.sleep(0.02)", False,
        {"child = Popen(CHILD)": "FPI107"},
    ),
    "asyncio.create_subprocess_exec": (
        "router", "async def work()",
        "child = await asyncio.create_subprocess_exec(*CHILD)\n    await child.wait()", False, {},
    ),
}


def write_app(tmp_path: Path, owner: str, work_def: str, work_body: str) -> Path:
    path = tmp_path / f"popen_app_{next(_module_ids)}.py"
    path.write_text(
        APP_TEMPLATE.format(owner=owner, work_def=work_def, work_body=work_body, child_seconds=CHILD_SECONDS)
    )
    return path


def line_in_work(path: Path, text: str) -> int:
    """The row of `text` in `/work`'s handler (`run_child` above it has a `with Popen` too)."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if '.get("/work")' in line)
    return next(i for i, line in enumerate(lines[start:], start + 1) if text in line)


def lint(path: Path) -> list[tuple[int, str]]:
    result = check_source(path.read_text(), str(path), Settings(select=["FPI102", "FPI107"]))
    assert result.error is None
    return sorted((d.location.row, d.code) for d in result.diagnostics)


@pytest.mark.parametrize("variant", VARIANTS, ids=list(VARIANTS))
def test_with_popen_in_async_def_stalls_other_requests_and_is_flagged(tmp_path, variant) -> None:
    owner, work_def, work_body, stalls, expected = VARIANTS[variant]
    path = write_app(tmp_path, owner, work_def, work_body)
    timeline = asyncio.run(serve_work_and_ping(import_app(path)))
    assert ping_waited_for_work(timeline) is stalls, timeline
    # Every variant ran the child to its end inside `/work`.
    assert timeline["work_end"] - timeline["work_start"] >= CHILD_SECONDS
    if stalls:
        # The unrelated request waited for the rest of the child's run, even where the
        # block's body is `pass`: the wait is `Popen.__exit__`'s.
        assert timeline["ping_answered"] - timeline["ping_due"] >= CHILD_SECONDS - PING_DUE - 0.05
    else:
        # Answered while the child still ran (generous: the child runs 0.5 s).
        assert timeline["ping_answered"] < timeline["work_end"]
    assert lint(path) == sorted((line_in_work(path, text), code) for text, code in expected.items())
