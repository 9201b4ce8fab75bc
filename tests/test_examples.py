"""The example app shows every rule, and what the linter says about it is true at run time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_lint.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def lint_examples() -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "--output-format", "json", "examples/"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


def test_the_example_app_triggers_every_rule() -> None:
    found = {d["code"] for d in lint_examples()}
    assert found == {rule.code for rule in all_rules()}


@pytest.fixture
def client(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    monkeypatch.syspath_prepend(str(EXAMPLES))
    from bookshop import database
    from bookshop.main import app

    monkeypatch.setattr(database, "DB_PATH", tmp_path / "books.sqlite3")
    with TestClient(app) as test_client:
        yield test_client
    for name in [m for m in sys.modules if m == "bookshop" or m.startswith("bookshop.")]:
        del sys.modules[name]


def test_the_shadowed_route_reported_in_the_example_never_runs(client) -> None:
    [shadowed] = [d for d in lint_examples() if d["code"] == "FPI400"]
    assert "GET /books/featured" in shadowed["message"]
    # `/books/{book_id}` (book_id: int) answers first and rejects "featured".
    assert client.get("/books/featured").status_code == 422


def test_the_post_reported_without_201_answers_200(client) -> None:
    reported = [d for d in lint_examples() if d["code"] == "FPI300" and "create_book" in d["message"]]
    assert len(reported) == 1
    response = client.post("/books/", json={"title": "Dune", "author": "Herbert"})
    assert response.status_code == 200
    assert response.json()["title"] == "Dune"


def test_the_direct_call_reported_in_the_example_gets_the_marker(client) -> None:
    [reported] = [d for d in lint_examples() if d["code"] == "FPI305"]
    assert "`featured_books()` is called directly without `db`" in reported["message"]
    # FastAPI injects a connection when it calls `featured_books` for GET /books/featured;
    # called from `featured_count`, its `db` is the `Depends(get_db)` marker.
    with pytest.raises(AttributeError, match="'Depends' object has no attribute 'execute'"):
        client.get("/books/featured/count")

