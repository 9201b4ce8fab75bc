"""FPI300's claims, checked against a real FastAPI app (FACTS.md, "Status codes").

One source is both linted and run: the test asserts which routes the rule reports, then
sends requests through `TestClient` and reads the OpenAPI document, so the rule's message
("answers 200", "add status_code=201") and its silences are what a client really sees.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings

APP_SOURCE = '''
from http import HTTPStatus

from fastapi import BackgroundTasks, FastAPI, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str


saved: list[str] = []  # the in-memory database: each route that creates stores here


@app.post("/items/")
def create_item(item: Item):
    saved.append(item.name)
    return item


@app.post("/echoes/")
def create_echo(item: Item):
    return item


@app.post("/orders/", status_code=status.HTTP_201_CREATED)
def create_order(item: Item):
    saved.append(item.name)
    return item


@app.post("/receipts/", status_code=HTTPStatus.CREATED)
def create_receipt(item: Item):
    saved.append(item.name)
    return item


@app.post("/notes/")
def create_note(item: Item):
    saved.append(item.name)
    return JSONResponse({"name": item.name}, status_code=201)


def created(body: dict) -> JSONResponse:
    return JSONResponse(body, status_code=status.HTTP_201_CREATED)


@app.post("/comments/")
def create_comment(item: Item):
    saved.append(item.name)
    return created({"name": item.name})


@app.post("/projects/")
def create_project(item: Item, response: Response):
    response.status_code = 201
    saved.append(item.name)
    return item


@app.post("/documents/")
def create_document(item: Item):
    saved.append(item.name)
    return JSONResponse({"name": item.name})


@app.post("/drafts/", status_code=201)
def create_draft(item: Item):
    saved.append(item.name)
    return JSONResponse({"name": item.name})


@app.post("/accounts/")
def create_account(item: Item):
    if item.name == "taken":
        return JSONResponse({"detail": "taken"}, status_code=status.HTTP_409_CONFLICT)
    saved.append(item.name)
    return item


@app.post("/token")
def create_access_token(item: Item):
    return {"access_token": item.name, "token_type": "bearer"}


def save_report(name: str) -> None:
    saved.append(name)


@app.post("/reports/")
def create_report(item: Item, background_tasks: BackgroundTasks):
    background_tasks.add_task(save_report, item.name)
    return {"stored": item.name in saved}


@app.post("/queued-reports/", status_code=status.HTTP_202_ACCEPTED)
def create_queued_report(item: Item, background_tasks: BackgroundTasks):
    background_tasks.add_task(save_report, item.name)
    return {"stored": item.name in saved}
'''


@pytest.fixture(scope="module")
def namespace() -> dict:
    namespace: dict = {}
    exec(compile(APP_SOURCE, "status_app.py", "exec", dont_inherit=True), namespace)
    return namespace


@pytest.fixture(scope="module")
def client(namespace: dict) -> TestClient:
    return TestClient(namespace["app"])


@pytest.fixture(scope="module")
def openapi(client: TestClient) -> dict:
    return client.get("/openapi.json").json()


def reported_handlers(source: str, settings: Settings | None = None) -> set[str]:
    result = check_source(source, "status_app.py", settings or Settings(select=["FPI300"]))
    assert result.error is None
    return {d.message.split("`")[1] for d in result.diagnostics}


def documented_codes(openapi: dict, path: str) -> set[str]:
    return set(openapi["paths"][path]["post"]["responses"]) - {"422"}


def test_the_rule_reports_exactly_the_routes_that_answer_200() -> None:
    assert reported_handlers(APP_SOURCE) == {"create_item", "create_document", "create_account", "create_report"}


def test_a_reported_route_answers_200_and_documents_200(client: TestClient, openapi: dict) -> None:
    response = client.post("/items/", json={"name": "pen"})
    assert response.status_code == 200
    assert documented_codes(openapi, "/items/") == {"200"}


@pytest.mark.parametrize("path", ["/orders/", "/receipts/"])
def test_status_code_201_answers_and_documents_201(client: TestClient, openapi: dict, path: str) -> None:
    assert client.post(path, json={"name": "pen"}).status_code == 201
    assert documented_codes(openapi, path) == {"201"}


@pytest.mark.parametrize("path", ["/notes/", "/comments/"])
def test_returned_json_response_with_201_answers_201_but_openapi_says_200(
    client: TestClient, openapi: dict, path: str
) -> None:
    response = client.post(path, json={"name": "pen"})
    assert response.status_code == 201
    assert response.json() == {"name": "pen"}
    assert documented_codes(openapi, path) == {"200"}


def test_response_status_code_assignment_sends_201_but_openapi_says_200(
    client: TestClient, openapi: dict
) -> None:
    assert client.post("/projects/", json={"name": "pen"}).status_code == 201
    assert documented_codes(openapi, "/projects/") == {"200"}


def test_a_returned_response_ignores_the_decorator_status_code(client: TestClient, openapi: dict) -> None:
    # Why the message for `create_document` asks for status_code on the JSONResponse:
    # the decorator's 201 only changes the documentation.
    assert client.post("/documents/", json={"name": "pen"}).status_code == 200
    assert client.post("/drafts/", json={"name": "pen"}).status_code == 200
    assert documented_codes(openapi, "/drafts/") == {"201"}


def test_message_for_a_returned_response_names_it() -> None:
    result = check_source(APP_SOURCE, "status_app.py", Settings(select=["FPI300"]))
    messages = {d.message.split("`")[1]: d.message for d in result.diagnostics}
    assert "`JSONResponse`" in messages["create_document"]
    assert "add `status_code=201`" in messages["create_item"]


def test_an_error_status_in_one_branch_leaves_success_at_200(client: TestClient) -> None:
    assert client.post("/accounts/", json={"name": "taken"}).status_code == 409
    assert client.post("/accounts/", json={"name": "new"}).status_code == 200


def test_an_action_route_answers_200_and_is_not_reported(client: TestClient) -> None:
    assert client.post("/token", json={"name": "pen"}).status_code == 200
    assert "create_access_token" not in reported_handlers(APP_SOURCE)


def test_an_echo_of_the_body_is_not_reported(client: TestClient) -> None:
    # Named like a creation, but it stores nothing: there is no created resource to announce.
    assert client.post("/echoes/", json={"name": "pen"}).json() == {"name": "pen"}
    assert "create_echo" not in reported_handlers(APP_SOURCE)


def test_a_background_creation_is_not_done_when_the_response_is_built(
    client: TestClient, namespace: dict, openapi: dict
) -> None:
    # Why the message asks for 202, not 201: the handler answers before the task stores.
    message = next(
        d.message for d in check_source(APP_SOURCE, "status_app.py", Settings(select=["FPI300"])).diagnostics
        if "`create_report`" in d.message
    )
    assert "background task (`save_report()`" in message and "add `status_code=202`" in message
    response = client.post("/reports/", json={"name": "q1"})
    assert (response.status_code, response.json()) == (200, {"stored": False})
    assert "q1" in namespace["saved"]  # the task ran after the response was built
    queued = client.post("/queued-reports/", json={"name": "q2"})
    assert (queued.status_code, queued.json()) == (202, {"stored": False})
    assert "q2" in namespace["saved"]  # a 202 route still runs its background tasks
    assert documented_codes(openapi, "/queued-reports/") == {"202"}


def test_fixing_the_reported_route_makes_it_answer_201_and_silences_the_rule() -> None:
    fixed = APP_SOURCE.replace('@app.post("/items/")', '@app.post("/items/", status_code=201)')
    fixed = fixed.replace('@app.post("/accounts/")', '@app.post("/accounts/", status_code=201)')
    fixed = fixed.replace('@app.post("/reports/")', '@app.post("/reports/", status_code=202)')
    fixed = fixed.replace(
        'return JSONResponse({"name": item.name})\n\n\n@app.post("/drafts/"',
        'return JSONResponse({"name": item.name}, status_code=201)\n\n\n@app.post("/drafts/"',
    )
    assert reported_handlers(fixed) == set()
    namespace: dict = {}
    exec(compile(fixed, "fixed_app.py", "exec", dont_inherit=True), namespace)
    fixed_client = TestClient(namespace["app"])
    assert fixed_client.post("/items/", json={"name": "pen"}).status_code == 201
    assert fixed_client.post("/documents/", json={"name": "pen"}).status_code == 201
    assert fixed_client.post("/accounts/", json={"name": "new"}).status_code == 201
    assert fixed_client.post("/accounts/", json={"name": "taken"}).status_code == 409
    assert fixed_client.post("/reports/", json={"name": "q3"}).status_code == 202


def test_the_diagnostic_starts_at_the_decorators_at_sign() -> None:
    source = (
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
        "class Api:\n    @router.post('/items')\n    def create_item(self, db):\n        db.add({})\n"
    )
    result = check_source(source, "nested.py", Settings(select=["FPI300"]))
    [diagnostic] = result.diagnostics
    assert (diagnostic.location.row, diagnostic.location.column) == (7, 5)
    assert (diagnostic.end_location.row, diagnostic.end_location.column) == (7, 27)


def test_action_words_are_configurable() -> None:
    source = (
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "@app.post('/carts/{cart_id}/checkouts')\ndef create_checkout(cart_id: int):\n"
        "    checkouts.append(cart_id)\n    return {}\n\n\ncheckouts = []\n"
    )
    assert reported_handlers(source) == {"create_checkout"}
    extended = Settings(
        select=["FPI300"], rule_options={"post-route-without-201": {"extend-action-words": ["checkout"]}}
    )
    assert reported_handlers(source, extended) == set()
    replaced = Settings(select=["FPI300"], rule_options={"post-route-without-201": {"action-words": ["checkout"]}})
    assert reported_handlers(source, replaced) == set()
    token_source = source.replace("checkouts", "token").replace("create_checkout", "create_token")
    assert reported_handlers(token_source, replaced) == {"create_token"}
