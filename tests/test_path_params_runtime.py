"""FPI410-FPI412's claims, checked against a real FastAPI app (FACTS.md, "Routing").

One source is both linted and run: the test asserts which lines each rule reports, then
sends requests through `TestClient`, so the messages ("the endpoint never sees its value",
"every request answers 422") and the silences (a dependency that reads
`request.path_params`, `Path(alias=...)`, a class dependency's `__init__`, convertor and
annotation pairs that accept some values) are what a client really sees. FPI410's fix is
run too: the parameter it adds receives the path's value.
"""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from fastapi_lint.checker import check_source
from fastapi_lint.fixes.engine import fix_source
from fastapi_lint.settings import Settings
from test_fix_runtime import load

APP_SOURCE = '''
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Request

app = FastAPI()
router = APIRouter(prefix="/orgs/{org_id}")


def get_current_case(request: Request) -> str:
    return "case " + request.path_params["case_id"]


CurrentCase = Annotated[str, Depends(get_current_case)]


class Owner:
    def __init__(self, owner_id: int) -> None:
        self.owner_id = owner_id


@app.get("/cases/{case_id}")
def read_case(current_case: CurrentCase):
    return {"case": current_case}


@app.get("/owners/{owner_id}")
def read_owner(owner: Owner = Depends()):
    return {"owner": owner.owner_id}


@app.get("/aliased/{item_id}")
def read_aliased(ident: int = Path(alias="item_id")):
    return {"item": ident}


@app.get("/unused/{item_id}")
def read_unused():
    return locals()  # the parameters it received


@router.get("/projects")
def list_projects():
    return locals()


@app.get("/kwargs/{year}")
def read_kwargs(**filters):
    return filters


@app.get("/mismatch/{item_id}")
def read_mismatch(itemid: int):
    return {"item": itemid}


@app.get("/defaulted/{order_id}")
def read_defaulted(order_ids: int = 0):
    return {"order": order_ids}


@app.get("/ints/{value:int}")
def int_as_str(value: str):
    return {"value": value}


@app.get("/floats/{value:float}")
def float_as_str(value: str):
    return {"value": value}


@app.get("/uuids/{value:uuid}")
def uuid_as_int(value: int):
    return {"value": value}


@app.get("/partial/{value:float}")
def float_as_int(value: int):
    return {"value": value}


@app.get("/paths/{value:path}")
def path_as_int(value: int):
    return {"value": value}


app.include_router(router)
'''

CASES = {
    "/cases/{case_id}": None, "/owners/{owner_id}": None, "/aliased/{item_id}": None,
    "/unused/{item_id}": "FPI410", "/projects": "FPI410", "/kwargs/{year}": "FPI410",
    "/mismatch/{item_id}": "FPI411", "/defaulted/{order_id}": "FPI411",
    "/ints/{value:int}": "FPI412", "/floats/{value:float}": "FPI412", "/uuids/{value:uuid}": "FPI412",
    "/partial/{value:float}": None, "/paths/{value:path}": None,
}


def _reported() -> dict[str, set[str]]:
    """For each route path, the codes reported on its decorator or its parameters."""
    lines = APP_SOURCE.splitlines()
    result = check_source(APP_SOURCE, "app.py", Settings(select=["FPI410", "FPI411", "FPI412"]))
    found: dict[str, set[str]] = {}
    for diagnostic in result.diagnostics:
        row = diagnostic.location.row
        decorator = next(lines[r - 1] for r in range(row, 0, -1) if lines[r - 1].startswith("@"))
        path = decorator.split('"')[1]
        found.setdefault(path, set()).add(diagnostic.code)
    return found


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> TestClient:
    return TestClient(load(tmp_path_factory.mktemp("app"), APP_SOURCE).app)


def test_the_rules_report_exactly_the_broken_routes() -> None:
    reported = _reported()
    assert reported == {path: {code} for path, code in CASES.items() if code is not None}


def test_silent_routes_receive_the_value(client: TestClient) -> None:
    # A dependency that reads request.path_params, a class dependency, an alias.
    assert client.get("/cases/7").json() == {"case": "case 7"}
    assert client.get("/owners/3").json() == {"owner": 3}
    assert client.get("/aliased/5").json() == {"item": 5}


def test_an_unreceived_path_parameter_is_served_but_never_seen(client: TestClient) -> None:
    assert client.get("/unused/1").status_code == 200
    assert client.get("/unused/1").json() == {}
    assert client.get("/orgs/acme/projects").json() == {}


def test_kwargs_receives_no_path_parameter_and_is_a_required_query_parameter(client: TestClient) -> None:
    response = client.get("/kwargs/2024")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "filters"]


def test_a_near_miss_name_is_a_query_parameter(client: TestClient) -> None:
    response = client.get("/mismatch/5")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "itemid"]
    assert client.get("/mismatch/5?itemid=9").json() == {"item": 9}  # the path's 5 is lost
    assert client.get("/defaulted/5").json() == {"order": 0}  # the default, not the path


@pytest.mark.parametrize(("path", "samples"), [
    ("/ints", ["5", "0", "123"]),
    ("/floats", ["5", "1.5", "0.0"]),
    ("/uuids", [str(uuid.uuid4()), "00000000-0000-0000-0000-000000000001"]),
])
def test_a_contradicting_annotation_rejects_every_value(client: TestClient, path: str, samples: list[str]) -> None:
    for sample in samples:
        assert client.get(f"{path}/{sample}").status_code == 422, sample


def test_partly_accepting_pairs_are_left_alone(client: TestClient) -> None:
    assert client.get("/partial/5").json() == {"value": 5}
    assert client.get("/partial/1.5").status_code == 422
    assert client.get("/paths/5").json() == {"value": 5}


def test_the_fix_makes_the_endpoint_receive_the_value(tmp_path) -> None:
    outcome = fix_source(APP_SOURCE, "app.py", Settings(select=["FPI410"]), unsafe=True)
    assert outcome.error is None
    assert outcome.fixed["FPI410"] == 2  # `**filters` gets no fix
    fixed = TestClient(load(tmp_path, outcome.text).app)
    assert "def read_unused(item_id: str):" in outcome.text
    assert fixed.get("/unused/1").json() == {"item_id": "1"}
    assert "def list_projects(org_id: str):" in outcome.text
    assert fixed.get("/orgs/acme/projects").json() == {"org_id": "acme"}
    assert check_source(outcome.text, "app.py", Settings(select=["FPI410"])).diagnostics[0].message.startswith(
        "Path parameter `year`"
    )


# --------------------------------------------------------------------------- a project

def test_the_casefile_project_serves_what_the_rules_say() -> None:
    """The fixture project's dependencies in other modules receive what the rules say:
    `{case_id}` read from `request.path_params` by a dependency of another module, `{org_id}`
    by a class dependency's `__init__` under a router dependency and an include dependency;
    the reported routes never see the value (or answer 422)."""
    from pathlib import Path

    from test_projects_runtime import imported

    root = Path(__file__).parent / "fixtures" / "projects" / "casefile"
    with imported(root):
        import importlib

        client = TestClient(importlib.import_module("casefile.main").app)
        assert client.get("/cases/1").json() == {"id": 1, "title": "Outage"}
        assert client.get("/cases/2").status_code == 404  # the dependency read the path
        assert client.get("/cases/1/summary").json() == {"title": "Outage"}
        assert client.get("/orgs/acme/cases/3").json() == {"case": "3", "org": "acme"}
        assert client.get("/orgs/acme/teams").json() == []
        # Reported: FPI410's routes answer without the value, FPI411's always 422.
        assert client.get("/cases/9/events").json() == {"page": 1}
        assert client.get("/orgs/acme/billing").json() == client.get("/orgs/other/billing").json()
        response = client.get("/cases/1/notes")
        assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "caseid"]


def test_the_example_apps_path_parameter_findings_hold(monkeypatch) -> None:
    """examples/bookshop/routers/authors.py: one route per rule, as a client sees it."""
    import sys

    from test_examples import EXAMPLES, lint_examples

    messages = {d["code"]: d["message"] for d in lint_examples() if d["filename"].endswith("authors.py") and d["code"].startswith("FPI41")}
    assert sorted(messages) == ["FPI410", "FPI411", "FPI412"]
    monkeypatch.syspath_prepend(str(EXAMPLES))
    from bookshop.main import app

    try:
        client = TestClient(app)
        assert client.get("/authors/1/books").json() == client.get("/authors/2/books").json()
        assert client.get("/authors/1").status_code == 422  # `authorid` is a query parameter
        assert client.get("/authors/1/name").status_code == 422  # the convertor hands an int
    finally:
        for name in [m for m in sys.modules if m == "bookshop" or m.startswith("bookshop.")]:
            del sys.modules[name]
