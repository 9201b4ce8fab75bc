"""FPI400's claims, run: every FPI400 fixture is imported and its apps are sent requests.

- Every reported route: a request for the example path (with a method it loses) must NOT
  reach its handler; when a single user route shadows it, that route answers instead
  (or its own validation error does, for `{user_id}` with `user_id: int`).
- Every route the rule leaves alone: a request for a path that no earlier route takes (the
  witness from `paths.covers`) must reach its handler, for each of its methods.

Who answered is read twice: from the endpoint Starlette's router put in the request scope,
and from the response, since fixture handlers return their own name (or send it over the
websocket, or in an `x-handler` header when the method is HEAD, whose responses have no
body). The scope also names the handler when it answered with a validation error (`/users/x`
for `user_id: int`).
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import sys

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from fastapi_lint.checker import Checker
from fastapi_lint.diagnostics import SourceLines
from fastapi_lint.rules.shadowed_route import ShadowedRouteFinding, find_shadowed_routes
from fastapi_lint.semantic.fastapi_model import (
    RegistrationBranches,
    ResolvedRoute,
    flatten,
    has_custom_matching,
)
from fastapi_lint.semantic.paths import compile_mount, compile_path, covers
from fastapi_lint.settings import Settings
from fixture_harness import FIXTURES

FPI400_FIXTURES = sorted(p for p in (FIXTURES / "FPI400").glob("*.py") if not p.name.endswith(".fixed.py"))


def analyse(path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    checker = Checker(tree, SourceLines(source), str(path), [], Settings())
    checker.run()
    return tree, checker.model


def load(path):
    name = f"fpi400_fixture_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def runtime_object(root, tree: ast.Module, module):
    """The FastAPI app or APIRouter that `root` stands for, at run time."""
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and statement.value is root.node:
            return getattr(module, statement.targets[0].id)
        if isinstance(statement, ast.AnnAssign) and statement.value is root.node:
            return getattr(module, statement.target.id)
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside = any(node is root.node for node in ast.walk(statement))
            if not inside:
                continue
            function = getattr(module, statement.name)
            if isinstance(root.node, ast.arg):  # `def register(target: APIRouter)`
                target = FastAPI() if root.kind == "app" else APIRouter()
                function(target)
                return target
            return function()  # an application factory
    raise AssertionError(f"cannot find {root.name} at line {root.node.lineno}")


class EndpointRecorder:
    """Keeps the request scope: the router records the endpoint it chose in it."""

    def __init__(self, app) -> None:
        self.app = app
        self.scope: dict = {}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "lifespan":
            self.scope = scope
        await self.app(scope, receive, send)


class Client:
    def __init__(self, obj) -> None:
        if isinstance(obj, APIRouter):  # a router analysed on its own: serve it as it is
            app = FastAPI(openapi_url=None)
            app.include_router(obj)
            obj = app
        self.recorder = EndpointRecorder(obj)
        self.client = TestClient(self.recorder)
        # Handlers the running app has (an `if` branch not taken registers nothing).
        self.endpoints = {getattr(c.endpoint, "__name__", None) for c in iter_route_contexts(obj.routes)}

    def answer(self, kind_method: tuple[str, str], path: str) -> tuple[int, str | None, str]:
        """(status, the endpoint the router chose, what the response says)."""
        kind, method = kind_method
        self.recorder.scope = {}
        if kind == "websocket":
            try:
                with self.client.websocket_connect(path) as websocket:
                    status, said = 101, websocket.receive_text()
            except WebSocketDisconnect as closed:  # refused by whoever took the connection
                status, said = closed.code, "<closed>"
        else:
            response = self.client.request(method, path)
            status = response.status_code
            if "x-handler" in response.headers:
                said = response.headers["x-handler"]
            else:
                try:
                    said = response.json()
                except json.JSONDecodeError:
                    said = response.text
                said = said if isinstance(said, str) else json.dumps(said)
        endpoint = self.recorder.scope.get("endpoint")
        # Which route took it: one handler may sit under several paths (stacked decorators).
        self.route_path = getattr(self.recorder.scope.get("route"), "path", None)
        return status, getattr(endpoint, "__name__", None), said


def handler_name(resolved: ResolvedRoute) -> str:
    return resolved.route.handler_name


def method_keys(resolved: ResolvedRoute) -> list[tuple[str, str]]:
    if resolved.kind == "websocket":
        return [("websocket", "")]
    return sorted(("http", m) for m in resolved.methods)


def takes(resolved: ResolvedRoute, key: tuple[str, str]) -> bool:
    return resolved.mount is not None or key in method_keys(resolved)


def pattern_of(resolved: ResolvedRoute):
    return compile_mount(resolved.path) if resolved.mount is not None else compile_path(resolved.path)


def preferred(keys):
    """A method whose response has a body, when there is one."""
    keys = sorted(keys)
    return next((k for k in keys if k[1] != "HEAD"), keys[0])


def cases():
    return [pytest.param(path, id=path.name) for path in FPI400_FIXTURES]


@pytest.mark.parametrize("path", cases())
def test_reported_routes_never_answer(path):
    tree, model = analyse(path)
    findings = find_shadowed_routes(model, tree)
    assert findings, "every FPI400 fixture has true positives"
    module = load(path)
    checked = 0
    for root in model.root_routers():
        in_root = {id(r.route) for r in flatten(root) if r.route is not None}
        mine: list[ShadowedRouteFinding] = [f for f in findings if id(f.route.route) in in_root]
        if not mine:
            continue
        client = Client(runtime_object(root, tree, module))
        for finding in mine:
            key = preferred(finding.methods)
            status, endpoint, said = client.answer(key, finding.example)
            shadowed = handler_name(finding.route)
            if shadowed in {handler_name(e) for e in finding.earlier if e.route is not None}:
                # One handler under both paths: the earlier route took it, with its parameters.
                assert client.route_path not in (finding.route.path, finding.route.route.path), finding.message
            else:
                assert shadowed not in (endpoint, said), (path.name, finding.message, finding.example)
            if all(e.route is not None for e in finding.earlier):
                earlier_names = {handler_name(e) for e in finding.earlier}
                assert endpoint in earlier_names, (finding.message, status, endpoint, said)
                assert said in earlier_names or status == 422, (finding.message, status, said)
            checked += 1
    assert checked == len(findings)


@pytest.mark.parametrize("path", cases())
def test_routes_left_alone_answer(path):
    tree, model = analyse(path)
    reported = {id(f.route.route) for f in find_shadowed_routes(model, tree)}
    branches = RegistrationBranches(tree)
    module = load(path)
    checked = 0
    for root in model.root_routers():
        # As the rule sees them: routes of a custom `matches()` make no claim either way.
        resolved_routes = [r for r in flatten(root) if not has_custom_matching(model, r)]
        client = None
        for index, resolved in enumerate(resolved_routes):
            if resolved.route is None or id(resolved.route) in reported:
                continue
            pattern = pattern_of(resolved)
            if pattern is None:
                continue
            client = client or Client(runtime_object(root, tree, module))
            if handler_name(resolved) not in client.endpoints:
                assert branches.conditional(resolved), resolved.label  # a branch not taken
                continue
            for key in method_keys(resolved):
                earlier = [
                    pattern_of(e)
                    for e in resolved_routes[:index]
                    if takes(e, key) and pattern_of(e) and not branches.exclusive(e, resolved)
                ]
                witness = covers(earlier, pattern)
                name = handler_name(resolved)
                if witness.included:
                    # Left alone although an earlier route takes its requests: that route
                    # runs the same handler, which answers the same (`stacked_pages.py`).
                    status, endpoint, said = client.answer(key, pattern.sample)
                    assert (endpoint, said) == (name, name), (path.name, resolved.label, endpoint, said)
                    checked += 1
                    continue
                status, endpoint, said = client.answer(key, witness.path)
                assert endpoint == name, (resolved.label, key, witness.path, status, endpoint)
                assert said == name or status == 422, (resolved.label, key, witness.path, status, said)
                checked += 1
    assert checked > 0


def test_fixture_handlers_name_themselves():
    """The oracle relies on it: every handler returns (or sends) its own name."""
    for path in FPI400_FIXTURES:
        module = load(path)
        tree, model = analyse(path)
        for route in model.routes:
            handler = route.handler
            if handler is None or route.owner.callback_only:
                continue
            text = ast.get_source_segment(path.read_text(encoding="utf-8"), handler)
            assert f'"{handler.name}"' in text, (path.name, handler.name)
        assert inspect.ismodule(module)


def test_path_convertor_stops_at_a_newline_which_the_rule_ignores():
    """Starlette's `path` convertor is `.*`: it does not match a newline (`%0A`), so a
    request for `/files/x%0Ay` escapes `/files/{rest:path}`. The rule treats paths with a
    newline as out of scope; otherwise no catch-all would ever shadow anything."""
    source = (
        "from fastapi import FastAPI\n"
        "app = FastAPI()\n"
        "@app.get('/files/{rest:path}')\n"
        "def catch_all(rest: str):\n"
        "    return 'catch_all'\n"
        "@app.get('/files/{name}')\n"
        "def one_file(name: str):\n"
        "    return 'one_file'\n"
    )
    from fastapi_lint.checker import check_source

    diagnostics = check_source(source, "newline.py", Settings(select=["FPI400"])).diagnostics
    assert [d.location.row for d in diagnostics] == [6]
    namespace: dict = {}
    exec(source, namespace)
    client = TestClient(namespace["app"])
    assert client.get("/files/report.pdf").json() == "catch_all"
    assert client.get("/files/x%0Ay").json() == "one_file"
