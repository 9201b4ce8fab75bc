"""FPI400 against Starlette itself, on generated route pairs.

For each pair (A registered before B) the verdict must agree with what Starlette routes:
- "shadowed": a request for the example path, with a shared method, reaches A;
- "not shadowed": a request for the witness path (B matches it, A does not) reaches B;
- no shared method: a request for any of B's paths, with B's method, reaches B.

`test_paths_*` dispatches through real `starlette.routing` Route/Mount/WebSocketRoute
objects in order, exactly as `Router.app` does. `test_rule_*` runs the whole rule on
generated source and sends the request to the real FastAPI app built from that source.
Requests are sent as raw ASGI scopes: an HTTP client would normalize `.` segments, `//`
and percent-escapes, and so test a different path from the one the verdict is about.
"""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings, strategies as st
from starlette.responses import PlainTextResponse
from starlette.routing import Match, Mount, Route, WebSocketRoute

from fastapi_lint.checker import check_source
from fastapi_lint.semantic.paths import compile_mount, compile_path, covers
from fastapi_lint.settings import Settings

LITERALS = [
    "items", "featured", "me", "1", "42", "1.5", "latest.json", "v1", "a-b", "deadbeef",
    "12345678-1234-1234-1234-123456789abc", "files",
]
CONVERTORS = ["", ":str", ":int", ":float", ":uuid", ":path"]
METHOD_SETS = [("GET",), ("POST",), ("GET", "POST"), ("PUT", "GET")]


@st.composite
def segment(draw, name: str) -> str:
    kind = draw(st.sampled_from(["literal", "literal", "param", "partial"]))
    if kind == "literal":
        return draw(st.sampled_from(LITERALS))
    if kind == "param":
        return "{%s%s}" % (name, draw(st.sampled_from(CONVERTORS)))
    template = draw(st.sampled_from(["{%s}.json", "v{%s:int}", "{%s:int}.json", "{%s}-{%s_b}", "{%s:float}x"]))
    return template.replace("%s", name)


@st.composite
def path_pair(draw) -> tuple[str, str]:
    """Two paths, B often a variation of A so that inclusions are frequent."""
    count = draw(st.integers(min_value=0, max_value=3))
    a_segments = [draw(segment(f"a{i}")) for i in range(count)]
    b_segments = []
    for i, a_segment in enumerate(a_segments):
        choice = draw(st.sampled_from(["same", "same", "other", "drop"]))
        if choice == "same":
            b_segments.append(a_segment.replace("{a", "{b"))
        elif choice == "other":
            b_segments.append(draw(segment(f"b{i}")))
    if draw(st.booleans()):
        b_segments.append(draw(segment("bx")))
    a = "/" + "/".join(a_segments) + draw(st.sampled_from(["", "", "/"]))
    b = "/" + "/".join(b_segments) + draw(st.sampled_from(["", "", "/"]))
    return a.replace("//", "/"), b.replace("//", "/")


@st.composite
def route_spec(draw, path: str, allow_mount: bool) -> dict:
    kind = draw(st.sampled_from(["http"] * 4 + ["websocket"] + (["mount"] * 2 if allow_mount else [])))
    if kind == "mount":
        path = path.rstrip("/") + draw(st.sampled_from(["", "/"]))
    return {"kind": kind, "path": path, "methods": draw(st.sampled_from(METHOD_SETS))}


def answer(name: str):
    def endpoint(request):  # never called: the test stops at the router's choice
        return PlainTextResponse(name)

    return endpoint


def starlette_route(spec: dict, name: str):
    if spec["kind"] == "mount":
        async def app(scope, receive, send):  # pragma: no cover - never called here
            pass
        route = Mount(spec["path"], app=app)
    elif spec["kind"] == "websocket":
        route = WebSocketRoute(spec["path"], answer(name))
    else:
        route = Route(spec["path"], answer(name), methods=list(spec["methods"]))
    route.test_name = name
    return route


def dispatch(routes, kind: str, path: str, method: str) -> str | None:
    """starlette.routing.Router.app: the first FULL match wins, else the first PARTIAL."""
    scope = {"type": kind, "path": path, "root_path": "", "method": method, "path_params": {}}
    partial = None
    for route in routes:
        match, _ = route.matches(dict(scope))
        if match is Match.FULL:
            return route.test_name
        if match is Match.PARTIAL and partial is None:
            partial = route.test_name
    return partial and f"405 from {partial}"


def requests_of(route) -> set[tuple[str, str]]:
    """(scope type, method) pairs a route answers; a mount answers all of them."""
    if isinstance(route, Mount):
        return {("http", m) for m in ("GET", "HEAD", "POST", "PUT")} | {("websocket", "")}
    if isinstance(route, WebSocketRoute):
        return {("websocket", "")}
    return {("http", m) for m in route.methods}


def compiled(spec: dict):
    return compile_mount(spec["path"]) if spec["kind"] == "mount" else compile_path(spec["path"])


@st.composite
def route_pair(draw, allow_b_mount: bool = True):
    a_path, b_path = draw(path_pair())
    return draw(route_spec(a_path, True)), draw(route_spec(b_path, allow_b_mount))


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(route_pair())
def test_paths_verdict_agrees_with_starlette(pair):
    a_spec, b_spec = pair
    a, b = starlette_route(a_spec, "A"), starlette_route(b_spec, "B")
    routes = [a, b]
    shared = requests_of(a) & requests_of(b)
    result = covers(compiled(a_spec), compiled(b_spec))
    assert b.path_regex.match(result.path), (b_spec, result)
    if not shared:
        for kind, method in requests_of(b):
            assert dispatch(routes, kind, result.path, method) in ("B", None)
        return
    for kind, method in sorted(shared):
        reached = dispatch(routes, kind, result.path, method)
        if result.included:
            assert reached == "A", (a_spec, b_spec, result, method)
        else:
            assert reached == "B", (a_spec, b_spec, result, method)


# ---------------------------------------------------------------------- the whole rule


def split_prefix(path: str, where: str) -> tuple[str, str, str]:
    """(router prefix, include prefix, route path) for a route served at `path`.

    `where` is "app" (no router), "router" (`APIRouter(prefix=...)`) or "include"
    (`include_router(..., prefix=...)`); the prefix is the first segment when it is literal.
    """
    head, _, rest = path[1:].partition("/")
    if where == "app" or not rest or "{" in head:
        return "", "", path
    return ("/" + head, "", "/" + rest) if where == "router" else ("", "/" + head, "/" + rest)


def source_for(a_spec: dict, b_spec: dict) -> tuple[str, int]:
    """The module, and the line of B's decorator. Routes may sit in routers with prefixes."""
    lines = ["import fastapi as f", "from starlette.responses import PlainTextResponse", "",
             "app = f.FastAPI(openapi_url=None)", ""]
    for name, spec in (("a", a_spec), ("b", b_spec)):
        if spec["kind"] == "mount":
            lines += [f"async def {name}_app(scope, receive, send):",
                      f"    await PlainTextResponse({name!r})(scope, receive, send)",
                      f"app.mount({spec['path']!r}, {name}_app)"]
            continue
        router_prefix, include_prefix, path = split_prefix(spec["path"], spec.get("where", "app"))
        owner = "app"
        if spec.get("where", "app") != "app" and path != spec["path"]:
            owner = f"router_{name}"
            lines.append(f"{owner} = f.APIRouter(prefix={router_prefix!r})")
        lines.append(f"@{owner}.api_route({path!r}, methods={list(spec['methods'])!r})")
        decorator_line = len(lines)
        lines += [f"def {name}():", f"    return PlainTextResponse({name!r})", ""]
        if owner != "app":
            lines.append(f"app.include_router({owner}, prefix={include_prefix!r})")
    return "\n".join(lines) + "\n", decorator_line


def call(app, method: str, path: str) -> tuple[int, str]:
    messages = []
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "headers": [(b"host", b"testserver")], "server": ("testserver", 80),
        "client": ("testclient", 50000),
    }

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return status, body.decode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    route_pair(allow_b_mount=False).filter(lambda pair: pair[0]["kind"] != "websocket" and pair[1]["kind"] == "http"),
    st.sampled_from(["app", "router", "include"]),
    st.sampled_from(["app", "router", "include"]),
)
def test_rule_verdict_agrees_with_fastapi(pair, a_where, b_where):
    a_spec, b_spec = {**pair[0], "where": a_where}, {**pair[1], "where": b_where}
    source, b_line = source_for(a_spec, b_spec)
    result = check_source(source, "generated.py", Settings(select=["FPI400"]))
    assert result.error is None
    reported = [d for d in result.diagnostics if d.location.row == b_line]
    assert len(result.diagnostics) == len(reported) <= 1

    namespace: dict = {}
    exec(compile(source, "generated.py", "exec"), namespace)
    app = namespace["app"]
    inclusion = covers(compiled(a_spec), compile_path(b_spec["path"]))
    a_methods = {"GET", "HEAD", "POST", "PUT"} if a_spec["kind"] == "mount" else set(a_spec["methods"])
    shared = sorted(a_methods & set(b_spec["methods"]))
    if reported:
        assert shared and inclusion.included, (source, reported)
        for method in shared:
            assert call(app, method, inclusion.path) == (200, "a"), (source, method)
    else:
        assert not (shared and inclusion.included), source
        for method in b_spec["methods"] if not shared else shared:
            assert call(app, method, inclusion.path) == (200, "b"), (source, method, inclusion)
