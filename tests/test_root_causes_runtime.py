"""What FPI110 and FPI120 assume about helpers that run once, checked on a running app.

The rules leave out blocking calls behind `functools.lru_cache` and lazy-initialisation
guards on shared state (they run on the first request only) and keep those behind a
guard that is reset on every call or with every instance (they run on every request).
Here the blocking call is counted while real requests go through FastAPI, and the
linter's verdict on the same source is compared with the count.
"""

from __future__ import annotations

import textwrap

from fastapi.testclient import TestClient

from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings

APP = textwrap.dedent(
    """
    import functools
    import time

    from fastapi import FastAPI

    app = FastAPI()
    calls = {"cached": 0, "global": 0, "singleton": 0, "instance": 0, "local": 0}


    def slow(kind):
        calls[kind] += 1
        time.sleep(0.001)


    @functools.lru_cache
    def cached():
        slow("cached")


    _client = None


    def client():
        global _client
        if _client is None:
            slow("global")
            _client = object()
        return _client


    class Server:
        _instance = None

        def __new__(cls):
            if cls._instance is None:
                cls._instance = super().__new__(cls)
                cls._instance.running = False
            return cls._instance

        def start(self):
            if not self.running:
                slow("singleton")
                self.running = True


    class Exporter:
        def __init__(self):
            self.rows = None

        def load(self):
            if self.rows is None:
                slow("instance")
                self.rows = []


    def local_flag():
        done = False
        if not done:
            slow("local")
            done = True


    @app.get("/cached")
    async def use_cached():
        cached()


    @app.get("/global")
    async def use_global():
        client()


    @app.get("/singleton")
    async def use_singleton():
        Server().start()


    @app.get("/instance")
    async def use_instance():
        Exporter().load()


    @app.get("/local")
    async def use_local():
        local_flag()
    """
)


def test_run_once_helpers_block_the_first_request_only_and_are_not_reported(tmp_path) -> None:
    namespace: dict = {}
    exec(compile(APP, str(tmp_path / "app.py"), "exec"), namespace)
    with TestClient(namespace["app"]) as client:
        for path in ("/cached", "/global", "/singleton", "/instance", "/local"):
            for _ in range(3):
                assert client.get(path).status_code == 200
    assert namespace["calls"] == {"cached": 1, "global": 1, "singleton": 1, "instance": 3, "local": 3}

    # Reported exactly where the count shows a blocking call on every request: each call
    # with `report-every-call`, ...
    every = Settings(select=["FPI110"], rule_options={"blocking-call-via-helper": {"report-every-call": True}})
    found = check_source(APP, "app.py", every).diagnostics
    assert {d.message.split("`async def ")[1].split("`")[0] for d in found} == {"use_instance", "use_local"}
    # ... and by default once, at the sleep both reach, counting just those two calls.
    [once] = check_source(APP, "app.py", Settings(select=["FPI110"])).diagnostics
    assert APP.splitlines()[once.location.row - 1].strip() == "time.sleep(0.001)"
    assert once.message.startswith("`time.sleep()` in `slow` blocks the event loop of 2 calls in 2 `async def`s")
