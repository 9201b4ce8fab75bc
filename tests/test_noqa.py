"""Suppression comments with ruff's semantics, checked on what a user sees: which lines
still produce a diagnostic."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import SLEEPY, run, write
from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings

HEADER = """\
import asyncio
import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def index():
    await asyncio.sleep(0)
"""
FIRST_BODY_ROW = 12


def reported_rows(body_lines: list[str], *, before: str = "") -> list[int]:
    """Rows that still report FPI101 when `body_lines` are the rest of the route body."""
    source = before + HEADER + "".join(f"    {line}\n" for line in body_lines)
    result = check_source(source, "app.py", Settings(select=["FPI101"]))
    assert result.error is None, result.error
    return [d.location.row for d in result.diagnostics if d.code == "FPI101"]


def test_without_comments_every_call_is_reported() -> None:
    assert reported_rows(["time.sleep(1)", "time.sleep(2)"]) == [12, 13]


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa",
        "#noqa",
        "# NOQA",
        "# NoQa",
        "# noqa: FPI101",
        "#noqa:FPI101",
        "# noqa:FPI100,FPI101",
        "# noqa: FPI100, FPI101",
        "# noqa: FPI100 FPI101",
        "# noqa: FPI100,,FPI101",
        "# NOQA: FPI101",
        "# noqa : FPI101",
        "# noqa: FPI101 the client library has no async API",
        "# noqa because it is a test",
        "# type: ignore # noqa: FPI101",
        "# noqa:FPI101# trailing comment",
    ],
)
def test_line_suppressions(comment: str) -> None:
    assert reported_rows([f"time.sleep(1)  {comment}", "time.sleep(2)"]) == [13]


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa: FPI100",  # another code
        "# noqa: FPI1",  # codes are exact, never prefixes (unlike flake8)
        "# noqa:",  # a colon with no codes is invalid: ruff ignores it
        "# noqa: fpi101",  # codes are upper-case: not a code, so no codes at all
        "# noqa123",  # glued text: invalid
        "# noqa: FPI101abc",  # glued text after a code: invalid
        "# no qa",
        "# ruff: noqa",  # a file-level directive must be on its own line; trailing, ignored
    ],
)
def test_comments_that_do_not_suppress(comment: str) -> None:
    assert reported_rows([f"time.sleep(1)  {comment}"]) == [12]


def test_noqa_inside_a_string_does_not_count() -> None:
    assert reported_rows(['time.sleep(1); label = "# noqa"']) == [12]
    assert reported_rows(["time.sleep(1); label = '''# noqa: FPI101'''"]) == [12]
    assert reported_rows(['label = f"{time.sleep(1)} # noqa"']) == [12]


def test_noqa_on_another_line_does_not_count() -> None:
    assert reported_rows(["# noqa", "time.sleep(1)", "x = 1  # noqa"]) == [13]


@pytest.mark.parametrize(
    "directive",
    [
        "# fastapi-lint: noqa",
        "# ruff: noqa",
        "# flake8: noqa",
        "#ruff:noqa",
        "# ruff: NOQA",
        "# ruff: noqa: FPI101",
        "# fastapi-lint: noqa: FPI100, FPI101",
        "# flake8: noqa: FPI101",
    ],
)
def test_file_level_suppressions(directive: str) -> None:
    assert reported_rows(["time.sleep(1)", "time.sleep(2)"], before=directive + "\n") == []


def test_file_level_suppression_anywhere_on_its_own_line() -> None:
    assert reported_rows(["time.sleep(1)", "    # ruff: noqa: FPI101"]) == []


@pytest.mark.parametrize(
    "directive",
    [
        "# ruff: noqa: FPI100",  # another code
        "# Ruff: noqa",  # the tool name is case-sensitive, as in ruff
        "# pylint: noqa",
        "# ruff: noqa:",  # invalid: no codes
    ],
)
def test_file_level_comments_that_do_not_suppress(directive: str) -> None:
    assert reported_rows(["time.sleep(1)"], before=directive + "\n") == [FIRST_BODY_ROW + 1]


def test_syntax_errors_cannot_be_suppressed() -> None:
    result = check_source("# ruff: noqa\ndef f(:  # noqa\n", "bad.py", Settings())
    assert [d.code for d in result.diagnostics] == [None]


def test_multiline_call_is_suppressed_on_its_first_line() -> None:
    assert reported_rows(["time.sleep(  # noqa: FPI101", "    1,", ")"]) == []


def test_the_command_applies_suppressions(tmp_path: Path) -> None:
    suppressed = SLEEPY.replace("time.sleep(1)", "time.sleep(1)  # noqa: FPI101")
    write(tmp_path, {"a.py": suppressed, "b.py": "# fastapi-lint: noqa\n" + SLEEPY, "c.py": SLEEPY})
    result = run("--select", "FPI101", cwd=tmp_path)
    assert result.returncode == 1
    assert [line.split(":")[0] for line in result.stdout.splitlines()][:2] == ["c.py", "Found 1 error."]
