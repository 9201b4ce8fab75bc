"""FPI304 suggests `Annotated[...]`, which FastAPI reads from 0.95.0 on: on an older FastAPI
(the `fastapi-version` option, else the installed one, else the project's pin) it says
nothing; on 0.95 and later, or when the version is unknown, it reports."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fastapi_lint.checker import check_source
from fastapi_lint.rules import _fastapi_version
from fastapi_lint.settings import Settings

SOURCE = '''
from fastapi import Depends, FastAPI, Query

app = FastAPI()


def get_db():
    return {}


@app.get("/items/")
def read_items(db: dict = Depends(get_db), limit: int = Query(10)):
    return []
'''


def codes(path: str, version: str | None = None) -> list[str]:
    options = {"dependency-without-annotated": {"fastapi-version": version}} if version else {}
    result = check_source(SOURCE, path, Settings(select=["FPI304"], rule_options=options))
    assert result.error is None
    return [d.code for d in result.diagnostics]


@pytest.mark.parametrize(("version", "reported"), [
    ("0.94.1", False), ("0.89", False), ("0.95.0", True), ("0.115.2", True), ("0.165.0", True),
])
def test_the_fastapi_version_option_decides(version: str, reported: bool) -> None:
    assert codes("app.py", version) == (["FPI304", "FPI304"] if reported else [])


@pytest.fixture
def not_installed(monkeypatch):
    monkeypatch.setattr(_fastapi_version, "_installed", lambda: None)
    _fastapi_version._pinned.cache_clear()
    yield
    _fastapi_version._pinned.cache_clear()


@pytest.mark.parametrize(("requirement", "reported"), [
    ("fastapi<0.95", False),
    ("fastapi==0.94.1", False),
    ("fastapi~=0.92.0", False),
    ("fastapi==0.95.0", True),
    ("fastapi>=0.100,<0.116", True),
    ("fastapi>=0.80", True),  # no upper bound: unknown, so reported
])
def test_a_pinned_fastapi_decides_when_none_is_installed(
    tmp_path: Path, not_installed, requirement: str, reported: bool
) -> None:
    (tmp_path / "requirements.txt").write_text(f"uvicorn\n{requirement}\n")
    assert codes(str(tmp_path / "main.py")) == (["FPI304", "FPI304"] if reported else [])


def test_unknown_version_reports(tmp_path: Path, not_installed) -> None:
    assert codes(str(tmp_path / "main.py")) == ["FPI304", "FPI304"]


def test_the_installed_fastapi_comes_before_the_pin(tmp_path: Path) -> None:
    """As for FPI402: the FastAPI where fastapi-lint runs (0.95 or later here) is judged by."""
    _fastapi_version._pinned.cache_clear()
    (tmp_path / "requirements.txt").write_text("fastapi<0.95\n")
    installed = _fastapi_version._installed()
    assert installed is not None and installed >= (0, 95)
    assert codes(str(tmp_path / "main.py")) == ["FPI304", "FPI304"]


def test_the_installed_version_is_the_first_fastapi_dist_info_on_the_path(tmp_path: Path, monkeypatch) -> None:
    """`_installed` reads the version from a `fastapi-<version>.dist-info` directory's name,
    the first on `sys.path`, as `importlib.metadata` finds it; other projects named
    `fastapi_*` are not FastAPI; a directory that names no version is left to
    `importlib.metadata` (False)."""
    first, second = tmp_path / "first", tmp_path / "second"
    for directory, names in ((first, ["fastapi_users-15.0.5.dist-info", "fastapi_cli-0.0.7.dist-info"]),
                             (second, ["fastapi-0.94.1.dist-info", "FastAPI-0.200.0.dist-info"])):
        for name in names:
            (directory / name).mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(first), str(second)])
    assert _fastapi_version._dist_info_version() in ((0, 94, 1), (0, 200, 0))  # listing order decides
    (first / "fastapi-0.95.0.dist-info").mkdir()
    assert _fastapi_version._dist_info_version() == (0, 95, 0)
    monkeypatch.setattr(sys, "path", [str(tmp_path / "egg")])
    (tmp_path / "egg" / "fastapi.egg-info").mkdir(parents=True)
    assert _fastapi_version._dist_info_version() is False
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing")])
    assert _fastapi_version._dist_info_version() is None


def test_the_installed_version_agrees_with_importlib_metadata() -> None:
    from importlib import metadata

    assert _fastapi_version._dist_info_version() == _fastapi_version.parse_version(metadata.version("fastapi"))
