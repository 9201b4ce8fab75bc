"""The FPI200, FPI300 and FPI400 fixes at the edges: line endings, a missing final newline,
non-ASCII columns, the moves that must be refused, and the path overlap the FPI400 fix
relies on (checked against Starlette's own regexes). The runtime proofs are in
`test_fix_runtime_routes.py`; the fixtures' snapshots in `test_fix_snapshots.py`.
"""

from __future__ import annotations

import pytest
from starlette.routing import compile_path as starlette_compile_path

from fastapi_lint.checker import check_source
from fastapi_lint.fixes.engine import fix_source
from fastapi_lint.semantic.paths import compile_path, overlap
from fastapi_lint.settings import Settings


def fixed_text(source: str, code: str) -> str:
    outcome = fix_source(source, "app.py", Settings(select=[code]), unsafe=True)
    assert outcome.error is None, outcome.error
    assert outcome.fixed[code] >= 1
    again = fix_source(outcome.text, "app.py", Settings(select=[code]), unsafe=True)
    assert again.text == outcome.text and not again.fixed
    return outcome.text


def test_a_move_keeps_crlf_and_a_missing_final_newline() -> None:
    source = (
        "from fastapi import FastAPI\r\n\r\napp = FastAPI()\r\n\r\n\r\n"
        "@app.get('/books/{book_id}')\r\nasync def read_book(book_id: str):\r\n    return 'read_book'\r\n\r\n\r\n"
        "# Featured first.\r\n@app.get('/books/featured')\r\nasync def read_featured():\r\n    return 'featured'"
    )
    assert fixed_text(source, "FPI400") == (
        "from fastapi import FastAPI\r\n\r\napp = FastAPI()\r\n\r\n\r\n"
        "# Featured first.\r\n@app.get('/books/featured')\r\nasync def read_featured():\r\n    return 'featured'\r\n\r\n\r\n"
        "@app.get('/books/{book_id}')\r\nasync def read_book(book_id: str):\r\n    return 'read_book'"
    )


def test_a_new_keyword_line_uses_the_file_line_ending() -> None:
    source = (
        "from fastapi import FastAPI\r\n\r\napp = FastAPI()\r\n\r\n\r\n"
        "@app.post(\r\n    '/items',\r\n    summary='Create',\r\n)\r\ndef create_item(db):\r\n    db.add({})\r\n"
    )
    assert "    summary='Create',\r\n    status_code=201,\r\n)\r\n" in fixed_text(source, "FPI300")


def test_columns_are_characters_after_non_ascii_text() -> None:
    source = (
        "from pydantic import BaseModel, Field\n\n\n"
        "class Étiquette(BaseModel):\n    libellés: list[str] = []  # « vide »\n"
        "    catégories: dict = Field(description='é', default={})\n"
    )
    assert fixed_text(source, "FPI200").splitlines()[4:] == [
        "    libellés: list[str] = Field(default_factory=list)  # « vide »",
        "    catégories: dict = Field(description='é', default_factory=dict)",
    ]


NO_MOVE = {
    "a copy-pasted name (the module's last `read_report` would change)": """
@app.get("/reports/{report_id}")
async def read_report(report_id: str):
    return "read_report"


@app.get("/reports/latest")
async def read_report():
    return "read_latest_report"
""",
    "the moved function is a dependency of a route it would jump over": """
def read_settings():
    return {}


@app.get("/settings/{key}")
async def read_setting(key: str, settings: dict = Depends(read_settings)):
    return "read_setting"


@app.get("/settings/all")
async def read_settings():
    return "read_settings"
""",
    "a string annotation names a class defined in between": """
@app.get("/carts/{cart_id}")
async def read_cart(cart_id: str):
    return "read_cart"


class Cart(BaseModel):
    id: str


@app.get("/carts/mine")
async def read_my_cart() -> "Cart":
    return Cart(id="mine")
""",
    "the router's prefix is changed in between": """
@router.get("/{page}")
async def read_page(page: str):
    return "read_page"


router.prefix = "/v2"


@router.get("/about")
async def read_about():
    return "read_about"
""",
}


@pytest.mark.parametrize("source", NO_MOVE.values(), ids=NO_MOVE.keys())
def test_no_move_when_it_would_change_what_the_module_defines(source) -> None:
    head = "from fastapi import APIRouter, Depends, FastAPI\nfrom pydantic import BaseModel\n\napp = FastAPI()\nrouter = APIRouter()\n\n"
    diagnostics = check_source(head + source, "app.py", Settings(select=["FPI400"])).diagnostics
    assert [d.code for d in diagnostics] == ["FPI400"]
    assert diagnostics[0].fix is None


@pytest.mark.parametrize(
    "first, second, shared",
    [
        ("/tags/{name}", "/tags/popular", True),
        ("/files/{name}.json", "/files/latest.{ext}", True),
        ("/a/{rest:path}", "/a/b/{x}", True),
        ("/books/{book_id:int}", "/books/featured", False),
        ("/orders/{id:uuid}", "/orders/{n:int}", True),  # `12345678123412341234123456789012`
        ("/prices/{p:float}", "/prices/{slug}-off", False),
        ("/x/{a}", "/x/{a}/{b}", False),
    ],
)
def test_overlap_finds_a_path_both_routes_match_or_proves_there_is_none(first, second, shared) -> None:
    """`paths.overlap`, which FPI400's fix uses to prove a move steals no request."""
    found = overlap(compile_path(first), compile_path(second))
    assert found.exists is shared
    if shared:
        assert all(starlette_compile_path(p)[0].match(found.path) for p in (first, second)), found.path
