"""The engine as a user meets it: positions, bad input, one parse per file, no libcst."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap

import pytest

from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings

SLEEPY = textwrap.dedent(
    """\
    import time
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/café")
    async def café():
        détail = "ünïcode";  time.sleep(1)
        return {"détail": détail}
    """
)


def test_columns_are_counted_in_characters_like_ruff() -> None:
    result = check_source(SLEEPY, "app.py", Settings(select=["FPI101"]))
    [diagnostic] = result.diagnostics
    line = SLEEPY.splitlines()[diagnostic.location.row - 1]
    # ruff counts characters, not the UTF-8 bytes `ast` reports.
    assert diagnostic.location.column == line.index("time.sleep") + 1
    assert diagnostic.end_location.column == line.index("time.sleep") + len("time.sleep(1)") + 1


def test_async_def_header_span_with_non_ascii_name() -> None:
    result = check_source(SLEEPY, "app.py", Settings(select=["FPI120"]))
    [diagnostic] = result.diagnostics
    assert (diagnostic.location.row, diagnostic.location.column) == (8, 1)
    assert diagnostic.end_location.column == len("async def café") + 1


def test_bytes_with_bom_and_coding_cookie_are_decoded() -> None:
    latin = "# -*- coding: latin-1 -*-\nimport time\nasync def f():\n    x = 'é'; time.sleep(1)\n"
    result = check_source(latin.encode("latin-1"), "x.py", Settings(select=["FPI101"]))
    column = latin.splitlines()[3].index("time.sleep") + 1
    assert [(d.location.row, d.location.column) for d in result.diagnostics] == [(4, column)]
    bom = b"\xef\xbb\xbfimport time\nasync def f():\n    time.sleep(1)\n"
    assert [d.location.row for d in check_source(bom, "y.py", Settings(select=["FPI101"])).diagnostics] == [3]


@pytest.mark.parametrize(
    "source, needle",
    [
        ("def f(:\n    pass\n", "SyntaxError"),
        ("x = 1\x00\n", "null bytes"),
        ("type Alias = list[int]\n", "Python 3.12+"),
        ("try:\n    pass\nexcept ValueError, TypeError:\n    pass\n", "Python 3.14+"),
        ("greeting = t'Hello {name}'\n", "Python 3.14+"),
    ],
)
def test_unparsable_source_is_reported_not_raised(source: str, needle: str) -> None:
    if "3.12" in needle and sys.version_info >= (3, 12):
        pytest.skip("parses on this Python")
    if "3.14" in needle and sys.version_info >= (3, 14):
        pytest.skip("parses on this Python")
    result = check_source(source, "broken.py")
    assert result.error is not None and needle in result.error
    [diagnostic] = result.diagnostics
    assert diagnostic.code is None and needle in diagnostic.message


def test_undecodable_bytes_are_reported() -> None:
    result = check_source(b"x = '\xff\xfe'\n", "bad.py")
    assert result.error is not None and "decode" in result.error


def test_deeply_nested_expression_does_not_crash() -> None:
    source = "async def f():\n    return " + "(" * 90 + "1" + ")" * 90 + "\n" + "x = " + " + ".join(["'a'"] * 20000) + "\n"
    result = check_source(source, "deep.py")
    assert result.error is None


def test_each_file_is_parsed_once(monkeypatch) -> None:
    calls = []
    real_parse = ast.parse

    def counting_parse(*args, **kwargs):
        calls.append(args)
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting_parse)
    check_source(SLEEPY, "app.py")
    assert len(calls) == 1


def test_detection_imports_neither_libcst_nor_fastapi() -> None:
    code = (
        "import sys; from fastapi_lint import check_source; "
        f"check_source({SLEEPY!r}, 'app.py'); "
        "print(sorted(m for m in ('libcst', 'fastapi', 'pydantic', 'starlette') if m in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "[]"


ROUTES = textwrap.dedent(
    """\
    from fastapi import APIRouter

    router = APIRouter()


    @router.get("/books/{book_id}")
    def read_book(book_id: int):
        return {"id": book_id}


    @router.get("/books/featured")
    def featured():
        return []


    @router.post("/books")
    def create_book():
        books.append({})
        return {}


    books = []
    """
)


def test_route_rules_start_at_the_decorators_at_sign() -> None:
    diagnostics = check_source(ROUTES, "routes.py", Settings(select=["FPI300", "FPI400"])).diagnostics
    assert [(d.code, d.location.row, d.location.column) for d in diagnostics] == [
        ("FPI400", 11, 1),
        ("FPI300", 16, 1),
    ]


def test_a_plain_syntax_error_gets_no_newer_python_hint() -> None:
    result = check_source("x = (\"don't\" +)\n", "broken.py")
    assert result.error == "SyntaxError: invalid syntax"
