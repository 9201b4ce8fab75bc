"""Running the real `fastapi-lint` command on small projects written into temp directories."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

# An async route that calls `time.sleep` (FPI101) and also awaits, so that the rules about
# async functions that never await stay silent: only FPI101 fires, on line 12, column 5.
SLEEPY = """\
import asyncio
import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def index():
    await asyncio.sleep(0)
    time.sleep(1)
    return {}
"""
SLEEPY_ROW, SLEEPY_COL = 12, 5
SLEEPY_MESSAGE_START = "`time.sleep()`"

CLEAN = """\
import asyncio

from fastapi import APIRouter

router = APIRouter()


@router.get("/")
async def index():
    await asyncio.sleep(0)
    return {}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def run(*args: str, cwd: Path, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fastapi_lint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=input,
        timeout=120,
    )


def run_json(*args: str, cwd: Path) -> list[dict]:
    result = run(*args, "--output-format", "json", cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def shown_files(*args: str, cwd: Path) -> list[str]:
    """The files the command would check, as it lists them with `--show-files`."""
    result = run(*args, "--show-files", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def codes_by_row(diagnostics: list[dict]) -> list[tuple[int, str | None]]:
    return sorted((d["location"]["row"], d["code"]) for d in diagnostics)
