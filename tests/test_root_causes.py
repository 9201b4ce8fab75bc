"""FPI110 reports a blocking helper once, across modules, counting the calls a run reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import run_json, write

TELEMETRY = """\
import json


def server_id() -> str:
    with open("/var/lib/app/server.json") as handle:
        return json.load(handle)["id"]


def track(event: str) -> None:
    print(event, server_id())
"""

ROUTES = """\
from fastapi import APIRouter

from app.telemetry import track

router = APIRouter()


@router.get("/search")
async def search(q: str):
    track("search")
    return {"q": q}


@router.post("/chats")
async def create_chat():
    track("chat")
    return {}
"""

MAIN = """\
from fastapi import FastAPI

from app.routes import router

app = FastAPI()
app.include_router(router, prefix="/api")
"""

CLI = """\
import asyncio

from app.telemetry import track


async def reindex() -> None:
    track("reindex")


if __name__ == "__main__":
    asyncio.run(reindex())
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'app'\n",
        "app/__init__.py": "", "app/telemetry.py": TELEMETRY, "app/routes.py": ROUTES,
        "app/main.py": MAIN, "app/cli.py": CLI,
    })


def _fpi110(*args: str, cwd: Path) -> list[dict]:
    return [d for d in run_json("--select", "FPI110", "--no-cache", *args, cwd=cwd) if d["code"] == "FPI110"]


def test_two_routes_reaching_one_file_read_are_one_finding_at_the_read(project: Path) -> None:
    [finding] = _fpi110(".", cwd=project)
    assert Path(finding["filename"]).name == "telemetry.py"
    assert finding["location"]["row"] == 5  # `open(...)` in `server_id`
    # The CLI's async command serves no request: its call is not counted.
    assert finding["message"].startswith(
        "`open()` in `server_id` blocks the event loop of 2 calls in 2 `async def`s: the first, in "
        "`async def search` (app/routes.py:10), calls `track -> server_id -> open`"
    )
    assert finding["message"].endswith("(reached from `GET /api/search`)")


def test_wider_scope_counts_the_cli_too(project: Path) -> None:
    [finding] = _fpi110("--async-scope", "application", ".", cwd=project)
    assert "of 3 calls in 3 `async def`s: the first, in `async def reindex` (app/cli.py:7)" in finding["message"]


def test_one_served_call_is_reported_at_the_call_with_its_fix(project: Path) -> None:
    routes = project / "app" / "routes.py"
    routes.write_text(ROUTES.replace('    track("chat")\n', ""), encoding="utf-8")
    [finding] = _fpi110(".", cwd=project)
    assert (Path(finding["filename"]).name, finding["location"]["row"]) == ("routes.py", 10)
    assert finding["fix"] is not None


def test_a_file_named_alone_agrees_with_the_whole_run(project: Path) -> None:
    # pre-commit names the changed file: the root cause lives in another module.
    assert _fpi110("app/routes.py", cwd=project) == []
    assert len(_fpi110("app/telemetry.py", cwd=project)) == 1


def test_every_call_option_reports_each_call(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'app'\n\n[tool.fastapi-lint.blocking-call-via-helper]\nreport-every-call = true\n",
        encoding="utf-8",
    )
    rows = sorted((Path(d["filename"]).name, d["location"]["row"]) for d in _fpi110(".", cwd=project))
    assert rows == [("routes.py", 10), ("routes.py", 16)]
