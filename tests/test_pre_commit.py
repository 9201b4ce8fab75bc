"""The pre-commit hook for real: pre-commit (from the test environment) installs this checkout
from its `.pre-commit-hooks.yaml` into a throwaway repository, and `git commit` runs it.

pre-commit only installs committed code, so the hook repository is a copy of this checkout's
working tree (tracked and untracked files, without what .gitignore ignores) committed into a
temporary git repository: the hook that runs is the `.pre-commit-hooks.yaml` and the code of
this working tree, uncommitted edits included. pre-commit builds its environment for the
hook once per session (a virtualenv and `pip install` of the copy, dependencies from the
package index), in a `PRE_COMMIT_HOME` of the session's temporary directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parent.parent

# A route that returns its HTTPException: FPI301, whose fix (`return` -> `raise`) is safe
# here, so plain `fastapi-lint --fix` applies it.
RETURNS_EXCEPTION = """\
from fastapi import FastAPI, HTTPException

app = FastAPI()
books = {1: "Dune"}


@app.get("/books/{book_id}")
def read_book(book_id: int):
    if book_id not in books:
        return HTTPException(status_code=404, detail="Book not found")
    return {"title": books[book_id]}
"""

# The application includes the items router after its own catch-all item route: a route
# added later to the router can never run (FPI400), and only main.py shows why.
MAIN = """\
from fastapi import FastAPI

from shop.api import items

app = FastAPI()


@app.get("/items/{item_id}")
def read_item(item_id: str):
    return {"item_id": item_id}


app.include_router(items.router, prefix="/items")
"""
ITEMS = """\
from fastapi import APIRouter

router = APIRouter()


@router.get("/")
def list_items():
    return []
"""
ITEMS_WITH_SPECIAL = ITEMS + """

@router.get("/special")
def read_special_items():
    return [{"item_id": "special"}]
"""


def _git_environment(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("GIT_", "PRE_COMMIT")):
            del env[name]
    config = home / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n", encoding="utf-8")
    env.update({
        "GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
        "PRE_COMMIT_HOME": str(home / "pre-commit-home"),
        # The hook's environment is a fresh virtualenv: keep ours out of its way.
        "VIRTUAL_ENV": "", "PYTHONPATH": "",
    })
    # `git commit` runs the installed hook script, which runs pre-commit under this Python.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)


def _checked(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="session")
def hook_session(tmp_path_factory):
    """(environment, hook repository, its commit): a committed copy of this working tree."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    home = tmp_path_factory.mktemp("pre-commit")
    env = _git_environment(home)
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=CHECKOUT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    hook_repo = home / "fastapi-lint"
    for relative in filter(None, listed):
        source = CHECKOUT / relative
        if not source.is_file():  # deleted in the working tree, not yet in the index
            continue
        target = hook_repo / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    _checked(_git(hook_repo, env, "init", "-q"))
    _checked(_git(hook_repo, env, "add", "-A"))
    _checked(_git(hook_repo, env, "commit", "-q", "-m", "working tree"))
    rev = _checked(_git(hook_repo, env, "rev-parse", "HEAD")).stdout.strip()
    return env, hook_repo, rev


def _project(tmp_path: Path, hook_session) -> tuple[Path, dict[str, str]]:
    env, hook_repo, rev = hook_session
    project = tmp_path / "project"
    project.mkdir()
    _checked(_git(project, env, "init", "-q"))
    (project / ".pre-commit-config.yaml").write_text(textwrap.dedent(f"""\
        repos:
          - repo: {hook_repo}
            rev: {rev}
            hooks:
              - id: fastapi-lint
        """), encoding="utf-8")
    (project / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0"\n', encoding="utf-8")
    _checked(subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project, env=env,
                            capture_output=True, text=True))
    return project, env


def _write(project: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _commit(project: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess:
    _checked(_git(project, env, "add", "-A"))
    return _git(project, env, "commit", "-m", message)


def _head_subject(project: Path, env: dict[str, str]) -> str:
    result = _git(project, env, "log", "-1", "--format=%s")
    return result.stdout.strip() if result.returncode == 0 else ""


def test_the_hook_blocks_a_commit_with_a_finding_and_passes_once_fixed(tmp_path, hook_session):
    project, env = _project(tmp_path, hook_session)
    _write(project, {"app.py": RETURNS_EXCEPTION, ".gitignore": ""})

    blocked = _commit(project, env, "add the books API")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "fastapi-lint" in output and "Failed" in output
    assert "app.py:10:9: FPI301" in output
    assert _head_subject(project, env) == ""  # nothing was committed

    fixed = subprocess.run([Path(sys.executable).parent / "fastapi-lint", "--fix", "app.py"],
                           cwd=project, env=env, capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert 'raise HTTPException(status_code=404, detail="Book not found")' in (project / "app.py").read_text()

    passed = _commit(project, env, "add the books API")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "fastapi-lint" in passed.stderr and "Passed" in passed.stderr  # git shows hooks on stderr
    assert _head_subject(project, env) == "add the books API"


def test_a_commit_of_one_file_is_judged_with_the_rest_of_the_project(tmp_path, hook_session):
    """pre-commit hands the hook only the staged files; the route that shadows the new one
    is in a file the commit does not touch, and the finding names it all the same."""
    project, env = _project(tmp_path, hook_session)
    _write(project, {
        "shop/__init__.py": "", "shop/api/__init__.py": "", "shop/main.py": MAIN, "shop/api/items.py": ITEMS,
    })
    first = _commit(project, env, "the shop")
    assert first.returncode == 0, first.stdout + first.stderr

    _write(project, {"shop/api/items.py": ITEMS_WITH_SPECIAL})
    blocked = _commit(project, env, "special items")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "shop/api/items.py:11:1: FPI400 Route `GET /items/special` can never run" in output
    # What shadows it is in the file the commit does not touch (and that is not checked).
    assert "`GET /items/{item_id}` (shop/main.py:8) is registered before" in output
    assert not [line for line in output.splitlines() if line.startswith("shop/main.py:")]

    # The module summaries were cached at the project root, and git does not see them.
    assert (project / ".fastapi_lint_cache" / "summaries.json").is_file()
    assert _checked(_git(project, env, "status", "--porcelain")).stdout.strip() == "M  shop/api/items.py"


def test_the_other_files_are_read_as_staged(tmp_path, hook_session):
    """An unstaged edit of main.py that would make the new route reachable (the router
    included before the catch-all) is not what the commit holds: pre-commit sets it aside
    while the hook runs, the finding stands, and the edit is back afterwards."""
    project, env = _project(tmp_path, hook_session)
    _write(project, {
        "shop/__init__.py": "", "shop/api/__init__.py": "", "shop/main.py": MAIN, "shop/api/items.py": ITEMS,
    })
    assert _commit(project, env, "the shop").returncode == 0
    include = 'app.include_router(items.router, prefix="/items")\n'
    reordered = MAIN.replace(include, "").replace("app = FastAPI()\n", "app = FastAPI()\n" + include)
    _write(project, {"shop/api/items.py": ITEMS_WITH_SPECIAL, "shop/main.py": reordered})
    _checked(_git(project, env, "add", "shop/api/items.py"))

    blocked = _git(project, env, "commit", "-m", "special items")
    assert blocked.returncode != 0, blocked.stdout + blocked.stderr
    assert "shop/api/items.py:11:1: FPI400" in blocked.stdout + blocked.stderr
    assert (project / "shop/main.py").read_text() == reordered

    # Staged as well, the edit is what the hook reads, and the commit goes through.
    passed = _commit(project, env, "special items, router first")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_one_process_checks_all_the_files(tmp_path, hook_session):
    """pre-commit would split a commit of many files over one process per CPU, each reading
    the whole project again; the hook asks for one (`require_serial`): one report."""
    project, env = _project(tmp_path, hook_session)
    _write(project, {f"books_{n}.py": RETURNS_EXCEPTION for n in range(12)})
    blocked = _commit(project, env, "many books")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert output.count("FPI301") == 12
    assert [line for line in output.splitlines() if line.startswith("Found ")] == ["Found 12 errors."]
