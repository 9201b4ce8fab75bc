"""Whole-project analysis: fixture projects, module names, name resolution, per-file parity."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_lint.checker import check_source
from fastapi_lint.project import ModuleName, ProjectContext, ProjectModel, module_name
from fastapi_lint.project.build import summarize_source
from fastapi_lint.project.layout import find_project_root
from fixture_harness import Fixture, all_fixtures
from project_harness import actual, all_projects, expected, noqa_copy

PROJECTS = all_projects()


@pytest.mark.parametrize("root", PROJECTS, ids=[p.name for p in PROJECTS])
def test_project_reports_exactly_the_expected_diagnostics(root: Path) -> None:
    assert expected(root), "a fixture project states what must be reported"
    assert actual(root) == expected(root)


@pytest.mark.parametrize("bare", [False, True], ids=["codes", "bare"])
@pytest.mark.parametrize("root", PROJECTS, ids=[p.name for p in PROJECTS])
def test_project_is_silent_once_expectations_are_noqa(root: Path, bare: bool, tmp_path: Path) -> None:
    assert actual(noqa_copy(root, tmp_path, bare=bare)) == []


def test_what_the_project_changes_against_the_per_file_pass() -> None:
    root = next(p for p in PROJECTS if p.name == "shop")
    per_file, whole = set(actual(root, whole_project=False)), set(actual(root))
    # Seen only across modules: routes shadowed by another module's routes, blocking
    # helpers in other modules, a `requests.Session` subclassed in another module,
    # Pydantic bases in other modules, a dependency registered in another module (FPI120's
    # policy applies to it, FPI121's does not).
    assert sorted(whole - per_file) == [
        ("shop/api/admin/reports.py", 9, "FPI400"),
        ("shop/api/admin/reports.py", 17, "FPI110"),
        ("shop/api/items.py", 11, "FPI400"),
        ("shop/api/items.py", 24, "FPI110"),
        ("shop/api/items.py", 32, "FPI100"),
        ("shop/models/orders.py", 7, "FPI200"),
        ("shop/models/orders.py", 12, "FPI200"),
    ]
    # Said per file only: the dependency taken for a plain async function, and an async
    # function no application runs (a lone file cannot know that no other module calls
    # it). A helper of another module is of unknown cost per file: no evidence for FPI120.
    assert sorted(per_file - whole) == [
        ("shop/dependencies.py", 21, "FPI121"),
        ("shop/dependencies.py", 27, "FPI121"),
    ]


SINGLE_FILE_FIXTURES = all_fixtures()


@pytest.mark.parametrize("fixture", SINGLE_FILE_FIXTURES, ids=[f.id for f in SINGLE_FILE_FIXTURES])
def test_a_single_module_project_reports_what_the_single_file_pass_reports(fixture: Fixture) -> None:
    # The project pass goes through summaries (routers, events, roles as data): on a file
    # that imports nothing from its project it must say exactly what the file pass says.
    module = ModuleName("fixture_module", False)
    project = ProjectModel(None, [summarize_source(fixture.source.encode(), "fixture_module.py", module)])
    result = check_source(fixture.source, str(fixture.path), fixture.settings, project=ProjectContext(project, module))
    assert result.error is None
    assert sorted((d.location.row, d.code) for d in result.diagnostics) == fixture.expected()


# ---------------------------------------------------------------------- module names


def _files(root: Path, names: list[str]) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")


def test_module_names_follow_packages_src_layouts_and_namespace_packages(tmp_path: Path) -> None:
    _files(tmp_path, [
        "pyproject.toml", "main.py", "app/__init__.py", "app/routers/__init__.py", "app/routers/items.py",
        "scripts/tool.py", "src/acme/__init__.py", "src/acme/api.py", "backend/app2/__init__.py",
        "backend/app2/main.py", "bad-name/x.py", "notes.txt",
    ])
    names = {p: module_name(tmp_path / p, tmp_path) for p in [
        "main.py", "app/__init__.py", "app/routers/items.py", "scripts/tool.py", "src/acme/api.py",
        "backend/app2/main.py", "bad-name/x.py", "notes.txt",
    ]}
    assert names == {
        "main.py": ModuleName("main", False),
        "app/__init__.py": ModuleName("app", True),
        "app/routers/items.py": ModuleName("app.routers.items", False),
        "scripts/tool.py": ModuleName("scripts.tool", False),  # a namespace package
        "src/acme/api.py": ModuleName("acme.api", False),  # src/ is an import root
        "backend/app2/main.py": ModuleName("app2.main", False),  # imports start above the package
        "bad-name/x.py": None,  # not importable
        "notes.txt": None,
    }


def test_the_project_root_is_the_nearest_pyproject_or_the_checked_directory(tmp_path: Path) -> None:
    _files(tmp_path, ["service/pyproject.toml", "service/app/main.py", "loose/a.py"])
    assert find_project_root(tmp_path / "service/app/main.py") == (tmp_path / "service").resolve()
    assert find_project_root(tmp_path / "loose") == (tmp_path / "loose").resolve()
    assert find_project_root(tmp_path / "loose/a.py") is None  # a lone file: single-file mode


def _project(files: dict[str, str]) -> ProjectModel:
    summaries = []
    for relative, text in files.items():
        is_package = relative.endswith("__init__.py")
        parts = relative.removesuffix(".py").split("/")
        name = ".".join(parts[:-1] if is_package else parts)
        summaries.append(summarize_source(text.encode(), relative, ModuleName(name, is_package)))
    return ProjectModel(None, summaries)


def test_names_resolve_across_modules_reexports_and_aliases() -> None:
    project = _project({
        "pkg/__init__.py": "from .services import mailer as post\nfrom .models import Item\n",
        "pkg/services/__init__.py": "from .reports import send_report\n",
        "pkg/services/mailer.py": (
            "def send(to): ...\nclass Mailer:\n    def deliver(self): ...\ndefault = Mailer()\n"
        ),
        "pkg/services/reports.py": (
            "from . import mailer\nfrom ..services.mailer import Mailer as M\ndef send_report(): mailer.send('x')\n"
        ),
        "pkg/models.py": "from pydantic import BaseModel\nclass Base(BaseModel): ...\nclass Item(Base): ...\n",
        "pkg/loop_a.py": "from .loop_b import thing\n",
        "pkg/loop_b.py": "from .loop_a import thing\n",
        "main.py": "import pkg.services.mailer as m\n",
    })

    def resolved(name: str) -> tuple[str, str] | None:
        symbol = project.resolve(name)
        return (symbol.kind, symbol.qualname) if symbol else None

    assert resolved("pkg.services.send_report") == ("function", "pkg.services.reports.send_report")
    assert resolved("pkg.post.send") == ("function", "pkg.services.mailer.send")
    assert resolved("pkg.services.reports.M.deliver") == ("function", "pkg.services.mailer.Mailer.deliver")
    assert resolved("pkg.services.mailer.default.deliver") == ("function", "pkg.services.mailer.Mailer.deliver")
    assert resolved("main.m.send") == ("function", "pkg.services.mailer.send")
    assert resolved("pkg.Item") == ("class", "pkg.models.Item")
    assert resolved("pkg.loop_a.thing") is None  # a cycle of re-exports
    assert resolved("requests.get") is None  # not the project's
    assert project.is_pydantic_class("pkg.Item")
    assert not project.is_pydantic_class("pkg.services.mailer.Mailer")


def test_relative_imports_become_absolute_names_with_a_module_name() -> None:
    from fastapi_lint.semantic.model import SemanticModel

    model = SemanticModel("x.py")
    assert model.absolute_import(1, "db") == ".db"  # single-file mode: kept relative
    model.module_name, model.is_package = "app.routers.items", False
    assert model.absolute_import(1, "db") == "app.routers.db"
    assert model.absolute_import(2, "db") == "app.db"
    assert model.absolute_import(2, None) == "app"
    assert model.absolute_import(4, "db") == "....db"  # beyond the top-level package
    model.module_name, model.is_package = "app.routers", True  # app/routers/__init__.py
    assert model.absolute_import(1, "items") == "app.routers.items"


def test_chains_follow_sync_functions_and_stop_at_async_ones_and_cycles() -> None:
    project = _project({
        "svc.py": (
            "import time\n"
            "def a():\n    b()\n"
            "def b():\n    c()\n"
            "def c():\n    time.sleep(1)\n"
            "async def d():\n    time.sleep(1)\n"
            "def e():\n    d()\n"
            "def f():\n    g()\n"
            "def g():\n    f()\n"
        ),
    })
    assert project.blocking_chain("svc.a").steps == ("b", "c", "time.sleep")
    assert project.blocking_chain("svc.d") is None  # calling an async function blocks nothing
    assert project.blocking_chain("svc.e") is None
    assert project.blocking_chain("svc.f") is None  # a cycle that reaches nothing


BRANCHES = '''\
import os

from fastapi import FastAPI

app = FastAPI()
MODE = os.environ.get("MODE", "a")

match MODE:
    case "a":
        @app.get("/items/{item_id}")
        def read_item(item_id: str):
            return "read_item"
    case "b" | "c":
        @app.get("/items/special")
        def read_special():
            return "read_special"

if MODE == "a":
    @app.get("/users/{name}")
    def read_user(name: str):
        return "read_user"
elif MODE == "b":
    @app.get("/users/me")
    def read_me():
        return "read_me"
else:
    try:
        with open(os.devnull):
            @app.get("/users/admin")
            def read_admin():
                return "read_admin"
    finally:
        pass

@app.get("/items/latest")
def read_latest():
    return "read_latest"
'''


def test_registrations_in_other_branches_are_told_apart_as_in_the_file_pass() -> None:
    from fastapi_lint.settings import Settings

    settings = Settings(select=["FPI400"])
    alone = check_source(BRANCHES, "branches.py", settings).diagnostics
    module = ModuleName("branches", False)
    project = ProjectModel(None, [summarize_source(BRANCHES.encode(), "branches.py", module)])
    whole = check_source(BRANCHES, "branches.py", settings, project=ProjectContext(project, module)).diagnostics
    assert [(d.location.row, d.message) for d in whole] == [(d.location.row, d.message) for d in alone]
    # Only the route after both statements is reported: the others are in other branches.
    assert [d.location.row for d in whole] == [BRANCHES.splitlines().index('@app.get("/items/latest")') + 1]


# ---------------------------------------------------------------------- never crashes

import hypothesmith  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
def test_any_module_summarises_to_json_and_checks_as_a_project(source: str) -> None:
    import json

    from fastapi_lint.project.summary import ModuleSummary

    source = "from fastapi import FastAPI, APIRouter, Depends\napp = FastAPI()\n" + source
    module = ModuleName("pkg.generated", False)
    summary = summarize_source(source.encode(), "pkg/generated.py", module)
    again = ModuleSummary.from_json(json.loads(json.dumps(summary.to_json())))
    assert again == summary
    project = ProjectModel(None, [again])
    project.routing.findings()
    check_source(source, "pkg/generated.py", project=ProjectContext(project, module))


def test_a_directory_with_its_own_pyproject_is_not_part_of_the_project(tmp_path: Path) -> None:
    from fastapi_lint.config import SettingsResolver
    from fastapi_lint.project.build import load_project

    for name in ("app/__init__.py", "app/main.py", "app/sub/__init__.py", "app/sub/deep/x.py",
                 "tools/plugin/pkg/__init__.py", "tools/plugin/pkg/deep/y.py", "tools/plugin/pkg/z.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'outer'\n")
    (tmp_path / "tools/plugin/pyproject.toml").write_text("[project]\nname = 'inner'\n")
    project, _ = load_project(tmp_path, SettingsResolver(cwd=tmp_path).for_path, use_cache=False)
    assert sorted(summary.path for summary in project.modules.values()) == [
        "app/__init__.py", "app/main.py", "app/sub/__init__.py", "app/sub/deep/x.py",
    ]
