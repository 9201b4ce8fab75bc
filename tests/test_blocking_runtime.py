"""Runtime oracles for FPI101, FPI103 and FPI104: what the rules flag really stalls the loop.

Each app module is written to a temporary file, imported and served in-process
(`httpx.ASGITransport` runs the app on the test's own event loop, as a server would), and
the very same file is linted. While the app handles `/work`, a second request to the
trivial `/ping` endpoint is due: with the flagged form it is only answered after the
blocking call returned; with the recommended forms it is answered while `/work` still
waits. The tests compare the order of events, not absolute latencies, so a loaded machine
does not make them flaky.
"""

from __future__ import annotations

import asyncio
import errno
import importlib.util
import itertools
import os
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings

BLOCK_SECONDS = 0.2  # how long `/work` blocks or waits
PING_DUE = 0.06  # when the unrelated request arrives, after `/work` started
_module_ids = itertools.count()

APP_TEMPLATE = '''\
import asyncio
import time

from fastapi import FastAPI

app = FastAPI()
TIMELINE = {{}}
BLOCK_SECONDS = {block_seconds}
FIFO = None  # set by the test: a named pipe whose writer shows up late
{helpers}

@app.get("/work")
{work_def}:
    TIMELINE["work_start"] = time.perf_counter()
    {work_body}
    TIMELINE["work_end"] = time.perf_counter()
    return {{"done": True}}


@app.get("/ping")
async def ping():
    return {{"pong": True}}
'''

READ_FIFO_HELPER = '''

def read_fifo():
    with open(FIFO, "rb") as pipe:
        return pipe.read()
'''


def write_app(tmp_path: Path, work_def: str, work_body: str, helpers: str = "") -> Path:
    path = tmp_path / f"blocking_app_{next(_module_ids)}.py"
    source = APP_TEMPLATE.format(
        work_def=work_def, work_body=work_body, helpers=helpers, block_seconds=BLOCK_SECONDS
    )
    path.write_text(source)
    return path


def import_app(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def lint(path: Path, code: str) -> list[tuple[int, str]]:
    result = check_source(path.read_text(), str(path), Settings(select=[code]))
    assert result.error is None
    return [(d.location.row, d.code) for d in result.diagnostics]


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


async def serve_work_and_ping(module, attempts: int = 3) -> dict[str, float]:
    """Request `/work`, and `/ping` PING_DUE seconds later; when was each event?

    The measurement means something only if `/work` was busy when `/ping` was due; on a
    loaded machine `/work` may start late, so that case is measured again.
    """
    for _ in range(attempts):
        timeline = await _serve_work_and_ping_once(module)
        if timeline["work_start"] < timeline["ping_due"] < timeline["work_end"]:
            return timeline
    raise AssertionError(f"`/work` was never busy when `/ping` was due: {timeline}")


async def _serve_work_and_ping_once(module) -> dict[str, float]:
    transport = httpx.ASGITransport(app=module.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/ping")).status_code == 200  # warm-up
        start = time.perf_counter()

        async def ping_when_due() -> float:
            await asyncio.sleep(PING_DUE)
            response = await client.get("/ping")
            assert response.json() == {"pong": True}
            return time.perf_counter()

        # The ping task starts first, so its timer runs before `/work` can block the loop.
        ping_answered, work = await asyncio.gather(ping_when_due(), client.get("/work"))
    assert work.status_code == 200
    return dict(module.TIMELINE, start=start, ping_due=start + PING_DUE, ping_answered=ping_answered)


def ping_waited_for_work(timeline: dict[str, float]) -> bool:
    return timeline["ping_answered"] >= timeline["work_end"]


# --------------------------------------------------------------------------- FPI101

SLEEP_VARIANTS = {
    "time.sleep in async def": ("async def work()", "time.sleep(BLOCK_SECONDS)"),
    "await asyncio.sleep": ("async def work()", "await asyncio.sleep(BLOCK_SECONDS)"),
    "await asyncio.to_thread(time.sleep)": ("async def work()", "await asyncio.to_thread(time.sleep, BLOCK_SECONDS)"),
    "time.sleep in plain def": ("def work()", "time.sleep(BLOCK_SECONDS)"),
}


@pytest.mark.parametrize("variant", SLEEP_VARIANTS, ids=list(SLEEP_VARIANTS))
def test_time_sleep_in_async_def_stalls_other_requests_and_is_flagged(tmp_path, variant) -> None:
    work_def, work_body = SLEEP_VARIANTS[variant]
    path = write_app(tmp_path, work_def, work_body)
    timeline = asyncio.run(serve_work_and_ping(import_app(path)))
    stalls = variant == "time.sleep in async def"
    assert ping_waited_for_work(timeline) is stalls
    if stalls:
        # The unrelated request waited for the rest of the sleep.
        assert timeline["ping_answered"] - timeline["ping_due"] >= BLOCK_SECONDS - PING_DUE - 0.05
    expected = [(line_of(path, "time.sleep(BLOCK_SECONDS)"), "FPI101")] if stalls else []
    assert lint(path, "FPI101") == expected


# --------------------------------------------------------------------------- FPI103


def feed_fifo_later(fifo: Path, delay: float) -> threading.Thread:
    """Open the FIFO for writing after `delay`: until then, a reader's `open()` blocks."""

    def writer() -> None:
        time.sleep(delay)
        deadline = time.monotonic() + 5
        while True:
            try:  # non-blocking: fails with ENXIO while no reader has the pipe open
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as error:
                if error.errno != errno.ENXIO or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        try:
            os.write(fd, b"payload")
        finally:
            os.close(fd)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    return thread


FILE_VARIANTS = {
    "open() in async def": ("", 'with open(FIFO, "rb") as pipe:\n        pipe.read()'),
    "await asyncio.to_thread(read)": (READ_FIFO_HELPER, "await asyncio.to_thread(read_fifo)"),
}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("variant", FILE_VARIANTS, ids=list(FILE_VARIANTS))
def test_blocking_file_read_in_async_def_stalls_other_requests_and_is_flagged(tmp_path, variant) -> None:
    helpers, work_body = FILE_VARIANTS[variant]
    path = write_app(tmp_path, "async def work()", work_body, helpers)
    module = import_app(path)
    module.FIFO = str(tmp_path / "slow.fifo")
    os.mkfifo(module.FIFO)

    async def scenario() -> dict[str, float]:
        feed_fifo_later(Path(module.FIFO), BLOCK_SECONDS)
        return await serve_work_and_ping(module, attempts=1)  # the FIFO is fed once

    timeline = asyncio.run(scenario())
    stalls = variant == "open() in async def"
    assert ping_waited_for_work(timeline) is stalls
    expected = [(line_of(path, 'with open(FIFO, "rb")'), "FPI103")] if stalls else []
    assert lint(path, "FPI103") == expected


# --------------------------------------------------------------------------- FPI104
# Which Session methods do I/O, observed on a real SQLAlchemy engine, against which
# ones FPI104 reports.

SESSION_CALLS = {
    # method: (preparation, call); `db` holds a loaded `user` (id 1) in an open transaction.
    "add": ("", 'db.add(User(name="new"))'),
    "add_all": ("", 'db.add_all([User(name="a"), User(name="b")])'),
    "delete": ("", "db.delete(user)"),
    "expunge": ("", "db.expunge(user)"),
    "query": ("", "db.query(User).filter(User.id == 1).order_by(User.name)"),
    "execute": ("", "db.execute(select(User))"),
    "scalar": ("", "db.scalar(select(User.id))"),
    "scalars": ("", "db.scalars(select(User))"),
    "get": ("", "db.get(User, 2)"),
    "commit": ("", "db.commit()"),
    "flush": ('db.add(User(name="pending"))', "db.flush()"),
    "refresh": ("", "db.refresh(user)"),
    "merge": ("", 'db.merge(User(id=2, name="merged"))'),
    "rollback": ("", "db.rollback()"),
    "query.first": ("", "db.query(User).first()"),
    "query.all": ("", "db.query(User).filter(User.id > 0).all()"),
    "query.count": ("", "db.query(User).count()"),
}
NO_IO = {"add", "add_all", "delete", "expunge", "query"}


@pytest.fixture(scope="module")
def sqlalchemy_world():
    sqlalchemy = pytest.importorskip("sqlalchemy")
    from sqlalchemy import Column, Integer, String, event
    from sqlalchemy.orm import Session, declarative_base
    from sqlalchemy.pool import StaticPool

    Base = declarative_base()

    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
        name = Column(String, nullable=False)

    engine = sqlalchemy.create_engine("sqlite://", poolclass=StaticPool)
    Base.metadata.create_all(engine)
    with Session(engine) as db:
        db.add_all([User(id=1, name="ada"), User(id=2, name="bob")])
        db.commit()
    io_events: list[str] = []
    for name in ("before_cursor_execute", "commit", "rollback"):
        event.listen(engine, name, lambda *args, _name=name, **kw: io_events.append(_name))
    event.listen(engine.pool, "checkout", lambda *args: io_events.append("checkout"))
    return engine, User, Session, sqlalchemy.select, io_events


@pytest.mark.parametrize("method", SESSION_CALLS, ids=list(SESSION_CALLS))
def test_fpi104_flags_exactly_the_session_calls_that_do_io(sqlalchemy_world, method) -> None:
    engine, User, Session, select, io_events = sqlalchemy_world
    preparation, call = SESSION_CALLS[method]
    namespace = {"User": User, "select": select}
    with Session(engine) as db:
        namespace.update(db=db, user=db.get(User, 1))
        exec(preparation, namespace)
        io_events.clear()
        exec(call, namespace)
        observed = list(io_events)
        db.rollback()
    assert bool(observed) is (method not in NO_IO), observed

    source = (
        "from sqlalchemy import select\n"
        "from sqlalchemy.orm import Session\n\n"
        "from .models import User\n\n\n"
        "async def handler(db: Session, user: User):\n"
        f"    {call}\n"
    )
    result = check_source(source, "handler.py", Settings(select=["FPI104"]))
    assert [d.location.row for d in result.diagnostics] == ([] if method in NO_IO else [8])
