"""`scripts/corpus.py`, the corpus harness: run as a command on two small projects.

`alpha` holds two routes that call the same sync helper that sleeps (one FPI110 finding,
at the sleep, with the chain `wait_a_bit -> time.sleep`) and one that sleeps itself
(FPI101); `beta` is SLEEPY (FPI101) including two routers: a route that calls its own
copy of the helper (FPI110 at the call, the same chain), a route that never awaits and
lists a directory (FPI120), and a file that does not parse.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import SLEEPY, SLEEPY_ROW, write

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "corpus.py"

ALPHA = """\
import asyncio
import time

from fastapi import FastAPI

app = FastAPI()


def wait_a_bit():
    time.sleep(1)


@app.get("/one")
async def one():
    await asyncio.sleep(0)
    wait_a_bit()
    return {}


@app.get("/two")
async def two():
    await asyncio.sleep(0)
    wait_a_bit()
    return {}


@app.get("/three")
async def three():
    await asyncio.sleep(0)
    time.sleep(1)
    return {}
"""

NEVER_AWAITS = """\
import os

from fastapi import APIRouter

router = APIRouter()


@router.get("/slow")
async def slow():
    os.listdir(".")
    return {}
"""

WAITS = """\
import asyncio
import time

from fastapi import APIRouter

router = APIRouter()


def wait_a_bit():
    time.sleep(1)


@router.get("/wait")
async def wait():
    await asyncio.sleep(0)
    wait_a_bit()
    return {}
"""

# beta's application includes both routers, as a real one would (an unincluded router is
# FPI401's business, not what these tests count); appended so SLEEPY's lines stay put.
BETA_MAIN = SLEEPY + """
from routes.slow import router as slow_router
from routes.wait import router as wait_router

app.include_router(slow_router)
app.include_router(wait_router)
"""

HEADER = ["repo", "file", "line", "code", "message", "verdict", "why"]


def corpus(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300,
        env={**os.environ, **(env or {})},
    )


def report(*args: str) -> dict:
    result = corpus("--json", *args)  # before any `--`
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def repos(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("corpus")
    # FPI120 is not in the default selection: the repositories' configuration selects it.
    config = '[tool.fastapi-lint]\nextend-select = ["FPI120"]\n'
    alpha = write(root / "alpha", {"app.py": ALPHA, "pyproject.toml": config})
    beta = write(root / "beta", {
        "main.py": BETA_MAIN, "routes/slow.py": NEVER_AWAITS, "routes/wait.py": WAITS, "pkg/bad.py": "def broken(:\n",
        "pyproject.toml": config,
    })
    return alpha, beta


@pytest.fixture(scope="module")
def full_report(repos) -> dict:
    return report(*map(str, repos))


def test_counts_per_rule(full_report):
    assert full_report["total"] == 5
    assert full_report["by_rule"] == {
        "FPI101": {"count": 2, "repos": 2},
        "FPI110": {"count": 2, "repos": 2},
        "FPI120": {"count": 1, "repos": 1},
    }


def test_counts_per_repository(full_report):
    rows = {r["name"]: r for r in full_report["repos"]}
    assert list(rows) == ["alpha", "beta"]
    assert rows["alpha"]["by_rule"] == {"FPI101": 1, "FPI110": 1}
    assert rows["beta"]["by_rule"] == {"FPI101": 1, "FPI110": 1, "FPI120": 1}
    assert (rows["alpha"]["total"], rows["beta"]["total"]) == (2, 3)
    assert (rows["alpha"]["unparsed"], rows["beta"]["unparsed"]) == (0, 1)
    assert rows["beta"]["unparsed_files"][0]["where"] == "beta/pkg/bad.py:1"  # relative to the repository
    assert all(r["status"] == "ok" and r["returncode"] == 1 and r["seconds"] > 0 for r in rows.values())


def test_repeated_chain_is_grouped(full_report):
    first, second = full_report["chains"]
    assert first == {
        "key": "wait_a_bit -> time.sleep", "count": 2, "codes": {"FPI110": 2}, "repos": 2,
        "example": "alpha/app.py:10",
    }
    assert (second["key"], second["count"], second["codes"]) == ("os.listdir", 1, {"FPI120": 1})
    # The other rules' messages, with the function names and routes normalised away.
    [sleeps] = full_report["messages"]
    assert sleeps["count"] == 2 and sleeps["repos"] == 2
    assert sleeps["key"] == (
        "FPI101 `time.sleep()` blocks the event loop in `async def …`; use `await asyncio.sleep(...)`")


def test_text_report(repos):
    result = corpus(*map(str, repos))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("fastapi-lint over 2 repositories: 5 findings, 0 failed or partial")
    assert [line.split()[:6] for line in lines if line.split()[:1] in (["alpha"], ["beta"], ["total"])][-3:] == [
        ["alpha", "1", "1", ".", "2", "."],
        ["beta", "1", "1", "1", "3", "1"],
        ["total", "2", "2", "1", "5", "1"],
    ]
    assert "  2  wait_a_bit -> time.sleep" in lines
    assert "     (FPI110×2, 2 repos; e.g. alpha/app.py:10)" in lines
    assert "  beta/pkg/bad.py:1: SyntaxError: invalid syntax" in lines
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == ["[1/2] alpha", "[2/2] beta"]


def test_options_reach_fastapi_lint(repos):
    selected = report(*map(str, repos), "--select", "FPI110,FPI120")
    assert {code: row["count"] for code, row in selected["by_rule"].items()} == {"FPI110": 2, "FPI120": 1}
    after_dashes = report(*map(str, repos), "--", "--ignore", "FPI101")
    assert after_dashes["total"] == 3 and "FPI101" not in after_dashes["by_rule"]
    # fastapi-lint's whole-project analysis off: each file alone; same findings here.
    assert report(str(repos[0]), "--no-project")["repos"][0]["by_rule"] == {"FPI101": 1, "FPI110": 1}


def test_failing_repositories_are_reported_and_skipped(repos, tmp_path):
    bad_config = '[tool.fastapi-lint]\nselect = ["NOPE"]\n'
    broken = write(tmp_path / "broken", {"main.py": SLEEPY, "pyproject.toml": bad_config})
    crashy = write(tmp_path / "crashy", {"main.py": SLEEPY})
    # A sitecustomize that kills the interpreter the way a crash would, in `crashy` only.
    hooks = write(tmp_path / "hooks", {"sitecustomize.py": (
        "import os, sys\n"
        "if os.path.basename(os.getcwd()) == 'crashy':\n"
        "    sys.stderr.write('Traceback (most recent call last):\\nRuntimeError: boom\\n')\n"
        "    os._exit(70)\n"
    )})
    result = corpus(str(broken), str(crashy), str(tmp_path / "missing"), str(repos[0]), "--json",
                    env={"PYTHONPATH": str(hooks)})
    assert result.returncode == 1, result.stderr
    rows = {r["name"]: r for r in json.loads(result.stdout)["repos"]}
    assert (rows["broken"]["status"], rows["broken"]["returncode"]) == ("failed", 2)
    assert "unknown rule selector `NOPE`" in rows["broken"]["error"]
    assert (rows["crashy"]["status"], rows["crashy"]["returncode"]) == ("failed", 70)
    assert rows["crashy"]["error"].endswith("RuntimeError: boom")
    assert (rows["missing"]["status"], rows["missing"]["error"]) == ("failed", "not a directory")
    assert (rows["alpha"]["status"], rows["alpha"]["total"]) == ("ok", 2)  # the run went on


def read_rows(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_sample_sheet_is_stratified(repos):
    result = corpus(*map(str, repos), "--sample", "4", "--seed", "3")
    assert result.returncode == 0, result.stderr
    header, *rows = read_rows(result.stdout, "\t")
    assert header == HEADER
    assert len(rows) == 4
    # Four of the five strata (rule, repository), one finding from each.
    strata = [(row[3], row[0]) for row in rows]
    assert len(set(strata)) == 4
    assert set(strata) < {("FPI101", "alpha"), ("FPI101", "beta"), ("FPI110", "alpha"), ("FPI110", "beta"),
                          ("FPI120", "beta")}
    assert all(row[5:] == ["", ""] for row in rows)
    by_code = {(row[3], row[0]): row for row in rows}
    if ("FPI110", "alpha") in by_code:
        assert by_code[("FPI110", "alpha")][1:3] == ["app.py", "10"]
    if ("FPI120", "beta") in by_code:
        assert by_code[("FPI120", "beta")][1:3] == ["routes/slow.py", "9"]
        assert by_code[("FPI120", "beta")][4].startswith("`async def slow` is a route handler that never awaits")
    # The same seed gives the same sheet.
    assert corpus(*map(str, repos), "--sample", "4", "--seed", "3").stdout == result.stdout


def test_sample_larger_than_the_findings_takes_them_all(repos):
    result = corpus(*map(str, repos), "--sample", "50", "--csv")
    header, *rows = read_rows(result.stdout, ",")
    assert header == HEADER
    assert sorted((row[0], row[1], int(row[2]), row[3]) for row in rows) == [
        ("alpha", "app.py", 10, "FPI110"), ("alpha", "app.py", 30, "FPI101"),
        ("beta", "main.py", SLEEPY_ROW, "FPI101"), ("beta", "routes/slow.py", 9, "FPI120"),
        ("beta", "routes/wait.py", 16, "FPI110"),
    ]


def test_sample_of_two_draws_two_strata(repos):
    rows = json.loads(corpus(*map(str, repos), "--sample", "2", "--seed", "7", "--json").stdout)
    assert len(rows) == 2 and len({(row["code"], row["repo"]) for row in rows}) == 2


SHEET = [
    HEADER,
    ["a", "x.py", "1", "FPI101", "m", "true", ""],
    ["a", "x.py", "2", "FPI101", "m", "TRUE", ""],
    ["b", "x.py", "3", "FPI101", "m", "true", "sleeps, really"],
    ["b", "x.py", "4", "FPI101", "m", "false", "test code"],
    ["a", "y.py", "1", "FPI110", "m", "false", ""],
    ["a", "y.py", "2", "FPI110", "m", "", ""],
    ["a", "y.py", "3", "FPI110", "m", " ", ""],
    ["b", "z.py", "1", "FPI120", "m", "", ""],
    ["b", "z.py", "2", "FPI300", "m", "maybe", ""],
]


@pytest.mark.parametrize("suffix, delimiter", [(".tsv", "\t"), (".csv", ","), (".txt", "\t")])
def test_judged_precision(tmp_path, suffix, delimiter):
    sheet = tmp_path / f"sheet{suffix}"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(SHEET)
    result = corpus("--judged", str(sheet), "--json")
    assert result.returncode == 0, result.stderr
    judged = json.loads(result.stdout)
    rules = judged["rules"]
    assert {code: (e["true"], e["false"], e["unjudged"]) for code, e in rules.items()} == {
        "FPI101": (3, 1, 0), "FPI110": (0, 1, 2), "FPI120": (0, 0, 1), "FPI300": (0, 0, 1)}
    assert rules["FPI101"]["precision"] == 0.75
    assert rules["FPI110"]["precision"] == 0.0
    assert rules["FPI120"]["precision"] is None
    assert judged["total"]["precision"] == 0.6
    assert judged["total"]["judged"] == 5 and judged["total"]["unjudged"] == 4
    low, high = rules["FPI101"]["ci95"]  # Wilson interval for 3 of 4
    assert (round(low, 3), round(high, 3)) == (0.301, 0.954)
    assert judged["unrecognised"] == [{"line": 10, "code": "FPI300", "verdict": "maybe"}]

    text = corpus("--judged", str(sheet)).stdout.splitlines()
    assert text[2].split() == ["FPI101", "3", "1", "4", "0", "75.0%", "30.1%-95.4%"]
    assert text[6].split()[:6] == ["total", "3", "2", "5", "4", "60.0%"]


def test_judged_sheet_without_a_verdict_column(tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("repo,file,line,code\na,x.py,1,FPI101\n", encoding="utf-8")
    result = corpus("--judged", str(sheet))
    assert result.returncode == 2 and "no column verdict" in result.stderr


def load_script():
    spec = importlib.util.spec_from_file_location("corpus_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_chain_extraction_from_real_message_shapes():
    corpus_script = load_script()
    fpi110 = ("`is_wasm_extension_dir()` blocks the event loop in `async def build`: it calls "
              "`is_wasm_extension_dir -> _load_json -> Path.open`; run it in a thread "
              "(`await asyncio.to_thread(is_wasm_extension_dir, ...)`) or make the chain async "
              "(reached from lifespan `x`)")
    fpi120 = ("`async def index` is a route handler that never awaits but calls `template_renderer() -> "
              "settings.extension_builder_working_di...()`, which may block the event loop; make it a plain `def` "
              "so FastAPI runs it in the threadpool (in `GET /extensions/builder/preview`)")
    assert corpus_script.chain_of(fpi110) == "is_wasm_extension_dir -> _load_json -> Path.open"
    assert corpus_script.chain_of(fpi120) == "template_renderer -> settings.extension_builder_working_di..."
    assert corpus_script.chain_of("`open()` blocks the event loop in `async def f`; use ...") is None
    fpi300 = ("POST route `api_create_account` creates a resource (`create_user_account()`) but answers 200: "
              "add `status_code=201` (`status.HTTP_201_CREATED`)")
    assert corpus_script.normalised_message(fpi300) == (
        "POST route `…` creates a resource (`create_user_account()`) but answers 200: "
        "add `status_code=201` (`status.HTTP_201_CREATED`)")
    fpi400 = ("Route `GET /a/limits` can never run in `app:<app() line 30>`: `GET /a/{x}` (line 196) is registered "
              "earlier and matches every request for it")
    assert corpus_script.normalised_message(fpi400) == (
        "Route `ROUTE` can never run in `app:<app() line N>`: `ROUTE` (line N) is registered "
        "earlier and matches every request for it")


# --- recall: which known problems a run finds -------------------------------------------------

GAMMA = """\
import os

import requests
from fastapi import FastAPI

app = FastAPI()
NOTES = {}


def load_settings():
    with open("settings.toml") as handle:
        return handle.read()


def read_banner():
    with open("banner.txt") as handle:
        return handle.read()


@app.get("/weather")
async def weather():
    return requests.get("https://example.com/weather", timeout=5).json()


@app.get("/a")
async def a():
    return load_settings()


@app.get("/b")
async def b():
    return load_settings()


@app.get("/c")
async def c():
    return load_settings()


@app.get("/banner")
async def banner():
    return read_banner()


@app.get("/files")
async def files():
    return os.listdir(".")


@app.post("/notes")
async def create_note(text: str):
    NOTES[len(NOTES)] = text
    return {"id": len(NOTES) - 1}
"""

# gamma's known problems. `load_settings` is one FPI110 root cause (at its `open`, line 11,
# naming `a` at line 27 as its first caller): `a` is found as that first caller, `b` by its
# chain's end, `c` (neither) is missed; `os.listdir` is no FPI103 call; FPI101 at the line of
# a FPI100 finding is missed (the code counts); `delta` is not run.
KNOWN = [
    ["repo", "file", "line", "expected", "kind", "why", "end"],
    ["gamma", "app.py", "22", "FPI100", "direct", "requests.get", ""],
    ["gamma", "app.py", "27", "FPI110", "via-helper", "load_settings -> open", ""],
    ["gamma", "app.py", "32", "FPI110|FPI103", "via-helper", "load_settings -> open", "app.py:11"],
    ["gamma", "app.py", "37", "FPI110", "via-helper", "load_settings -> open", ""],
    ["gamma", "app.py", "42", "FPI110", "via-helper", "read_banner -> open", "app.py:16"],
    ["gamma", "app.py", "47", "FPI103", "direct", "os.listdir", ""],
    ["gamma", "app.py", "50", "FPI300", "status", "creates a note", ""],
    ["gamma", "app.py", "22", "FPI101", "direct", "not a sleep", ""],
    ["delta", "x.py", "1", "FPI100", "direct", "never run", ""],
]


@pytest.fixture(scope="module")
def known(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("recall")
    gamma = write(root / "gamma", {"app.py": GAMMA})
    write(root / "other", {"main.py": SLEEPY})  # named in no sheet: not run
    sheet = root / "known.tsv"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter="\t", lineterminator="\n").writerows(KNOWN)
    return gamma, sheet


def test_recall_found_and_missed(known):
    gamma, sheet = known
    result = corpus("--recall", str(sheet), str(gamma), str(gamma.parent / "other"), "--json")
    assert result.returncode == 0, result.stderr
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == ["[1/1] gamma"]
    recalled = json.loads(result.stdout)
    how = [(row["line"], row["expected"], row["how"]) for row in recalled["problems"]]
    assert how == [
        ("22", "FPI100", "at"), ("27", "FPI110", "first caller"), ("32", "FPI110|FPI103", "chain end"),
        ("37", "FPI110", ""), ("42", "FPI110", "at"), ("47", "FPI103", ""), ("50", "FPI300", "at"),
        ("22", "FPI101", ""),
    ]
    assert recalled["problems"][2]["by"] == "FPI110 gamma/app.py:11"
    assert [(row["repo"], row["line_in_sheet"]) for row in recalled["not_run"]] == [("delta", 10)]
    total = recalled["total"]
    assert (total["found"], total["known"], total["recall"]) == (5, 8, 0.625)
    assert total["ci95"] == [0.3057, 0.8632]  # Wilson, 5 of 8
    assert {kind: (e["found"], e["known"]) for kind, e in recalled["kinds"].items()} == {
        "direct": (1, 3), "status": (1, 1), "via-helper": (3, 4)}
    assert recalled["codes"]["FPI110"] == {"found": 2, "known": 3, "recall": 0.6667, "ci95": [0.2077, 0.9385]}
    assert recalled["repos"] == {"gamma": total}

    text = corpus("--recall", str(sheet), str(gamma)).stdout.splitlines()
    assert text[0].startswith(f"Recall on the known problems of {sheet}: 5 of 8 found, 62.5% (95% CI 30.6%-86.3%)")
    assert "  gamma/app.py:47  FPI103  direct: os.listdir" in text
    assert "  gamma/app.py:32  FPI110|FPI103: chain end, FPI110 gamma/app.py:11" in text
    assert text[-1] == "  delta/x.py:1"


def test_recall_reuses_a_json_report(known, tmp_path):
    gamma, sheet = known
    saved = corpus("--json", str(gamma))
    assert saved.returncode == 0, saved.stderr
    report_file = tmp_path / "report.json"
    report_file.write_text(saved.stdout, encoding="utf-8")
    reused = corpus("--recall", str(sheet), "--findings", str(report_file), "--json")
    assert reused.returncode == 0, reused.stderr
    assert reused.stderr == ""  # nothing was run
    direct = json.loads(corpus("--recall", str(sheet), str(gamma), "--json").stdout)
    assert json.loads(reused.stdout) == direct


def test_recall_arguments(known, tmp_path):
    gamma, sheet = known
    assert corpus("--recall", str(sheet), str(tmp_path)).returncode == 2  # no repository of the sheet
    assert corpus("--recall", str(sheet), "--findings", str(sheet)).returncode == 2  # not a report
    assert corpus("--findings", str(sheet), str(gamma)).returncode == 2
    no_expected = tmp_path / "bad.tsv"
    no_expected.write_text("repo\tfile\tline\ngamma\tapp.py\t1\n", encoding="utf-8")
    result = corpus("--recall", str(no_expected), str(gamma))
    assert result.returncode == 2 and "no column expected" in result.stderr
