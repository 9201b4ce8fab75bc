"""Whatever Python it is given, the checker answers instead of raising (bugbear's test)."""

from __future__ import annotations

import ast
import warnings

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastapi_lint.checker import check_source

FASTAPI_PRELUDE = (
    "import time, requests, subprocess\n"
    "from fastapi import FastAPI, APIRouter, Depends\n"
    "from pydantic import BaseModel, Field\n"
    "app = FastAPI()\nrouter = APIRouter(prefix='/r')\n"
)


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_any_grammatical_source(source: str) -> None:
    result = check_source(source, "generated.py")
    if result.error is None:
        for diagnostic in result.diagnostics:
            assert diagnostic.location.row >= 1 and diagnostic.location.column >= 1


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
def test_any_valid_module_after_a_fastapi_prelude(source: str) -> None:
    source = FASTAPI_PRELUDE + source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source)
    except (SyntaxError, ValueError):
        return
    assert check_source(source, "generated.py").error is None


ROUTE_PIECES = st.lists(
    st.sampled_from(
        [
            "@app.get('/items/{item_id}')\nasync def a(item_id: int):\n    time.sleep(1)\n",
            "@router.post('/')\nasync def create_item(x: dict = Depends(dep)):\n    return requests.get('u')\n",
            "app.include_router(router, prefix='/v1')\n",
            "app.include_router(router)\n",
            "app.mount('/static', app)\n",
            "class M(BaseModel):\n    tags: list = []\n    f: dict = Field(default={})\n",
            "def dep():\n    yield subprocess.run(['x'])\n",
            "router = APIRouter(prefix=router)\n",
            "async def helper():\n    return helper\n",
            "@app.api_route('/x', methods=METHODS)\nasync def x():\n    pass\n",
        ]
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(ROUTE_PIECES)
def test_any_arrangement_of_fastapi_statements(pieces: list[str]) -> None:
    source = FASTAPI_PRELUDE + "".join(pieces)
    assert check_source(source, "generated.py").error is None
