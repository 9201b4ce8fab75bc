"""The whole-project analysis from the command line: pre-commit's file lists, the summary
cache, `--verbose`, `--no-project`, stdin, `fastapi-lint routes`, and flake8."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import SLEEPY, SLEEPY_COL, SLEEPY_ROW, run, run_json, write
from fastapi_lint.project.cache import CACHE_DIRECTORY
from fastapi_lint.project.results import FLAKE8_RESULTS_FILE, RESULTS_FILE, ResultCache
from project_harness import PROJECTS_DIRECTORY
from test_flake8_plugin import FORMAT as FLAKE8_FORMAT
from test_flake8_plugin import command_found, flake8, flake8_found


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A copy of the `shop` fixture project (the cache is written into it)."""
    copy = tmp_path / "shop"
    shutil.copytree(PROJECTS_DIRECTORY / "shop", copy, ignore=shutil.ignore_patterns(CACHE_DIRECTORY, "__pycache__"))
    return copy


def _found(diagnostics: list[dict], root: Path) -> list[tuple[str, int, str]]:
    return sorted(
        (Path(d["filename"]).resolve().relative_to(root.resolve()).as_posix(), d["location"]["row"], d["code"])
        for d in diagnostics
    )


def test_given_one_file_the_rest_of_the_project_is_still_used(shop: Path) -> None:
    # As pre-commit does: only the changed file is named. The router including it (main.py)
    # and the route shadowing it are in other files.
    found = _found(run_json("shop/api/items.py", cwd=shop), shop)
    assert found == [
        ("shop/api/items.py", 11, "FPI400"), ("shop/api/items.py", 24, "FPI110"),
        ("shop/api/items.py", 32, "FPI100"),
    ]
    message = next(d["message"] for d in run_json("shop/api/items.py", cwd=shop) if d["code"] == "FPI400")
    assert message == (
        "Route `GET /items/special` can never run: `GET /items/{item_id}` (shop/main.py:11) is registered "
        "before `app.include_router(items_router)` (shop/main.py:16) adds this route, and matches every "
        "request for it"
    )


def test_no_project_checks_each_file_on_its_own(shop: Path) -> None:
    whole = _found(run_json(".", cwd=shop), shop)
    alone = _found(run_json("--no-project", ".", cwd=shop), shop)
    assert ("shop/api/items.py", 11, "FPI400") in whole and ("shop/api/items.py", 11, "FPI400") not in alone
    # Alone, `price_for` is another module's function of unknown cost: evidence for FPI120
    # when the user selects it and counts such calls; the whole project knows it does no I/O.
    with (shop / "pyproject.toml").open("a") as config:
        config.write("\n[tool.fastapi-lint.async-route-never-awaits]\nunknown-calls-are-evidence = true\n")
    whole = _found(run_json("--extend-select", "FPI120", ".", cwd=shop), shop)
    alone = _found(run_json("--extend-select", "FPI120", "--no-project", ".", cwd=shop), shop)
    assert ("shop/api/items.py", 17, "FPI120") in alone and ("shop/api/items.py", 17, "FPI120") not in whole


def _summaries_line(stderr: str) -> str:
    return next(line for line in stderr.splitlines() if "summaries:" in line)


def test_the_cache_spares_unchanged_files_and_notices_changes(shop: Path) -> None:
    first = run("-v", ".", cwd=shop)
    assert "summaries: 0 cached, 0 re-hashed, 18 computed" in _summaries_line(first.stderr)
    assert (shop / CACHE_DIRECTORY / ".gitignore").read_text().splitlines()[-1] == "*"
    second = run("-v", ".", cwd=shop)
    # Nothing changed: every file's result holds, and the model is not even built.
    assert "unchanged since the last run" in second.stderr and "summaries:" not in second.stderr
    assert second.stdout == first.stdout
    # Built again (the results forgotten), it is made of the cached summaries.
    (shop / CACHE_DIRECTORY / RESULTS_FILE).unlink()
    second = run("-v", ".", cwd=shop)
    assert "summaries: 18 cached, 0 re-hashed, 0 computed" in _summaries_line(second.stderr)
    assert second.stdout == first.stdout
    # Touched but unchanged: read and hashed, not parsed again.
    main = shop / "shop/main.py"
    os.utime(main, ns=(main.stat().st_atime_ns, main.stat().st_mtime_ns + 10**9))
    third = run("-v", ".", cwd=shop)
    assert "summaries: 17 cached, 1 re-hashed, 0 computed" in _summaries_line(third.stderr)
    # Changed: the app route now comes after the include, and the finding goes away.
    text = main.read_text()
    route = '@app.get("/items/{item_id}")\nasync def read_item(item_id: str):\n    return "read_item"\n'
    main.write_text(text.replace(route, "").replace("app.include_router(items_router)\n",
                                                    "app.include_router(items_router)\n\n\n" + route))
    fourth = run("-v", ".", cwd=shop)
    assert "summaries: 17 cached, 0 re-hashed, 1 computed" in _summaries_line(fourth.stderr)
    assert "items.py:11:1: FPI400" in first.stdout and "items.py:11:1: FPI400" not in fourth.stdout
    # The cache is never linted, and --no-cache neither reads nor writes it.
    assert CACHE_DIRECTORY not in run("--show-files", cwd=shop).stdout
    shutil.rmtree(shop / CACHE_DIRECTORY)
    assert "0 cached" in _summaries_line(run("-v", "--no-cache", ".", cwd=shop).stderr)
    assert not (shop / CACHE_DIRECTORY).exists()


def test_a_corrupt_or_foreign_cache_is_ignored(shop: Path) -> None:
    (shop / CACHE_DIRECTORY).mkdir()
    (shop / CACHE_DIRECTORY / "summaries.json").write_text("{not json")
    result = run("-v", ".", cwd=shop)
    assert "0 cached, 0 re-hashed, 18 computed" in _summaries_line(result.stderr)
    (shop / CACHE_DIRECTORY / "summaries.json").write_text(json.dumps({"version": "other", "files": {}}))
    (shop / CACHE_DIRECTORY / RESULTS_FILE).unlink()  # else the unchanged tree needs no model
    assert "18 computed" in _summaries_line(run("-v", ".", cwd=shop).stderr)


def test_verbose_says_what_was_not_resolved() -> None:
    root = PROJECTS_DIRECTORY / "srclayout"
    result = run("-v", "--no-cache", ".", cwd=root)
    unresolved = [line for line in result.stderr.splitlines() if "not resolved:" in line]
    assert unresolved == [
        "fastapi-lint: not resolved: src/acme/app.py:27: `app.include_router(make_router('/status'))`: "
        "the router is built by a call (a factory): not resolved",
        "fastapi-lint: not resolved: src/acme/app.py:30: `app.include_router(extra)`: the router is a loop "
        "variable or computed value: not resolved",
        "fastapi-lint: not resolved: src/acme/schemas.py:1: `from acme.base import *`: the names it brings "
        "are not resolved",
    ]


def test_stdin_is_checked_on_its_own(shop: Path) -> None:
    source = (shop / "shop/api/items.py").read_text()
    result = run("--stdin-filename", "shop/api/items.py", "--output-format", "json", cwd=shop, input=source)
    assert "FPI400" not in {d["code"] for d in json.loads(result.stdout)}


def test_routes_lists_each_application_in_registration_order_with_shadowing(shop: Path) -> None:
    result = run("routes", cwd=shop)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "shop.main:app (shop/main.py:7)"
    rows = [line.split() for line in lines[1:] if line.strip()]
    assert [row[1] for row in rows] == [
        "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/items/{item_id}", "/items/special",
        "/items/{item_id}/price", "/items/{item_id}/live-price", "/items/{item_id}/history", "/v1/orders/latest",
        "/v1/orders/{order_id}",
        "/v1/orders/", "/admin/reports/{name}", "/admin/reports/summary", "/admin/reports/send",
        "/admin/reports/{name}/export", "/v1/orders/{order_id}/invoice",
    ]
    special = next(line for line in lines if " /items/special " in line)
    assert special.split() == [
        "GET", "/items/special", "shop.api.items.read_special_items", "shop/api/items.py:11",
        "SHADOWED", "by", "GET", "/items/{item_id}", "(shop/main.py:11)",
    ]
    assert sum("SHADOWED" in line for line in lines) == 2
    data = json.loads(run("routes", "--output-format", "json", cwd=shop).stdout)
    (app,) = data
    special_row = next(r for r in app["routes"] if r["path"] == "/items/special")
    assert special_row["shadowed_by"] == [
        {"route": "GET /items/{item_id}", "file": "shop/main.py", "line": 11, "handler": "shop.main.read_item"}
    ]
    assert special_row["example"] == "/items/special"
    # A directory holding no application: nothing to show.
    assert run("routes", "shop/services", cwd=shop).stdout == "No FastAPI application found.\n"
    assert run("routes", "missing", cwd=shop).returncode == 2


def test_flake8_reports_what_the_command_reports_on_a_project(shop: Path) -> None:
    # flake8 runs with `--select FPI` (`flake8()`), which turns on every FPI rule, the ones
    # outside the default selection too: as `--select FPI` does for the command.
    expected = command_found("--isolated", "--select", "FPI", ".", cwd=shop)
    assert {code for *_, code in expected} >= {"FPI110", "FPI200", "FPI304", "FPI400"}
    assert flake8_found("--extend-select", "FPI200", ".", cwd=shop) == expected
    # One file named, as pre-commit does: the project is still built around it.
    one = {f for f in expected if f[0].endswith("items.py")}
    assert flake8_found("shop/api/items.py", cwd=shop) == one


def test_flake8_workers_build_a_large_project_without_a_cache(tmp_path: Path) -> None:
    # flake8's worker processes are daemons, which may not start processes of their own:
    # summarising a project of 100+ files there must not try to.
    files = {f"pkg/m{i}.py": f"def helper_{i}():\n    return {i}\n" for i in range(110)}
    files["pkg/__init__.py"] = ""
    files["pkg/main.py"] = SLEEPY
    files["pyproject.toml"] = ""
    write(tmp_path, files)
    result = flake8("--jobs", "2", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert [line.split("|")[3] for line in result.stdout.splitlines()] == ["FPI101"]


# flake8 in one process (`--jobs=1`), printing on stderr the files the plugin checked (its
# results cache answers for the others).
COUNTING_FLAKE8 = """
import sys
import fastapi_lint.flake8_plugin as plugin
checked = []
real = plugin.check_tree
plugin.check_tree = lambda tree, source, name, *a, **k: checked.append(name) or real(tree, source, name, *a, **k)
from flake8.main.cli import main
try:
    main(sys.argv[1:])
finally:
    print("checked", sorted(checked), file=sys.stderr)
"""


def counting_flake8(shop: Path) -> tuple[set, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", COUNTING_FLAKE8, "--isolated", "--select", "E9,FPI", "--jobs=1",
         f"--format={FLAKE8_FORMAT}", "."],
        cwd=shop, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    found = set()
    for line in result.stdout.splitlines():
        path, row, col, code, _ = line.split("|", 4)
        found.add((str((shop / path).resolve()), int(row), int(col), code))
    checked = ast.literal_eval(result.stderr.strip().splitlines()[-1].removeprefix("checked "))
    return found, [name.removeprefix("./") for name in checked]


def test_a_warm_flake8_run_checks_no_unchanged_file(shop: Path) -> None:
    expected = command_found("--isolated", "--select", "FPI", ".", cwd=shop)
    assert ("shop/api/items.py", 11, "FPI400") in {(Path(p).relative_to(shop).as_posix(), r, c) for p, r, _, c in expected}
    shutil.rmtree(shop / CACHE_DIRECTORY)
    # Cold, in flake8's worker processes: each saves the results of the files it checked
    # into the plugin's results file, merged with the other's.
    assert flake8_found("--select", "E9,FPI", "--jobs", "2", ".", cwd=shop) == expected
    assert (shop / CACHE_DIRECTORY / FLAKE8_RESULTS_FILE).exists()
    assert not (shop / CACHE_DIRECTORY / RESULTS_FILE).exists()  # the command's is its own
    files = sorted(p.relative_to(shop).as_posix() for p in shop.rglob("*.py") if CACHE_DIRECTORY not in p.parts)
    assert sorted(ResultCache(shop, name=FLAKE8_RESULTS_FILE).load().entries) == files
    # Warm: the same findings, and no file checked again.
    assert counting_flake8(shop) == (expected, [])
    # A comment added: that file only is checked again (its summary, so the project, is the same).
    pricing = shop / "shop/services/pricing.py"
    pricing.write_text(pricing.read_text() + "# a comment\n")
    assert counting_flake8(shop) == (expected, ["shop/services/pricing.py"])
    # The shadowing route moved below the include: the project changed, and the files
    # whose findings read what changed are checked again (FPI400 is gone from items.py).
    main = shop / "shop/main.py"
    text = main.read_text()
    route = '@app.get("/items/{item_id}")\nasync def read_item(item_id: str):\n    return "read_item"\n'
    assert route in text
    main.write_text(text.replace(route, "").replace("app.include_router(items_router)\n",
                                                    "app.include_router(items_router)\n\n\n" + route))
    expected = command_found("--isolated", "--select", "FPI", ".", cwd=shop)
    assert "FPI400" not in {code for p, _, _, code in expected if p.endswith("items.py")}
    found, checked = counting_flake8(shop)
    assert found == expected
    assert "shop/main.py" in checked and "shop/api/items.py" in checked and len(checked) < len(files)
    assert counting_flake8(shop) == (expected, [])


def test_flake8_reads_what_it_was_given_not_the_file_for_stdin(shop: Path) -> None:
    # `--stdin-display-name`: the text is not the file's, and must not take its cached result.
    assert flake8_found("--select", "E9,FPI", "shop/services/pricing.py", cwd=shop) == set()
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "E9,FPI", f"--format={FLAKE8_FORMAT}",
         "--stdin-display-name", "shop/services/pricing.py", "-"],
        cwd=shop, input=SLEEPY, capture_output=True, text=True, timeout=120,
    )
    assert [line.split("|")[3] for line in result.stdout.splitlines()] == ["FPI101"], result.stdout + result.stderr


def test_a_warm_flake8_run_checks_no_unchanged_file_outside_the_project(shop: Path) -> None:
    # flake8 checks `venv/` (fastapi-lint excludes it, so it is no file of the project):
    # checked on its own, its result is kept like the project's files' results.
    write(shop, {"venv/tool.py": SLEEPY})
    found, checked = counting_flake8(shop)
    assert "venv/tool.py" in checked
    assert (str((shop / "venv/tool.py").resolve()), SLEEPY_ROW, SLEEPY_COL, "FPI101") in found
    assert counting_flake8(shop) == (found, [])
