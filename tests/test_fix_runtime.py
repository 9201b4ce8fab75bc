"""Runtime proof for the fixes of FPI100-FPI104 and FPI120, on real apps.

Each app module is fixed by the fix engine (unsafe fixes on, only the rule under test
selected), written to a temporary file and imported; the original is imported too. The
same requests go to both: the fixed app must answer the same, and where the original
stalled the event loop the fixed one must not (measured as in `test_blocking_runtime.py`:
the order of events, not absolute latencies).

The second half checks the runtime facts that the `## Fix safety` sections state, in
particular the ones that decide where no fix is offered.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib.util
import itertools
import json
import os
import sqlite3
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from fastapi import Depends, FastAPI, WebSocket
from fastapi.testclient import TestClient

from fastapi_lint.fixes.engine import fix_source
from fastapi_lint.settings import Settings
from test_blocking_runtime import BLOCK_SECONDS, ping_waited_for_work, serve_work_and_ping

_module_ids = itertools.count()


def load(tmp_path: Path, source: str, **globals_):
    """Import `source` as a fresh module, with `globals_` set before its code runs."""
    path = tmp_path / f"fix_runtime_app_{next(_module_ids)}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(globals_)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def fixed(source: str, code: str, expected_fixes: int) -> str:
    outcome = fix_source(source, "app.py", Settings(select=[code]), unsafe=True)
    assert outcome.error is None, outcome.error
    assert outcome.fixed[code] == expected_fixes, outcome.fixed
    return outcome.text


# --------------------------------------------------------------------------- FPI101

SLEEP_APP = f'''\
import time

from fastapi import FastAPI

app = FastAPI()
TIMELINE = {{}}


@app.get("/work")
async def work():
    TIMELINE["work_start"] = time.perf_counter()
    time.sleep({BLOCK_SECONDS})
    TIMELINE["work_end"] = time.perf_counter()
    return {{"done": True}}


@app.get("/ping")
async def ping():
    return {{"pong": True}}
'''


def test_fpi101_fix_the_sleep_no_longer_stalls_other_requests(tmp_path) -> None:
    text = fixed(SLEEP_APP, "FPI101", 1)
    assert f"    await asyncio.sleep({BLOCK_SECONDS})\n" in text and "import asyncio\n" in text
    before = asyncio.run(serve_work_and_ping(load(tmp_path, SLEEP_APP)))
    after = asyncio.run(serve_work_and_ping(load(tmp_path, text)))
    assert ping_waited_for_work(before)
    assert not ping_waited_for_work(after)
    assert after["work_end"] - after["work_start"] >= BLOCK_SECONDS - 0.01  # it still sleeps


# --------------------------------------------------------------------------- FPI100


@pytest.fixture
def upstream():
    """A real HTTP server on 127.0.0.1 that takes BLOCK_SECONDS to answer."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            time.sleep(BLOCK_SECONDS)
            body = json.dumps({"path": self.path, "user": "ada"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


URLOPEN_APP = '''\
import json
import time
from urllib.request import urlopen

from fastapi import FastAPI

app = FastAPI()
TIMELINE = {}


@app.get("/work")
async def work():
    TIMELINE["work_start"] = time.perf_counter()
    payload = json.loads(urlopen(f"{UPSTREAM}/users/1", timeout=5).read())
    TIMELINE["work_end"] = time.perf_counter()
    return payload


@app.get("/ping")
async def ping():
    return {"pong": True}
'''


def test_fpi100_fix_urlopen_returns_the_same_and_no_longer_stalls(tmp_path, upstream) -> None:
    url, _ = upstream
    text = fixed(URLOPEN_APP, "FPI100", 1)
    assert "(await asyncio.to_thread(urlopen, f\"{UPSTREAM}/users/1\", timeout=5)).read()" in text
    original, fixed_app = load(tmp_path, URLOPEN_APP, UPSTREAM=url), load(tmp_path, text, UPSTREAM=url)
    assert ping_waited_for_work(asyncio.run(serve_work_and_ping(original)))
    assert not ping_waited_for_work(asyncio.run(serve_work_and_ping(fixed_app)))
    expected = {"path": "/users/1", "user": "ada"}
    assert TestClient(original.app).get("/work").json() == TestClient(fixed_app.app).get("/work").json() == expected


# --------------------------------------------------------------------------- FPI102, FPI103


SUBPROCESS_APP = '''\
import subprocess
import sys

from fastapi import FastAPI

app = FastAPI()


@app.get("/version")
async def version():
    done = subprocess.run([sys.executable, "-c", "print('v1.2')"], capture_output=True, text=True)
    return {"out": done.stdout.strip(), "code": done.returncode}
'''

FILE_APP = '''\
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()


@app.get("/notes")
async def notes():
    with open(NOTES, encoding="utf-8") as handle:
        first = handle.readline().strip()
    return {"first": first, "all": Path(NOTES).read_text(encoding="utf-8")}
'''


@pytest.mark.parametrize(
    ("code", "source", "fixes", "path", "expected"),
    [
        ("FPI102", SUBPROCESS_APP, 1, "/version", {"out": "v1.2", "code": 0}),
        # One fix: `read_text`. The `with open(...) as handle` gets none, because offloading the
        # open() alone would leave `handle.readline()` on the loop (and unreported).
        ("FPI103", FILE_APP, 1, "/notes", {"first": "café ☕", "all": "café ☕\nsecond line\n"}),
    ],
    ids=["FPI102-subprocess.run", "FPI103-open-and-read_text"],
)
def test_offloaded_calls_return_the_same(tmp_path, code, source, fixes, path, expected) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("café ☕\nsecond line\n", encoding="utf-8")
    text = fixed(source, code, fixes)
    assert "await asyncio.to_thread(" in text
    for module in (load(tmp_path, source, NOTES=str(notes)), load(tmp_path, text, NOTES=str(notes))):
        assert TestClient(module.app).get(path).json() == expected


# --------------------------------------------------------------------------- FPI104

SQLALCHEMY_APP = '''\
from fastapi import Depends, FastAPI
from sqlalchemy import Column, Integer, String, create_engine, select
from sqlalchemy.orm import Session, declarative_base, sessionmaker

engine = create_engine(DATABASE_URL)
SessionLocal = sessionmaker(bind=engine)
Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)


Base.metadata.create_all(engine)
app = FastAPI()


def get_db():
    with SessionLocal() as db:
        yield db


@app.post("/users")
async def create_user(name: str, db: Session = Depends(get_db)):
    user = User(name=name)
    db.add(user)
    db.commit()
    db.refresh(user)
    return {"id": user.id, "name": user.name}


@app.get("/users/{user_id}")
async def read_user(user_id: int, db: Session = Depends(get_db)):
    user = db.query(User).filter(User.id == user_id).first()
    return {"name": user.name if user else None}


@app.get("/users")
async def list_users(db: Session = Depends(get_db)):
    return {"names": db.scalars(select(User.name).order_by(User.id)).all()}
'''


def test_fpi104_fix_sqlalchemy_session_calls_return_the_same(tmp_path) -> None:
    text = fixed(SQLALCHEMY_APP, "FPI104", 4)
    assert "await asyncio.to_thread(db.query(User).filter(User.id == user_id).first)" in text
    answers = []
    for index, source in enumerate((SQLALCHEMY_APP, text)):
        module = load(tmp_path, source, DATABASE_URL=f"sqlite:///{tmp_path / f'app{index}.db'}")
        client = TestClient(module.app)
        answers.append([
            client.post("/users", params={"name": "ada"}).json(),
            client.post("/users", params={"name": "bob"}).json(),
            client.get("/users/2").json(),
            client.get("/users/9").json(),
            client.get("/users").json(),
        ])
    assert answers[0] == answers[1]
    assert answers[1][0] == {"id": 1, "name": "ada"} and answers[1][4] == {"names": ["ada", "bob"]}


# --------------------------------------------------------------------------- FPI120

PLAIN_DEF_APP = f'''\
import time

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()
TIMELINE = {{}}


def load_profile(user_id):
    time.sleep({BLOCK_SECONDS})
    return {{"id": user_id, "name": "ada"}}


async def current_user(user_id: int = 1):
    return load_profile(user_id)


class Pager:
    async def __call__(self, page: int = 1):
        return {{"page": page, "owner": load_profile(0)["name"]}}


@app.get("/work")
async def work(user_id: int = 1):
    TIMELINE["work_start"] = time.perf_counter()
    profile = load_profile(user_id)
    TIMELINE["work_end"] = time.perf_counter()
    return {{"profile": profile}}


async def listing(user=Depends(current_user), pager=Depends(Pager())):
    if pager["page"] > 9:
        raise LookupError(pager["page"])
    return {{"user": user, "pager": pager, "first": load_profile(2)}}


app.add_api_route("/listing", listing)


@app.exception_handler(LookupError)
async def not_found(request: Request, exc: LookupError):
    return JSONResponse({{"missing": exc.args[0], "who": load_profile(3)["name"]}}, status_code=404)


@app.get("/ping")
async def ping():
    return {{"pong": True}}
'''


def test_fpi120_fix_converted_functions_answer_the_same_and_stop_stalling(tmp_path) -> None:
    text = fixed(PLAIN_DEF_APP, "FPI120", 5)
    assert text.count("async def") == 1  # only `/ping`, which never blocks, stays async
    original, fixed_app = load(tmp_path, PLAIN_DEF_APP), load(tmp_path, text)
    for path in ("/work", "/listing?page=2", "/listing?page=10"):
        before, after = TestClient(original.app).get(path), TestClient(fixed_app.app).get(path)
        assert (before.status_code, before.json()) == (after.status_code, after.json()), path
    assert ping_waited_for_work(asyncio.run(serve_work_and_ping(original)))
    assert not ping_waited_for_work(asyncio.run(serve_work_and_ping(fixed_app)))


# =========================================================================== facts
# What the `## Fix safety` sections say, and why some calls get no fix.


def test_time_sleep_rejects_a_negative_delay_and_asyncio_sleep_does_not() -> None:
    with pytest.raises(ValueError):
        time.sleep(-1)
    assert asyncio.run(asyncio.sleep(-1)) is None


def test_sqlite3_objects_refuse_other_threads_so_fpi104_does_not_offload_them(tmp_path) -> None:
    async def scenario():
        conn = sqlite3.connect(tmp_path / "a.db")
        with pytest.raises(sqlite3.ProgrammingError, match="same thread"):
            await asyncio.to_thread(conn.execute, "SELECT 1")
        shared = await asyncio.to_thread(sqlite3.connect, tmp_path / "a.db", check_same_thread=False)
        return shared.execute("SELECT 1").fetchone()  # the fixed form works on the loop too

    assert asyncio.run(scenario()) == (1,)


def test_an_offloaded_scoped_session_call_acts_on_another_session(tmp_path) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import scoped_session, sessionmaker

    engine = create_engine(f"sqlite:///{tmp_path / 'scoped.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    registry = scoped_session(sessionmaker(bind=engine))

    async def scenario() -> int:
        registry.execute(text("INSERT INTO t VALUES (1)"))
        await asyncio.to_thread(registry.commit)  # commits the worker thread's session
        registry.rollback()
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM t")).scalar()

    assert asyncio.run(scenario()) == 0  # the insert was lost


def test_an_in_memory_sqlite_engine_has_one_database_per_thread() -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))

    async def scenario() -> None:
        with Session(engine) as db:
            assert db.execute(text("SELECT count(*) FROM t")).scalar() == 0
        db = Session(engine)
        with pytest.raises(OperationalError, match="no such table"):
            await asyncio.to_thread(db.execute, text("SELECT count(*) FROM t"))

    asyncio.run(scenario())


def test_lazy_context_managers_do_their_io_on_enter_so_offloading_the_call_would_not_help(upstream) -> None:
    url, hits = upstream
    manager = httpx.stream("GET", f"{url}/stream")
    assert hits == []  # the call itself sent nothing
    with manager as response:
        assert response.status_code == 200
    assert hits == ["/stream"]

    from sqlalchemy import create_engine, event

    engine = create_engine("sqlite://")
    checkouts: list[int] = []
    event.listen(engine.pool, "checkout", lambda *args: checkouts.append(1))
    begin = engine.begin()
    assert checkouts == []
    with begin:
        assert checkouts == [1]


def test_os_popen_returns_before_the_command_ends_and_its_read_waits() -> None:
    start = time.perf_counter()
    pipe = os.popen(f"sleep {BLOCK_SECONDS}; echo done")
    returned = time.perf_counter() - start
    assert pipe.read().strip() == "done"
    assert returned < BLOCK_SECONDS / 2 <= time.perf_counter() - start
    pipe.close()


def test_run_in_threadpool_takes_func_by_keyword_and_asyncio_to_thread_does_not() -> None:
    from starlette.concurrency import run_in_threadpool

    def register(name, func):
        return f"{name}:{func}"

    with pytest.raises(TypeError, match="multiple values for argument 'func'"):
        asyncio.run(run_in_threadpool(register, "hook", func="notify"))
    assert asyncio.run(asyncio.to_thread(register, "hook", func="notify")) == "hook:notify"


def test_contextvars_set_in_a_def_dependency_are_lost_but_middleware_values_are_read() -> None:
    request_id = contextvars.ContextVar("request_id", default="unset")
    app = FastAPI()

    async def set_in_async_dependency():
        request_id.set("from-dependency")

    def set_in_def_dependency():
        request_id.set("from-dependency")

    @app.middleware("http")
    async def tag(request, call_next):
        request_id.set("from-middleware")
        return await call_next(request)

    @app.get("/async-dependency", dependencies=[Depends(set_in_async_dependency)])
    async def a():
        return request_id.get()

    @app.get("/def-dependency", dependencies=[Depends(set_in_def_dependency)])
    async def b():
        return request_id.get()

    @app.get("/def-endpoint")
    def c():
        return request_id.get()

    client = TestClient(app)
    assert client.get("/async-dependency").json() == "from-dependency"
    assert client.get("/def-dependency").json() == "from-middleware"
    assert client.get("/def-endpoint").json() == "from-middleware"


def test_what_a_plain_def_cannot_be_websocket_endpoints_and_loop_apis() -> None:
    app = FastAPI()

    @app.websocket("/ws")
    def ws(websocket: WebSocket):  # FastAPI awaits websocket endpoints
        return None

    @app.get("/loop")
    def loop_api():
        asyncio.get_running_loop()

    client = TestClient(app)
    with pytest.raises(TypeError, match="can't be used in 'await' expression"):
        with client.websocket_connect("/ws"):
            pass
    with pytest.raises(RuntimeError, match="no running event loop"):
        client.get("/loop")
