"""Fixes that depend on other modules of the project, run as a user runs them
(`fastapi-lint --fix --unsafe-fixes .` in the project), and the fixed code run for real.

- FPI200 on a model whose base class is in another module: the `Field` written is the one
  of the base's library (`pydantic.v1`, SQLModel, Pydantic), found through the project.
- FPI120 on a handler another module awaits: no `async def` -> `def`.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def write_project(root: Path, files: dict[str, str]) -> None:
    (root / "pyproject.toml").write_text("")
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def fastapi_lint(root: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fastapi_lint", *arguments, "."], cwd=root, capture_output=True, text=True
    )


def run_python(root: Path, code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# ---------------------------------------------------------------------- FPI200

LEGACY = """\
    from app.models.v1base import V1Base


    class Old(V1Base):
        names: list = []
"""
CHECK_OLD = (
    "from app.legacy import Old; a, b = Old(), Old(); a.names.append(1); "
    "print(type(Old().names).__name__, b.names)"
)


@pytest.mark.parametrize(
    ("base_module", "field_import"),
    [
        ("import pydantic.v1\n\n\nclass V1Base(pydantic.v1.BaseModel):\n    pass\n", "from pydantic.v1 import Field"),
        ("from pydantic.v1 import BaseModel\n\n\nclass Mid(BaseModel):\n    pass\n\n\nclass V1Base(Mid):\n    pass\n",
         "from pydantic.v1 import Field"),
        ("from pydantic import BaseModel\n\n\nclass V1Base(BaseModel):\n    pass\n", "from pydantic import Field"),
    ],
    ids=["v1", "v1-two-levels", "v2"],
)
def test_fpi200_writes_the_field_of_the_base_class_library_found_in_another_module(
    tmp_path: Path, base_module: str, field_import: str
) -> None:
    write_project(tmp_path, {
        "app/__init__.py": "", "app/models/__init__.py": "", "app/models/v1base.py": base_module,
        "app/legacy.py": LEGACY,
    })
    done = fastapi_lint(tmp_path, "--select", "FPI200", "--fix", "--unsafe-fixes")
    assert "1 fixed" in done.stdout, done.stdout + done.stderr
    fixed = (tmp_path / "app/legacy.py").read_text()
    assert field_import + "\n" in fixed
    assert "names: list = Field(default_factory=list)" in fixed
    # The fixed model works: a new empty list per instance, not a `FieldInfo`.
    assert run_python(tmp_path, CHECK_OLD) == "list []"


def test_fpi200_offers_no_fix_when_the_bases_come_from_two_libraries(tmp_path: Path) -> None:
    write_project(tmp_path, {
        "app/__init__.py": "",
        "app/base.py": """\
            from pydantic.v1 import BaseModel


            class V1Base(BaseModel):
                pass


            class Both(V1Base):
                pass
        """,
        "app/legacy.py": """\
            from pydantic import BaseModel

            from app.base import Both


            class Mixed(Both, BaseModel):  # two libraries: no `Field` is right for both
                names: list = []
        """,
    })
    before = (tmp_path / "app/legacy.py").read_text()
    done = fastapi_lint(tmp_path, "--select", "FPI200", "--fix", "--unsafe-fixes")
    assert "FPI200" in done.stdout and "fixed" not in done.stdout, done.stdout
    assert (tmp_path / "app/legacy.py").read_text() == before


# ---------------------------------------------------------------------- FPI120

ROUTES = """\
    import time

    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/slow")
    async def slow():
        time.sleep(0)
        return {"slow": True}
"""


@pytest.mark.parametrize(
    ("other", "fixed"),
    [
        ("from pkg.routes import slow\n\n\nasync def warm():\n    return await slow()\n", False),
        ("import asyncio\n\nfrom pkg import routes\n\n\nasync def warm():\n    asyncio.create_task(routes.slow())\n",
         False),
        ("from pkg.routes import *\n", False),
        # Awaited through the imported module: recorded apart from the calls it costs.
        ("from pkg import routes\n\n\nasync def warm():\n    return await routes.slow()\n", False),
        # Only registrations: FastAPI is the only caller.
        ("from fastapi import APIRouter\n\nfrom pkg.routes import slow\n\nrouter = APIRouter()\n"
         "router.add_api_route('/again', slow)\n", True),
        ("from fastapi import Depends, FastAPI\n\nfrom pkg.routes import slow\n\napi = FastAPI()\n\n\n"
         "@api.get('/uses')\ndef uses(value=Depends(slow)):\n    return value\n", True),
        # Importing the module for its router says nothing about `slow`.
        ("from fastapi import FastAPI\n\nfrom pkg import routes\n\nmain = FastAPI()\n"
         "main.include_router(routes.app.router)\n", True),
    ],
    ids=["imported-and-awaited", "task-through-module", "star-import", "awaited-through-module", "add-api-route", "depends", "module-import"],
)
def test_fpi120_fix_looks_at_what_other_modules_do_with_the_function(tmp_path: Path, other: str, fixed: bool) -> None:
    write_project(tmp_path, {"pkg/__init__.py": "", "pkg/routes.py": ROUTES, "pkg/other.py": other})
    reported = fastapi_lint(tmp_path, "--select", "FPI120")
    assert "pkg/routes.py:9:1: FPI120" in reported.stdout, reported.stdout + reported.stderr
    done = fastapi_lint(tmp_path, "--select", "FPI120", "--diff", "--unsafe-fixes")
    assert ("+def slow():" in done.stdout) is fixed, done.stdout + done.stderr


def test_fpi120_without_the_project_judges_the_module_alone(tmp_path: Path) -> None:
    write_project(tmp_path, {
        "pkg/__init__.py": "", "pkg/routes.py": ROUTES,
        "pkg/other.py": "from pkg.routes import slow\n\n\nasync def warm():\n    return await slow()\n",
    })
    done = fastapi_lint(tmp_path, "--select", "FPI120", "--diff", "--unsafe-fixes", "--no-project")
    assert "+def slow():" in done.stdout, done.stdout + done.stderr


def test_fpi120_the_refused_fix_would_have_broken_the_awaiting_module(tmp_path: Path) -> None:
    # What the reviewer saw: with `async` removed, `await slow()` awaits a dict.
    fixed_routes = ROUTES.replace("async def slow", "def slow")
    write_project(tmp_path, {
        "pkg/__init__.py": "", "pkg/routes.py": fixed_routes,
        "pkg/other.py": "from pkg.routes import slow\n\n\nasync def warm():\n    return await slow()\n",
    })
    code = (
        "import asyncio\nfrom pkg.other import warm\n"
        "try:\n    asyncio.run(warm())\nexcept TypeError as error:\n    print('TypeError', error)\n"
    )
    assert run_python(tmp_path, code).startswith("TypeError")
