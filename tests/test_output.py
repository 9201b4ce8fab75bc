"""Output formats as a user (or a CI system) reads them."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import SLEEPY, SLEEPY_COL, SLEEPY_ROW, run, write
from fastapi_lint.diagnostics import Diagnostic, Location
from fastapi_lint.output import format_github, statistics, summary

NON_ASCII = """\
import asyncio
import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/café")
async def café():
    await asyncio.sleep(0)
    note = "naïve"; time.sleep(1)
    return {"note": note}
"""


def test_grouped_format(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY, "b.py": SLEEPY})
    result = run("--select", "FPI101", "--output-format", "grouped", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert lines[0] == "a.py:"
    assert lines[1].startswith(f"  {SLEEPY_ROW}:{SLEEPY_COL} FPI101 `time.sleep()`")
    assert lines[2:4] == ["", "b.py:"]
    assert "Found 2 errors." in lines


def test_full_format_shows_the_source_line_underlined(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY})
    result = run("--select", "FPI101", "--output-format", "full", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("a.py:12:5: FPI101 ")
    assert lines[1:5] == ["   |", "12 |     time.sleep(1)", "   |     ^^^^^^^^^^^^^", "   |"]
    assert lines[5].startswith("   = help: ")  # FPI101's fix, as ruff's full format shows it
    assert "Found 1 error." in lines


def test_json_lines_format(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY, "b.py": SLEEPY})
    result = run("--select", "FPI101", "--output-format", "json-lines", cwd=tmp_path)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["filename"], r["code"], r["location"]["row"]) for r in records] == [
        (str(tmp_path / "a.py"), "FPI101", 12),
        (str(tmp_path / "b.py"), "FPI101", 12),
    ]


def test_github_format(tmp_path: Path) -> None:
    write(tmp_path, {"app/a.py": SLEEPY})
    result = run("--select", "FPI101", "--output-format", "github", cwd=tmp_path)
    assert result.returncode == 1
    line = result.stdout.splitlines()[0]
    assert line.startswith(
        "::error title=fastapi-lint (FPI101),file=app/a.py,line=12,col=5,endLine=12,endColumn=18::"
        "app/a.py:12:5: FPI101 `time.sleep()`"
    )
    assert len(result.stdout.splitlines()) == 1  # no summary in machine formats


def test_github_format_escapes_workflow_command_characters() -> None:
    where = Location(1, 1)
    diagnostic = Diagnostic("FPI101", "n", "50% done\nnext", "/x/a,b:c.py", where, where)
    assert "file=/x/a%2Cb%3Ac.py," in format_github([diagnostic])
    assert format_github([diagnostic]).endswith("::/x/a,b:c.py:1:1: FPI101 50%25 done%0Anext\n")


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": NON_ASCII})
    data = json.loads(run("--select", "FPI101", "--output-format", "json", cwd=tmp_path).stdout)
    line = NON_ASCII.splitlines()[11]
    assert [d["location"] for d in data] == [{"column": line.index("time") + 1, "row": 12}]
    assert data[0]["end_location"] == {"column": len(line) + 1, "row": 12}


def test_summary_wording_matches_ruff() -> None:
    assert summary(0) == "All checks passed!\n"
    assert summary(1) == "Found 1 error.\n"
    assert summary(2) == "Found 2 errors.\n"


def test_statistics_order_most_frequent_first_then_by_code() -> None:
    where = Location(1, 1)

    def diag(code: str | None, name: str) -> Diagnostic:
        return Diagnostic(code, name, "m", "f.py", where, where)

    rows = statistics([diag("FPI300", "c"), diag("FPI100", "a"), diag("FPI200", "b"), diag("FPI300", "c")])
    assert [(r["code"], r["count"]) for r in rows] == [("FPI300", 2), ("FPI100", 1), ("FPI200", 1)]
