"""The async rules skip test code by default (`async-scope = "application"`).

A blocking call in an `async def` test, an async pytest fixture or a `conftest.py` hook
stalls only the test's own loop: reported with `async-scope = "all"`, silent by default.
The project's application code, and the non-async rules in test files, are unaffected.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import SLEEPY, run, run_json, write
from fastapi_lint.test_code import is_test_file

# Real-looking pytest code: an async test calling the app's sync client and sleeping, an
# async fixture reading a file. None of it runs inside the served application.
ASYNC_TEST = """\
import time

import pytest
import requests


@pytest.fixture
async def seeded():
    with open("seed.json") as f:
        return f.read()


async def test_index(seeded):
    time.sleep(0.1)
    assert requests.get("http://localhost:8000/").status_code == 200
"""

CONFTEST = """\
import subprocess

import pytest


@pytest.fixture(scope="session")
async def server():
    subprocess.run(["uvicorn", "app.main:app"], check=False)
"""

# A shadowed route in a test module's own app is a real finding about that app.
TEST_APP_WITH_SHADOWED_ROUTE = """\
from fastapi import FastAPI

app = FastAPI()


@app.get("/items/{item_id}")
def read_item(item_id: str):
    return {"id": item_id}


@app.get("/items/special")
def read_special():
    return {"special": True}


def test_special():
    pass
"""


def project(tmp_path: Path, config: str = "") -> Path:
    return write(tmp_path, {
        "pyproject.toml": config,
        "app/__init__.py": "",
        "app/main.py": SLEEPY,
        "tests/__init__.py": "",
        "tests/test_api.py": ASYNC_TEST,
        "tests/conftest.py": CONFTEST,
        "integration_test.py": ASYNC_TEST,
        "test_routes.py": TEST_APP_WITH_SHADOWED_ROUTE,
    })


def found(*args: str, cwd: Path) -> set[tuple[str, str]]:
    return {(Path(d["filename"]).relative_to(cwd).as_posix(), d["code"]) for d in run_json(*args, cwd=cwd)}


@pytest.mark.parametrize(
    "path, is_test",
    [
        ("tests/test_api.py", True),
        ("tests/helpers.py", True),  # everything under a tests/ tree
        ("test/unit/client.py", True),
        ("app/conftest.py", True),
        ("app/test_models.py", True),
        ("app/models_test.py", True),
        ("app/main.py", False),
        ("app/testing.py", False),  # not a pytest name
        ("app/latest.py", False),
        ("app/contest.py", False),
        ("app/tests_support/db.py", False),
        ("app/test_data.json", False),
    ],
)
def test_test_files_follow_pytest_conventions(tmp_path: Path, path: str, is_test: bool) -> None:
    assert is_test_file(str(tmp_path / path), tmp_path) is is_test


def test_a_project_that_lives_under_a_tests_directory_is_not_all_test_code(tmp_path: Path) -> None:
    root = tmp_path / "tests" / "checkout"
    assert not is_test_file(str(root / "app" / "main.py"), root)
    assert is_test_file(str(root / "app" / "main.py"))  # without a root, the whole path decides


def test_by_default_only_the_application_is_reported_for_async_rules(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert found(cwd=root) == {("app/main.py", "FPI101"), ("test_routes.py", "FPI400")}


def test_async_scope_all_reports_test_code_too(tmp_path: Path) -> None:
    root = project(tmp_path)
    everything = found("--async-scope", "all", cwd=root)
    assert {
        ("app/main.py", "FPI101"),
        ("tests/test_api.py", "FPI101"),
        ("tests/test_api.py", "FPI100"),
        ("tests/test_api.py", "FPI103"),
        ("tests/conftest.py", "FPI102"),
        ("integration_test.py", "FPI101"),
        ("test_routes.py", "FPI400"),
    } <= everything
    # The same from the configuration file, at top level or under `lint`.
    for config in ('[tool.fastapi-lint]\nasync-scope = "all"\n', '[tool.fastapi-lint.lint]\nasync-scope = "all"\n'):
        (root / "pyproject.toml").write_text(config)
        assert found(cwd=root) == everything
    # The command line wins over the file.
    assert found("--async-scope", "application", cwd=root) == {("app/main.py", "FPI101"), ("test_routes.py", "FPI400")}


# A test of telemetry builds a route whose handler ignores `{item_id}` on purpose (as
# FastAPI's own tests/test_telemetry does): the path-parameter rules leave test code alone.
ROUTE_IN_A_TEST = """\
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient


def test_span_names_the_route_template():
    router = APIRouter()

    def endpoint():
        return "ok"

    router.add_api_route("/items/{item_id}", endpoint)
    app = FastAPI()
    app.include_router(router)
    assert TestClient(app).get("/items/3").status_code == 200
"""


def test_path_parameter_rules_skip_test_code_unless_async_scope_is_all(tmp_path: Path) -> None:
    write(tmp_path, {"tests/test_telemetry.py": ROUTE_IN_A_TEST, "app/main.py": ROUTE_IN_A_TEST.replace("def test_", "def build_")})
    assert found("--select", "FPI41", cwd=tmp_path) == {("app/main.py", "FPI410")}
    assert found("--select", "FPI41", "--async-scope", "all", cwd=tmp_path) == {
        ("app/main.py", "FPI410"), ("tests/test_telemetry.py", "FPI410"),
    }


# FastAPI's tests/test_stringified_annotation_dependency.py: a test's yield dependency
# closes its dummy client without `finally`; the application lives for one test.
YIELD_DEPENDENCY_IN_A_TEST = """\
from fastapi import Depends, FastAPI


class DummyClient:
    async def close(self) -> None:
        pass


async def get_client():
    client = DummyClient()
    yield client
    await client.close()


app = FastAPI()


@app.get("/")
async def get_people(client: DummyClient = Depends(get_client)):
    return []
"""


def test_yield_dependency_rule_skips_test_code_unless_async_scope_is_all(tmp_path: Path) -> None:
    write(tmp_path, {"tests/test_dependency.py": YIELD_DEPENDENCY_IN_A_TEST, "app/main.py": YIELD_DEPENDENCY_IN_A_TEST})
    assert found("--select", "FPI601", cwd=tmp_path) == {("app/main.py", "FPI601")}
    assert found("--select", "FPI601", "--async-scope", "all", cwd=tmp_path) == {
        ("app/main.py", "FPI601"), ("tests/test_dependency.py", "FPI601"),
    }


def test_a_test_file_named_on_its_own_is_still_test_code(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = run("tests/test_api.py", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_bad_async_scope_is_a_configuration_error(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.fastapi-lint]\nasync-scope = "tests"\n')
    result = run(cwd=root)
    assert result.returncode == 2
    assert "async-scope" in result.stderr and '"application", "all"' in result.stderr
    assert "Traceback" not in result.stderr
    bad_flag = run("--async-scope", "served", cwd=project(tmp_path / "other"))
    assert bad_flag.returncode == 2 and "Traceback" not in bad_flag.stderr


def test_flake8_skips_test_code_too_and_takes_the_same_option(tmp_path: Path) -> None:
    root = project(tmp_path)

    def flake8(*args: str) -> set[tuple[str, str]]:
        result = subprocess.run(
            [sys.executable, "-m", "flake8", "--select", "FPI", "--format=%(path)s|%(code)s", *args, "."],
            cwd=root, capture_output=True, text=True, timeout=300,
        )
        assert result.returncode in (0, 1), result.stdout + result.stderr
        return {(Path(p).as_posix().removeprefix("./"), code) for p, code in (l.split("|") for l in result.stdout.splitlines())}

    # `--select FPI` enables the rules outside the default selection too (FPI501 reports the
    # tests' `requests.get` at the widest scope): select the same on both sides.
    assert flake8() == found("--select", "FPI", cwd=root)
    assert flake8("--fastapi-lint-async-scope", "all") == found("--select", "FPI", "--async-scope", "all", cwd=root)
