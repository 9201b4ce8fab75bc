"""FPI106's claim, run: an `os.path` check holds the loop for as long as the filesystem takes.

On a local disk a stat takes microseconds (`scripts/measure_os_path.py`), far too little
for a test to see; the claim the rule makes is about slow storage (a network or FUSE
mount whose server is slow or gone), which a test cannot mount. So the filesystem's delay
is simulated: `os.stat` is replaced, for one path only, by a stat that waits
BLOCK_SECONDS first, as a stat on a slow mount does in the kernel. `os.path.exists` calls
`os.stat` synchronously on the thread that calls it: in an `async def` route that is the
event loop's, and an unrelated `/ping` waits; in a worker thread (the fix) or in a plain
`def` route it does not. The rule is linted on the very same file.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time

import pytest

from fastapi_lint.fixes.engine import fix_source
from fastapi_lint.settings import Settings
from test_blocking_runtime import (
    BLOCK_SECONDS, import_app, line_of, lint, ping_waited_for_work, serve_work_and_ping, write_app,
)

SLOW_PATH = "/mnt/slow-nfs/report.pdf"  # never touched: the patched stat answers for it
CHECK = "os.path.exists(SLOW_PATH)"
HELPERS = f"\nimport os.path\n\nSLOW_PATH = {SLOW_PATH!r}\n"
VARIANTS = {
    "os.path.exists in async def": ("async def work()", CHECK),
    "await asyncio.to_thread(os.path.exists)": ("async def work()", "await asyncio.to_thread(os.path.exists, SLOW_PATH)"),
    "os.path.exists in plain def": ("def work()", CHECK),
}


@pytest.fixture
def slow_stat(monkeypatch):
    """`os.stat(SLOW_PATH)` waits BLOCK_SECONDS, then finds nothing; it records the
    threads it ran on. Every other path is stat'ed as usual."""
    real_stat = os.stat
    threads: list[int] = []

    def stat(path, *args, **kwargs):
        if os.fspath(path) != SLOW_PATH:
            return real_stat(path, *args, **kwargs)
        threads.append(threading.get_ident())
        time.sleep(BLOCK_SECONDS)
        raise FileNotFoundError(2, "No such file or directory", SLOW_PATH)

    monkeypatch.setattr(os, "stat", stat)
    return threads


@pytest.mark.parametrize("variant", VARIANTS, ids=list(VARIANTS))
def test_a_slow_stat_on_the_loop_stalls_other_requests_and_is_flagged(tmp_path, slow_stat, variant) -> None:
    work_def, work_body = VARIANTS[variant]
    path = write_app(tmp_path, work_def, work_body, HELPERS)
    module = import_app(path)
    timeline = asyncio.run(serve_work_and_ping(module))
    stalls = variant == "os.path.exists in async def"
    assert slow_stat, "os.path.exists did not call os.stat"
    assert ping_waited_for_work(timeline) is stalls
    # On the loop, the stat ran on the thread that ran the event loop (the test's own).
    assert (slow_stat[-1] == threading.get_ident()) is stalls
    expected = [(line_of(path, CHECK), "FPI106")] if stalls else []
    assert lint(path, "FPI106") == expected


def test_the_fix_takes_the_stat_off_the_loop(tmp_path, slow_stat) -> None:
    work_def, work_body = VARIANTS["os.path.exists in async def"]
    path = write_app(tmp_path, work_def, work_body, HELPERS)
    outcome = fix_source(path.read_text(), str(path), Settings(select=["FPI106"]), unsafe=True)
    assert outcome.error is None and outcome.fixed == {"FPI106": 1}
    assert "await asyncio.to_thread(os.path.exists, SLOW_PATH)" in outcome.text
    fixed = tmp_path / "fixed_os_path_app.py"
    fixed.write_text(outcome.text)
    assert lint(fixed, "FPI106") == []
    module = import_app(fixed)
    assert ping_waited_for_work(asyncio.run(serve_work_and_ping(module))) is False


def test_the_rule_is_off_by_default(tmp_path) -> None:
    from fastapi_lint.checker import check_source

    path = write_app(tmp_path, *VARIANTS["os.path.exists in async def"], HELPERS)
    result = check_source(path.read_text(), str(path), Settings())
    assert result.error is None
    assert [d.code for d in result.diagnostics if d.code == "FPI106"] == []
