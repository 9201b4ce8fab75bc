"""FPI501's claim, checked in a real FastAPI app: without a timeout, a silent upstream
holds the request for as long as it stays silent.

The upstream is a local socket that accepts connections and never answers. Plain `def`
routes call it with `requests.get(url)`, with `httpx.Client(timeout=None)`, and with
`requests.get(url, timeout=0.3)`: the bounded one gives up and answers 504; the other two
are still waiting seconds later, and end only when the upstream closes the connection.
Every wait of the test is bounded (thread joins with a timeout, daemon threads), so the
test itself never hangs. The very same source is linted: only the unbounded calls are
reported.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings
from test_fix_runtime import load

STILL_WAITING_AFTER = 2.0  # seconds: far beyond the bounded route's 0.3 s

APP_SOURCE = '''
import httpx
import requests
from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()


@app.get("/quote")
def quote():
    return {"status": requests.get(UPSTREAM).status_code}


@app.get("/quote-httpx")
def quote_httpx():
    with httpx.Client(timeout=None) as client:
        return {"status": client.get(UPSTREAM).status_code}


@app.get("/quote-bounded")
def quote_bounded():
    try:
        return {"status": requests.get(UPSTREAM, timeout=0.3).status_code}
    except requests.Timeout:
        return JSONResponse({"detail": "upstream timed out"}, status_code=504)
'''


class SilentUpstream:
    """Accepts connections, reads nothing, answers nothing, until `close()`."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.connections: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/quote"

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        for connection in self.connections:
            connection.close()  # the waiting clients read EOF and raise
        self.listener.close()


@pytest.fixture
def upstream(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "*")
    server = SilentUpstream()
    yield server
    server.close()


def _request_in_thread(client: TestClient, path: str, outcome: dict) -> threading.Thread:
    def run() -> None:
        try:
            outcome["status"] = client.get(path).status_code
        except Exception as error:  # the route fails once the upstream hangs up
            outcome["error"] = type(error).__name__

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_request_without_timeout_waits_as_long_as_the_upstream_is_silent(upstream, tmp_path: Path) -> None:
    module = load(tmp_path, APP_SOURCE, UPSTREAM=upstream.url)
    client = TestClient(module.app)
    unbounded = {path: {} for path in ("/quote", "/quote-httpx")}
    threads = {path: _request_in_thread(client, path, outcome) for path, outcome in unbounded.items()}

    started = time.monotonic()
    response = client.get("/quote-bounded")
    assert response.status_code == 504
    assert time.monotonic() - started < STILL_WAITING_AFTER

    deadline = started + STILL_WAITING_AFTER
    for thread in threads.values():
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert [path for path, thread in threads.items() if thread.is_alive()] == ["/quote", "/quote-httpx"]
    assert unbounded == {"/quote": {}, "/quote-httpx": {}}  # no answer, no error: still waiting

    # Only the upstream hanging up ends them (as an error, not an answer).
    upstream.close()
    for thread in threads.values():
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads.values())
    assert all("status" not in outcome for outcome in unbounded.values()), unbounded

    result = check_source(APP_SOURCE, "app.py", Settings(select=["FPI501"]))
    assert result.error is None
    flagged = [APP_SOURCE.splitlines()[d.location.row - 1].strip() for d in result.diagnostics]
    assert flagged == [
        'return {"status": requests.get(UPSTREAM).status_code}',
        "with httpx.Client(timeout=None) as client:",
    ]
