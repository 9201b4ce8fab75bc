"""FPI401: what a whole-project run reports, what it leaves alone, and the runtime claim."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings
from project_harness import actual
from test_fix_runtime import load

PYPROJECT = '[project]\nname = "p"\nversion = "0"\n\n[tool.fastapi-lint]\nselect = ["FPI401"]\n'

USERS = '''
from fastapi import APIRouter

router = APIRouter(prefix="/users")


@router.get("/{user_id}")
def read_user(user_id: int):
    return {"user_id": user_id}
'''


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "app" / "__init__.py").write_text("")
    for name, text in files.items():
        (root / "app" / name).write_text(text)
    return root


MAIN_WITHOUT_INCLUDE = "from fastapi import FastAPI\n\napp = FastAPI()\n"


def test_a_router_no_module_includes_is_reported(tmp_path: Path) -> None:
    root = project(tmp_path, {"users.py": USERS, "main.py": MAIN_WITHOUT_INCLUDE})
    assert actual(root) == [("app/users.py", 4, "FPI401")]


@pytest.mark.parametrize(
    "main",
    [
        # Included under any spelling the model follows.
        "from fastapi import FastAPI\nfrom . import users\n\napp = FastAPI()\napp.include_router(users.router)\n",
        "from fastapi import FastAPI\nfrom .users import router as users_router\n\napp = FastAPI()\n"
        "app.include_router(users_router, prefix='/v1')\n",
        # Included in ways the model cannot follow: the rule stays silent.
        "from fastapi import FastAPI\nfrom . import users\n\napp = FastAPI()\n"
        "for r in [users.router]:\n    app.include_router(r)\n",
        "from fastapi import FastAPI\nfrom . import users\n\napp = FastAPI()\n"
        "app.include_router(getattr(users, 'router'))\n",
        "from fastapi import FastAPI\nfrom . import users\n\napp = FastAPI()\napp.router.include_router(users.router)\n",
        "from fastapi import FastAPI\nfrom . import users\n\napp = FastAPI()\napp.routes.extend(users.router.routes)\n",
        "from fastapi import FastAPI\nfrom .users import router\n\napp = FastAPI()\nROUTERS = [router]\n",
    ],
    ids=["attribute", "imported-name", "loop", "getattr", "app-router", "routes-extend", "imported-into-list"],
)
def test_included_or_possibly_included_routers_are_not_reported(tmp_path: Path, main: str) -> None:
    root = project(tmp_path, {"users.py": USERS, "main.py": main})
    assert actual(root) == []


def test_a_library_without_an_application_is_not_reported(tmp_path: Path) -> None:
    root = project(tmp_path, {"users.py": USERS})
    assert actual(root) == []


def test_a_router_passed_to_a_function_in_its_own_module_is_not_reported(tmp_path: Path) -> None:
    root = project(tmp_path, {"users.py": USERS + "\n\ndef register(app):\n    app.include_router(router)\n",
                              "main.py": MAIN_WITHOUT_INCLUDE})
    assert actual(root) == []
    root = project(tmp_path / "b", {"users.py": USERS + "\nROUTERS = [router]\n", "main.py": MAIN_WITHOUT_INCLUDE})
    assert actual(root) == []


def test_a_lone_file_is_never_reported() -> None:
    source = "from fastapi import FastAPI\n" + USERS + "\napp = FastAPI()\n"
    assert check_source(source, "app.py", Settings(select=["FPI401"])).diagnostics == []


SERVED = '''
from fastapi import APIRouter, FastAPI

app = FastAPI()
users = APIRouter(prefix="/users")
items = APIRouter(prefix="/items")


@users.get("/{user_id}")
def read_user(user_id: int):
    return {"user_id": user_id}


@items.get("/{item_id}")
def read_item(item_id: int):
    return {"item_id": item_id}


app.include_router(items)
'''


def test_routes_of_a_router_never_included_answer_404_and_are_not_documented(tmp_path: Path) -> None:
    module = load(tmp_path, SERVED)
    client = TestClient(module.app)
    assert client.get("/items/1").json() == {"item_id": 1}
    assert client.get("/users/1").status_code == 404
    assert set(client.get("/openapi.json").json()["paths"]) == {"/items/{item_id}"}
    # The handler itself still works when called directly (unit tests pass).
    assert module.read_user(1) == {"user_id": 1}
    root = project(tmp_path, {"main.py": SERVED})
    assert actual(root) == [("app/main.py", 5, "FPI401")]
