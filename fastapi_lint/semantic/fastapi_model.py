"""FastAPI applications, routers, their routes, includes and mounts, in registration order.

Each `FastAPI(...)` or `APIRouter(...)` construction is one `RouterObject`; every name
bound to it (or a parameter annotated with the class) points at it. Route decorators,
`add_api_route`, `include_router` and `mount` append *events* to the object in the order
the module runs them, which is the order Starlette will try the routes in.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterator

HTTP_METHOD_DECORATORS = {
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "head": "HEAD",
    "options": "OPTIONS",
    "trace": "TRACE",
}

# Paths FastAPI registers before any user route, with the keyword that disables each.
FASTAPI_BUILTIN_ROUTES = (
    ("openapi_url", "/openapi.json"),
    ("docs_url", "/docs"),
    ("swagger_ui_oauth2_redirect_url", "/docs/oauth2-redirect"),
    ("redoc_url", "/redoc"),
)


@dataclass
class RouterObject:
    kind: str  # "app" or "router"
    name: str
    node: ast.AST  # the construction (or the parameter it came from)
    keywords: dict[str, ast.expr] = field(default_factory=dict)
    # The router's own `prefix=`; None when it is not a constant we can read.
    prefix: str | None = ""
    # FastAPI's documentation routes, registered before any user route (apps only).
    builtin_paths: tuple[str, ...] = ()
    events: list = field(default_factory=list)
    # True when the object came from somewhere we cannot see (a parameter, a factory):
    # its registration order relative to other objects is unknown.
    opaque: bool = False
    # Routers whose routes are only documentation (`callbacks=router.routes`).
    callback_only: bool = False

    @property
    def routes(self) -> list[Route]:
        return [e for e in self.events if isinstance(e, Route)]


@dataclass
class Route:
    owner: RouterObject
    kind: str  # "http" or "websocket"
    methods: frozenset[str]
    path: str | None  # None when the path is not a constant we can read
    node: ast.AST  # the decorator expression or the add_api_route call
    handler: ast.AST | None  # the FunctionDef / AsyncFunctionDef, when known
    keywords: dict[str, ast.expr]
    # `**kwargs` in the registration call: any keyword (status_code...) may be set.
    has_star_kwargs: bool = False

    @property
    def handler_name(self) -> str:
        return getattr(self.handler, "name", "<unknown>")

    @property
    def line(self) -> int:
        return self.node.lineno


@dataclass
class Include:
    owner: RouterObject
    child: RouterObject | None  # None: the included router could not be resolved
    prefix: str | None  # "" when absent; None when not a readable constant
    node: ast.Call


@dataclass
class Mount:
    owner: RouterObject
    path: str | None
    node: ast.Call


@dataclass
class ResolvedRoute:
    """A route as the application sees it: full path and registration position."""

    route: Route | None  # None for FastAPI's built-in documentation routes and mounts
    path: str
    methods: frozenset[str]
    kind: str
    node: ast.AST | None
    mount: Mount | None = None

    @property
    def label(self) -> str:
        if self.mount is not None:
            return f"mount `{self.path}`"
        methods = ",".join(sorted(self.methods)) if self.kind == "http" else "WEBSOCKET"
        return f"{methods} {self.path}"


def flatten(obj: RouterObject, prefix: str = "", seen: frozenset[int] = frozenset()) -> Iterator[ResolvedRoute]:
    """The routes of `obj` in the order Starlette tries them, including routers' routes.

    Routes whose full path cannot be known (non-constant path or prefix) are skipped:
    they neither shadow nor get reported, rather than be guessed.
    """
    if id(obj) in seen or obj.prefix is None:
        return
    seen = seen | {id(obj)}
    prefix = prefix + obj.prefix
    for path in obj.builtin_paths:
        yield ResolvedRoute(None, path, frozenset({"GET", "HEAD"}), "http", None)
    for event in obj.events:
        if isinstance(event, Route):
            if event.path is None:
                continue
            yield ResolvedRoute(event, prefix + event.path, event.methods, event.kind, event.node)
        elif isinstance(event, Include):
            if event.child is None or event.child.callback_only:
                continue
            if event.prefix is None:
                continue
            yield from flatten(event.child, prefix + event.prefix, seen)
        elif isinstance(event, Mount):
            if event.path is None:
                continue
            yield ResolvedRoute(
                None, prefix + event.path.rstrip("/"), frozenset(), "mount", event.node, mount=event
            )
