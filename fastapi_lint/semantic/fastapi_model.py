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

# Starlette's own registrations, inherited by FastAPI and APIRouter: they do not add the
# router's `prefix=`. For `route`/`add_route`, the position of the `methods` argument.
STARLETTE_ROUTE_METHODS = {"route": 1, "add_route": 2}
STARLETTE_WEBSOCKET_METHODS = frozenset({"websocket_route", "add_websocket_route"})

@dataclass
class RouterObject:
    kind: str  # "app" or "router"
    name: str
    node: ast.AST  # the construction (or the parameter it came from)
    keywords: dict[str, ast.expr] = field(default_factory=dict)
    # The router's own `prefix=`; None when it is not a constant we can read.
    prefix: str | None = ""
    # FastAPI's documentation routes, registered before any user route (apps only):
    # (the keyword that sets the URL, path) pairs.
    builtin_paths: tuple[tuple[str, str], ...] = ()
    events: list = field(default_factory=list)
    # True when the object came from somewhere we cannot see (a parameter, a factory):
    # its registration order relative to other objects is unknown.
    opaque: bool = False
    # Routers whose routes are only documentation (`callbacks=router.routes`).
    callback_only: bool = False
    # The scope (module, function...) the object was built in. Registrations made from
    # another scope (a function body adding routes to a module-level app) run when that
    # function is called: their place in the registration order is unknown.
    scope: object | None = None

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
    # FastAPI's own registrations (`get`, `api_route`, `websocket`...) prepend the router's
    # `prefix=`; Starlette's (`route`, `add_route`, `websocket_route`) do not.
    own_prefix: bool = True
    scope: object | None = None  # where the registration ran (see RouterObject.scope)
    # What decides the answer besides the path (`answer_of`); set from a project summary.
    answer: tuple[str, frozenset[str]] | None = None

    @property
    def handler_name(self) -> str:
        return getattr(self.handler, "name", "<unknown>")

    @property
    def line(self) -> int:
        return self.node.lineno


def answer_of(route: Route) -> tuple[str, frozenset[str]] | None:
    """(the handler and the registration's arguments but the path, as one key; the names
    the handler's body reads), or None when that is unknown or the body reads
    `request.path_params` (any parameter). Two routes with the same key answer a request
    alike unless the handler reads a parameter one of them fills and the other does not."""
    if route.answer is not None or route.handler is None or not hasattr(route.handler, "body"):
        return route.answer
    read = set()
    for statement in route.handler.body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                read.add(node.id)
            elif isinstance(node, ast.Attribute) and node.attr == "path_params":
                return None
    arguments = ",".join(f"{k}={ast.dump(v)}" for k, v in sorted(route.keywords.items()) if k != "path")
    key = f"{route.handler.name}@{route.handler.lineno}:{route.handler.col_offset}|{arguments}"
    return key, frozenset(read)


@dataclass
class Include:
    owner: RouterObject
    child: RouterObject | None  # None: the included router could not be resolved
    prefix: str | None  # "" when absent; None when not a readable constant
    node: ast.Call
    scope: object | None = None


@dataclass
class Mount:
    owner: RouterObject
    path: str | None
    node: ast.Call
    scope: object | None = None


@dataclass
class ResolvedRoute:
    """A route as the application sees it: full path and registration position."""

    route: Route | None  # None for FastAPI's built-in documentation routes and mounts
    path: str  # for a mount: its prefix, without the trailing slash
    methods: frozenset[str]
    kind: str  # "http", "websocket" or "mount"
    node: ast.AST | None
    mount: Mount | None = None
    # For FastAPI's built-in documentation routes: the keyword that sets the URL.
    builtin: str | None = None
    # The `include_router` calls that brought the route into the application, outermost first.
    via: tuple[ast.Call, ...] = ()

    @property
    def label(self) -> str:
        if self.mount is not None:
            return f"mount `{self.path or '/'}`"
        methods = ",".join(sorted(self.methods)) if self.kind == "http" else "WEBSOCKET"
        return f"{methods} {self.path}"


def flatten(
    obj: RouterObject, prefix: str = "", seen: frozenset[int] = frozenset(), via: tuple[ast.Call, ...] = ()
) -> Iterator[ResolvedRoute]:
    """The routes of `obj` in the order Starlette tries them, including routers' routes.

    This is FastAPI 0.165's order: an included router is one entry of its parent's route
    list, resolved lazily, so all of its routes (even those added after the
    `include_router` call) are tried at the include's position. `prefix` is the include
    context's prefix (the parents' prefixes and `include_router(prefix=...)`); a router's
    own `prefix=` is added only by FastAPI's registrations, which bake it into the route's
    path, so Starlette-style routes and mounts of a prefixed router do not get it.

    Skipped rather than guessed (they neither shadow nor get reported): routes whose full
    path is not a constant, and registrations made from another scope than the object's
    construction (their order is unknown). Opaque objects (parameters) have unknown
    documentation settings, so no built-in routes.
    """
    if id(obj) in seen or obj.prefix is None:
        return
    seen = seen | {id(obj)}
    if not obj.opaque:
        for setting, path in obj.builtin_paths:
            # Starlette routes (`add_route`): GET, and HEAD with it.
            yield ResolvedRoute(None, prefix + path, frozenset({"GET", "HEAD"}), "http", None, builtin=setting)
    for event in obj.events:
        if getattr(event, "scope", None) is not obj.scope:
            continue
        if isinstance(event, Route):
            if event.path is None:
                continue
            own = obj.prefix if event.own_prefix else ""
            yield ResolvedRoute(
                event, prefix + own + event.path, event.methods, event.kind, event.node, via=via
            )
        elif isinstance(event, Include):
            if event.child is None or event.child.callback_only or event.prefix is None:
                continue
            # FastAPI: include context prefix = parent router's prefix + include prefix.
            yield from flatten(event.child, prefix + obj.prefix + event.prefix, seen, via + (event.node,))
        elif isinstance(event, Mount):
            if event.path is None:
                continue
            yield ResolvedRoute(
                None, (prefix + event.path).rstrip("/"), frozenset(), "mount", event.node, mount=event, via=via
            )


class RegistrationBranches:
    """Which branch of which `if` / `match` statement each registration sits in.

    Registrations in different branches of one statement never both run
    (`if settings.v2: app.include_router(v2) else: app.include_router(v1)`).
    """

    def __init__(self, tree: ast.Module) -> None:
        self._tree = tree
        self._parents: dict[int, tuple[ast.AST, str]] | None = None
        self._paths: dict[int, dict[int, object]] = {}

    def _branches_of(self, node: ast.AST) -> dict[int, object]:
        if self._parents is None:
            self._parents = {}
            for parent in ast.walk(self._tree):
                for name, value in ast.iter_fields(parent):
                    for child in value if isinstance(value, list) else [value]:
                        if isinstance(child, ast.AST):
                            self._parents[id(child)] = (parent, name)
        key = id(node)
        if key not in self._paths:
            branches: dict[int, object] = {}
            while id(node) in self._parents:
                parent, name = self._parents[id(node)]
                if isinstance(parent, ast.If) and name in ("body", "orelse"):
                    branches[id(parent)] = name
                elif isinstance(parent, ast.Match) and name == "cases":
                    branches[id(parent)] = id(node)
                node = parent
            self._paths[key] = branches
        return self._paths[key]

    def _all_branches(self, resolved: ResolvedRoute) -> dict[int, object]:
        branches: dict[int, object] = {}
        for node in (*resolved.via, resolved.node):
            if node is not None:
                branches.update(self._branches_of(node))
        return branches

    def conditional(self, resolved: ResolvedRoute) -> bool:
        """True when the registration sits in a branch of an `if` or `match`."""
        return bool(self._all_branches(resolved))

    def exclusive(self, first: ResolvedRoute, second: ResolvedRoute) -> bool:
        if first.node is None or second.node is None:  # built-in routes always exist
            return False
        mine, theirs = self._all_branches(first), self._all_branches(second)
        return any(theirs.get(statement, branch) != branch for statement, branch in mine.items())


# Route classes known to match as `APIRoute` does.
_STANDARD_ROUTE_CLASSES = frozenset({"fastapi.routing.APIRoute", "fastapi.APIRoute"})


def has_custom_matching(model, resolved: ResolvedRoute) -> bool:
    """A route built by a `route_class` that may override `matches()`: its paths are unknown."""
    route = resolved.route
    if route is None:
        return False
    expr = route.keywords.get("route_class_override") or route.owner.keywords.get("route_class")
    if expr is None:
        return False
    return _may_override_matches(model, model.resolve(expr, model.module), set())


def _may_override_matches(model, qualname: str | None, seen: set[str]) -> bool:
    if qualname in _STANDARD_ROUTE_CLASSES or qualname in seen:
        return False
    seen.add(qualname)
    found = model.class_named(qualname)
    if found is not None:
        node, scope = found
        defines = any(
            isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == "matches"
            for statement in node.body
        )
        return defines or any(_may_override_matches(model, base, seen) for base in scope.base_qualnames)
    return True  # a class from elsewhere: we cannot tell
