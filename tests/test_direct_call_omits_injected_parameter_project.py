"""FPI305 across modules: a call of a function imported from another module of the project
is judged by that module's summary, and the result cache follows edits of the callee."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import run, write

DEPS_WITH_DB = '''\
from fastapi import Depends


def get_db():
    return {"alice": "Alice"}


def get_user(name: str, db: dict = Depends(get_db)):
    return db[name]
'''
DEPS_WITHOUT_DB = '''\
def get_db():
    return {"alice": "Alice"}


def get_user(name: str, db: dict | None = None):
    return (db or get_db())[name]
'''
MAIN = '''\
from fastapi import FastAPI

from app.deps import get_user

app = FastAPI()


@app.get("/greet/{name}")
def greet(name: str):
    return {"hello": get_user(name)}
'''


def _run(root: Path, *args: str) -> tuple[int, str]:
    result = run("--select", "FPI305", *args, ".", cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout


def test_an_imported_function_is_judged_by_its_own_module_and_cached_results_follow_it(tmp_path: Path) -> None:
    root = write(tmp_path / "proj", {
        "pyproject.toml": "[project]\nname = 'proj'\n",
        "app/__init__.py": "",
        "app/deps.py": DEPS_WITH_DB,
        "app/main.py": MAIN,
    })
    code, output = _run(root)
    assert code == 1 and "app/main.py:10:22: FPI305 `get_user()` is called directly without `db`" in output
    assert _run(root) == _run(root, "--no-cache") == (code, output)
    # The callee no longer declares a FastAPI default: the unchanged caller is silent.
    write(root, {"app/deps.py": DEPS_WITHOUT_DB})
    assert _run(root) == _run(root, "--no-cache")
    assert "FPI305" not in _run(root)[1]
    # One file alone knows nothing of the other module: nothing to say.
    write(root, {"app/deps.py": DEPS_WITH_DB})
    assert "FPI305" in _run(root)[1]
    assert "FPI305" not in run("--select", "FPI305", "--no-project", "app/main.py", cwd=root).stdout
