"""`fastapi-lint check`'s progress bar: on stderr when it is a terminal (a pseudo-terminal
here), for runs of many files; never in a pipe, a CI log, with `--quiet` or `--verbose`;
and it never changes what stdout gets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_lint.progress import PROGRESS_MIN_FILES

pty = pytest.importorskip("pty")

ROUTE = """\
import time

from fastapi import APIRouter

router = APIRouter()


@router.get("/items/{n}")
async def read_item_%d(n: int):
    time.sleep(0.1)
    return {"n": n}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("many")
    (root / "pyproject.toml").write_text('[project]\nname = "many"\nversion = "0"\n', encoding="utf-8")
    package = root / "many"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for n in range(PROGRESS_MIN_FILES + 9):
        (package / f"items_{n:03}.py").write_text(ROUTE % n, encoding="utf-8")
    return root


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TERM")}
    env.update({"TERM": "xterm", "COLUMNS": "100", **extra})
    return env


def run(project: Path, *args: str, tty: bool = True, paths: tuple[str, ...] = (".",), **env: str):
    """(exit status, stdout, stderr) of `fastapi-lint check ARGS PATHS`, stderr on a pty when `tty`."""
    command = [sys.executable, "-m", "fastapi_lint", "check", "--async-scope", "all", *args, *paths]
    if not tty:
        done = subprocess.run(command, cwd=project, env=_env(**env), capture_output=True, text=True)
        return done.returncode, done.stdout, done.stderr
    master, slave = pty.openpty()
    process = subprocess.Popen(command, cwd=project, env=_env(**env), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    received = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        received.append(data)
    os.close(master)
    stdout = process.stdout.read().decode()
    process.stdout.close()
    return process.wait(), stdout, b"".join(received).decode()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_bar_on_a_terminal(project: Path, jobs: str):
    files = PROGRESS_MIN_FILES + 10
    status, stdout, stderr = run(project, "--jobs", jobs)
    assert status == 1
    assert "Checking [" in stderr and f"] {files}/{files} files" in stderr
    assert "Reading the project..." in stderr
    assert stderr.endswith("\r\x1b[K")  # erased: the terminal is left as it was
    # The report is what it is without the bar.
    assert stdout == run(project, "--jobs", jobs, tty=False)[1]
    assert stdout.count("FPI101") == files - 1


def test_no_bar_in_a_pipe_in_ci_or_when_quiet(project: Path):
    for stderr in (
        run(project, tty=False)[2],
        run(project, CI="true")[2],
        run(project, "--quiet")[2],
        run(project, "--verbose")[2],
    ):
        assert "Checking [" not in stderr and "\x1b[K" not in stderr


def test_no_bar_for_a_few_files(project: Path):
    few = tuple(f"many/items_{n:03}.py" for n in range(PROGRESS_MIN_FILES - 1))
    status, stdout, stderr = run(project, paths=few)
    assert status == 1 and stdout.count("FPI101") == len(few)
    assert "Checking [" not in stderr and "\x1b[K" not in stderr
