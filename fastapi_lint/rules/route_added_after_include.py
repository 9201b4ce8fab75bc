"""FPI402: a route added to a router after `include_router()` copied its routes."""

from __future__ import annotations

import ast

from ..semantic import fastapi_model as fm
from ._fastapi_version import VERSION_OPTION, rule_fastapi_version, shown
from .base import Rule

# FastAPI 0.137 keeps included routers as a tree resolved lazily; before it,
# `include_router()` copied the routes the router had at that moment.
TREE_SINCE = (0, 137)


class RouteAddedAfterInclude(Rule):
    """## What it does
    Checks for routes added to a router after `include_router()` included it, and for
    routers included into a router after that router was itself included, on FastAPI
    versions before 0.137, where those routes are never served.

    The FastAPI version is the `fastapi-version` option, else the one installed in the
    environment fastapi-lint runs in (read from its metadata, never imported), else the
    highest version the project's `pyproject.toml` (`[project] dependencies`, Poetry's
    dependencies) or `requirements*.txt` allows (`fastapi==0.115.2`, `fastapi<0.137`,
    `fastapi = "^0.110"`). When none of these says, or the version is 0.137 or later, the
    rule says nothing.

    Only registrations that run in the same scope as the include are compared (both at
    module level, or both in one function), in the order they run; a route added from
    another module or function is not checked, since its time is unknown.

    ## Why is this bad?
    Before FastAPI 0.137, `app.include_router(router)` copies the routes `router` has at
    that moment into the application. A route decorated on `router` after that line is
    added to the router only: the application answers 404 for it, and it is missing from
    OpenAPI. Tests that call the handler directly, or that build their own application
    after the module was imported, still pass. From FastAPI 0.137 on, the application
    keeps the router itself and resolves its routes lazily, so the late route is served;
    code that must run on both should still include routers last.

    ## Example
    On FastAPI 0.136 or earlier, `GET /items/1` answers 404:
    ```python
    from fastapi import APIRouter, FastAPI

    app = FastAPI()
    router = APIRouter(prefix="/items")

    app.include_router(router)


    @router.get("/{item_id}")
    async def read_item(item_id: int):
        return {"item_id": item_id}
    ```

    Use instead:
    ```python
    from fastapi import APIRouter, FastAPI

    app = FastAPI()
    router = APIRouter(prefix="/items")


    @router.get("/{item_id}")
    async def read_item(item_id: int):
        return {"item_id": item_id}


    app.include_router(router)
    ```

    ## Fix safety
    There is no fix: moving the `include_router()` call below the route changes the
    application's registration order (which route answers first, see FPI400).

    ## Options
    - `fastapi-version`

    ## References
    - [FastAPI: Bigger Applications, include an APIRouter](https://fastapi.tiangolo.com/tutorial/bigger-applications/#include-an-apirouter-in-another)
    - [FastAPI release notes](https://fastapi.tiangolo.com/release-notes/)
    """

    code = "FPI402"
    name = "route-added-after-include"
    message = "Route added to a router after it was included: FastAPI < 0.137 never serves it"
    options = (VERSION_OPTION,)

    def visit_module_end(self) -> None:
        includes = [
            event for obj in self.model.routers for event in obj.events
            if isinstance(event, fm.Include) and event.child is not None
        ]
        if not includes:
            return
        version, source = rule_fastapi_version(self)
        if version is None or version >= TREE_SINCE:
            return
        where = f"FastAPI {shown(version)} ({source})"
        reported: set[int] = set()
        for include in includes:
            for event in _late_registrations(include.child, include):
                if id(event) in reported:
                    continue
                reported.add(id(event))
                included = f"`{_call_text(self, include.node)}` (line {include.node.lineno})"
                child = _router_text(include)
                if isinstance(event, fm.Route):
                    path = (include.child.prefix or "") + (event.path or "") if event.own_prefix else event.path
                    label = f"{','.join(sorted(event.methods)) if event.kind == 'http' else 'WEBSOCKET'} {path}"
                    message = (
                        f"Route `{label}` is added to `{child}` after {included} copied its "
                        f"routes: on {where} it is never served (404, absent from OpenAPI); "
                        "include the router after its routes"
                    )
                    self.report_route(event, message)
                else:
                    message = (
                        f"`{_call_text(self, event.node)}` runs after {included} copied the routes of "
                        f"`{child}`: on {where} the routes it adds are never served there; "
                        "include routers innermost first"
                    )
                    self.report(event.node, message)


def _late_registrations(router: fm.RouterObject, include: fm.Include):
    """The routes and includes of `router` that run after `include`, in its scope."""
    after = (include.node.lineno, include.node.col_offset)
    for event in router.events:
        if event.scope is not include.scope or not isinstance(event, (fm.Route, fm.Include)):
            continue
        if (event.node.lineno, event.node.col_offset) > after:
            if isinstance(event, fm.Include) and event.child is None:
                continue
            yield event


def _router_text(include: fm.Include) -> str:
    call = include.node
    expr = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "router"), None)
    return ast.unparse(expr) if expr is not None else include.child.name


def _call_text(rule: Rule, node) -> str:
    text = rule.checker.lines.line(node.lineno)
    segment = text.strip()
    if node.lineno == getattr(node, "end_lineno", node.lineno):
        start = len(text.encode("utf-8")[: node.col_offset].decode("utf-8", "replace"))
        end = len(text.encode("utf-8")[: node.end_col_offset].decode("utf-8", "replace"))
        segment = text[start:end]
    return segment if len(segment) <= 60 else segment[:57] + "..."
