"""FPI400: a route that an earlier-registered route or mount always answers for."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..semantic import paths
from ..semantic.fastapi_model import RegistrationBranches, ResolvedRoute, answer_of, flatten, has_custom_matching
from ._route_order import RouteMoves
from .base import Rule

# Method keys: ("http", "GET"), ("websocket", ""). A mount takes every one of them.
_WEBSOCKET = ("websocket", "")


class ShadowedRoute(Rule):
    """## What it does
    Checks for routes that can never run because a route or mount registered earlier on the
    same application matches every request they would answer, for at least one of their
    methods.

    The order is the one Starlette tries routes in: FastAPI's documentation routes
    (`/openapi.json`, `/docs`, `/docs/oauth2-redirect`, `/redoc`) first, then the
    application's routes in registration order, each `include_router()` contributing its
    router's routes (with their prefixes) at the place of the call; that includes routes
    added to the router after the call, which FastAPI 0.165 serves there (it resolves
    included routers lazily; FastAPI 0.115 never serves such a route: 404, and absent from
    OpenAPI). Path convertors are taken
    into account (`{book_id:int}` does not match `featured`, `{file:path}` spans segments),
    as are partial segments such as `{name}.json` and mounts, which take every method under
    their prefix. Routes with different methods never shadow each other; `@app.get` does not
    answer HEAD.

    The rule only speaks when it knows: it stays silent about routes whose path, prefix or
    methods are not constants, routes added from inside a function to an application built
    elsewhere (their registration time is unknown), routers built by a call or included in
    a loop, routes in another branch of the same `if`, and routes built by a custom
    `route_class` that overrides `matches()`. When a project is checked, applications and
    routers are followed across its modules (a route is reported in its own file, naming
    the file of the route that shadows it); a file checked on its own says nothing about
    routers included from other modules. A router that no application includes is checked
    on its own. When applications are built at module level, a route they
    serve is judged in them only: an application built inside a function (a test fixture's,
    a factory's) neither hides nor adds a verdict about it. Nor is a route reported when the
    route that takes its requests runs the same handler with the same registration
    arguments (stacked decorators, `@router.get("/admin/{page}")` above
    `@router.get("/admin/limits")` on one `index`) and the handler never reads a path
    parameter the earlier route fills: the answer is the same. When a project has several
    module-level applications, the message names the one it is about.

    ## Why is this bad?
    Starlette picks the first route whose path pattern matches and whose methods include the
    request's method. Path parameters are validated only after that choice, so a type
    annotation does not help: with `@app.get("/books/{book_id}")` registered before
    `@app.get("/books/featured")`, `GET /books/featured` runs the first handler (or answers
    422 when `book_id: int`), and the second handler is dead code. Unit tests that call the
    handler function directly still pass, and `redirect_slashes` never rescues it: it only
    applies when no route matched at all.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/books/{book_id}")
    async def read_book(book_id: str):
        return {"book_id": book_id}


    @app.get("/books/featured")
    async def read_featured_books():
        return ["Dune"]
    ```

    Use instead:
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/books/featured")
    async def read_featured_books():
        return ["Dune"]


    @app.get("/books/{book_id}")
    async def read_book(book_id: str):
        return {"book_id": book_id}
    ```

    ## Fix safety
    The fix is unsafe: it changes routing, which is its point (the requests the earlier
    route took from the shadowed one go to the shadowed one). It moves the shadowed
    route's whole definition (the comment lines directly above it, its decorators and its
    function) above the route that shadows it, and is only offered when:

    - both are top-level definitions of the module, registered on the same application or
      router object, and a single route shadows it (not a mount, a documentation route,
      several routes together or a route of another router);
    - every statement it jumps over is a definition, an import, an assignment or a route
      registration (no `include_router()` or `mount()` in between), none binds or changes a
      name that the moved decorators, default values or annotations use (FastAPI resolves
      a route's annotations when its decorator runs, even under `from __future__ import
      annotations`), and none uses or binds the moved function's name;
    - after the move the route is not shadowed any more, no route it jumps over becomes
      shadowed (an exact duplicate gets no fix), and no route it jumps over loses a request
      to it other than the ones the shadowing route used to take, which is decided exactly
      on the paths as Starlette compiles them.

    ## References
    - [FastAPI: Path Parameters, order matters](https://fastapi.tiangolo.com/tutorial/path-params/#order-matters)
    - [FastAPI: Bigger Applications, include an APIRouter](https://fastapi.tiangolo.com/tutorial/bigger-applications/#include-an-apirouter-in-another)
    - [Starlette: Routing, route priority](https://www.starlette.io/routing/#route-priority)
    - [Starlette: Routing, path parameters and convertors](https://www.starlette.io/routing/#path-parameters)
    """

    code = "FPI400"
    name = "shadowed-route"
    message = "Route can never run: an earlier route matches every request for it"

    def visit_module_end(self) -> None:
        # The whole project's registration order (`fastapi_lint.project`), unless the file
        # is checked on its own. The text may differ from what the project summarised (a
        # fix ran): the project then re-reads this module from the text checked.
        project = self.model.project
        text = "".join(self.checker.lines.lines)
        findings = project.shadowed_routes(self.model, text) if project is not None else None
        if findings is None:
            findings = find_shadowed_routes(self.model, self.checker.tree)
        moves = RouteMoves(self.model, self.checker.tree, self.checker.lines)
        for finding in findings:
            self.report_route(finding.route.route, finding.message, fix=moves.fix(finding))


@dataclass
class _Entry:
    resolved: ResolvedRoute
    pattern: paths.PathPattern
    keys: frozenset[tuple[str, str]] | None  # None: a mount, every method of both kinds

    def shared(self, later: _Entry) -> frozenset[tuple[str, str]]:
        assert later.keys is not None
        return later.keys if self.keys is None else self.keys & later.keys

    @property
    def line(self) -> int | None:
        node = self.resolved.node
        return node.lineno if node is not None else None


@dataclass
class _Shadowing:
    earlier: list[_Entry]
    keys: frozenset[tuple[str, str]]  # the later route's methods it loses
    example: str  # a path both match: a request that shows it


@dataclass
class ShadowedRouteFinding:
    """A route that never runs for `methods`: `earlier` answers all of those requests."""

    route: ResolvedRoute
    earlier: list[ResolvedRoute]
    methods: frozenset[tuple[str, str]]  # ("http", "GET") or ("websocket", "")
    example: str
    message: str


def find_shadowed_routes(model, tree: ast.Module) -> list[ShadowedRouteFinding]:
    """Every shadowed route of the module, once, with the first route(s) shadowing it."""
    branches = RegistrationBranches(tree)
    roots = model.root_routers()
    every = [r for r in roots if r.kind == "app"]
    module_level = [r for r in every if r.scope is model.module and not r.opaque]
    return shadowing_findings(
        roots, branches.exclusive, lambda resolved: has_custom_matching(model, resolved),
        preferred=module_level or every,
    )


def context_verdicts(root, exclusive, custom_matching) -> list[tuple[_Entry, _Shadowing | None]]:
    """Each route of one application (or of a router checked on its own), with what
    shadows it there. `exclusive(a, b)`: registrations that never both run;
    `custom_matching(resolved)`: a route whose matching we cannot know."""
    entries = [e for e in _entries(flatten(root)) if not custom_matching(e.resolved)]
    found = []
    for index, entry in enumerate(entries):
        if entry.resolved.route is None:  # built-in routes and mounts are not reported
            continue
        earlier = [e for e in entries[:index] if not exclusive(e.resolved, entry.resolved)]
        found.append((entry, _shadowing(earlier, entry)))
    return found


def shadowing_findings(roots, exclusive, custom_matching, *, preferred=(), app_name=None) -> list[ShadowedRouteFinding]:
    """The shadowed routes under `roots` (one module's, or the whole project's in
    `fastapi_lint.project`).

    A route may appear more than once (a router included twice, or in two apps). In one
    application it can never run only if it is shadowed wherever it appears there; it is
    reported when that holds in at least one application (named when there are several),
    as `fastapi-lint routes` marks it in that application's table. Where it appears in a
    `preferred` root (the module-level applications), only those count: an application a
    test fixture or a factory builds inside a function must not hide what the real one
    does. `app_name(root)`: the application to name in the message (None: no name).
    """
    preferred_ids = {id(root) for root in preferred}
    verdicts: dict[int, list[tuple[object, _Entry, _Shadowing | None]]] = {}
    for root in roots:
        for entry, verdict in context_verdicts(root, exclusive, custom_matching):
            verdicts.setdefault(id(entry.resolved.route), []).append((root, entry, verdict))
    findings = []
    for occurrences in verdicts.values():
        deciding = [o for o in occurrences if id(o[0]) in preferred_ids] or occurrences
        per_root: dict[int, list] = {}
        for occurrence in deciding:
            per_root.setdefault(id(occurrence[0]), []).append(occurrence)
        for group in per_root.values():
            if all(verdict is not None for _, _, verdict in group):
                root, entry, verdict = group[0]
                name = app_name(root) if app_name is not None else None
                findings.append(ShadowedRouteFinding(
                    entry.resolved, [e.resolved for e in verdict.earlier], verdict.keys,
                    verdict.example, _message(entry, verdict, name),
                ))
                break  # one diagnostic per route, for the first application it fails in
    return findings


def _entries(resolved_routes) -> list[_Entry]:
    entries = []
    for resolved in resolved_routes:
        if resolved.mount is not None:
            pattern, keys = paths.compile_mount(resolved.path), None
        else:
            pattern = paths.compile_path(resolved.path)
            if resolved.kind == "websocket":
                keys = frozenset({_WEBSOCKET})
            else:
                keys = frozenset(("http", method) for method in resolved.methods)
            if not keys:  # methods we could not read
                continue
        if pattern is not None:
            entries.append(_Entry(resolved, pattern, keys))
    return entries


def _shadowing(earlier: list[_Entry], later: _Entry) -> _Shadowing | None:
    """The first earlier route or mount that matches every path of `later` for one of its
    methods; failing that, several earlier routes that do so together."""
    earlier = [candidate for candidate in earlier if not _same_answer(candidate, later)]
    for candidate in earlier:
        keys = candidate.shared(later)
        if keys:
            inclusion = paths.covers(candidate.pattern, later.pattern)
            if inclusion.included:
                return _Shadowing([candidate], keys, inclusion.path)
    assert later.keys is not None
    for key in sorted(later.keys):
        group = [candidate for candidate in earlier if key in candidate.shared(later)]
        if len(group) > 1:
            inclusion = paths.covers([c.pattern for c in group], later.pattern)
            if inclusion.included:
                return _Shadowing(_necessary(group, later), frozenset({key}), inclusion.path)
    return None


def _same_answer(earlier: _Entry, later: _Entry) -> bool:
    """The earlier route runs the later one's handler, registered with the same arguments
    but the path, and the handler uses none of the earlier path's parameters: whichever
    route takes the request, the client gets the same answer (lnbits stacks a dozen page
    paths on one `index`)."""
    first, second = earlier.resolved.route, later.resolved.route
    if first is None or second is None or first.owner is not second.owner:
        return False
    if earlier.resolved.via != later.resolved.via:
        return False
    mine, theirs = answer_of(first), answer_of(second)
    if mine is None or theirs is None or mine[0] != theirs[0]:
        return False
    filled = {p.name for p in earlier.pattern.parts if isinstance(p, paths.Param)}
    filled -= {p.name for p in later.pattern.parts if isinstance(p, paths.Param)}
    return not (filled & mine[1])


def _necessary(group: list[_Entry], later: _Entry) -> list[_Entry]:
    """Drop the routes the union does not need, to name only the ones that matter."""
    kept = list(group)
    for entry in group:
        rest = [e for e in kept if e is not entry]
        if rest and paths.covers([e.pattern for e in rest], later.pattern).included:
            kept = rest
    return kept


def _describe(entry: _Entry, later: _Entry | None = None) -> str:
    resolved = entry.resolved
    if resolved.builtin is not None:
        return f"FastAPI's built-in `{resolved.label}`"
    where = f"line {entry.line}"
    path = getattr(resolved.node, "path", None)  # project analysis: the route's file
    if path is not None and later is not None and path != getattr(later.resolved.node, "path", None):
        where = f"{path}:{entry.line}"
    return f"{resolved.label if resolved.mount else '`' + resolved.label + '`'} ({where})"


def _include_between(earlier: _Entry, later: _Entry) -> str | None:
    """Project analysis, routes of different files: the include that brings `later` in
    after `earlier` was registered, as "`app.include_router(items.router)` (app/main.py:20)"."""
    path = getattr(later.resolved.node, "path", None)
    if path is None or path == getattr(earlier.resolved.node, "path", None):
        return None
    shared = set(map(id, earlier.resolved.via))
    include = next((node for node in later.resolved.via if id(node) not in shared), None)
    if include is None:
        return None
    return f"`{include.text}` ({include.path}:{include.lineno})"


def _message(entry: _Entry, verdict: _Shadowing, app: str | None = None) -> str:
    assert entry.keys is not None
    partly = verdict.keys != entry.keys
    methods = ",".join(sorted(method for kind, method in verdict.keys if kind == "http"))
    head = f"Route `{entry.resolved.label}` can never run" + (f" for {methods}" if partly else "")
    if app is not None:  # a project with several applications: the one this is about
        head += f" in `{app}`"
    if entry.resolved.kind == "websocket":
        request = "websocket connection"
    else:
        request = f"{methods} request" if partly else "request"
    if len(verdict.earlier) > 1:
        names = " and ".join(_describe(e, entry) for e in verdict.earlier)
        return f"{head}: {names} are registered earlier and together match every {request} for it"
    (earlier,) = verdict.earlier
    resolved = earlier.resolved
    if resolved.builtin is not None:
        return (
            f"{head}: FastAPI registers its documentation route `{resolved.label}` before any "
            f"user route, and it matches every {request} for it (`{resolved.builtin}=None` or "
            "another URL frees the path)"
        )
    if resolved.mount is not None:
        return (
            f"{head}: {_describe(earlier, entry)} is registered earlier and takes every request "
            f"and websocket connection under `{resolved.path}/`, whatever the method"
        )
    when = "earlier"
    include = _include_between(earlier, entry)
    if include is not None:
        when = f"before {include} adds this route,"
    elif earlier.line is not None and entry.line is not None and earlier.line > entry.line:
        when = "earlier (a router's routes are registered where it is included)"
    return f"{head}: {_describe(earlier, entry)} is registered {when} and matches every {request} for it"
