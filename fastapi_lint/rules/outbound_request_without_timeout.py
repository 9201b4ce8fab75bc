"""FPI501: an outbound HTTP request that can wait forever."""

from __future__ import annotations

import ast

from ..semantic.blocking import classify_blocking_call, inherits_library_method
from .base import Rule

_REQUESTS_VERBS = frozenset("get post put patch delete head options request send".split())
_HTTPX_VERBS = frozenset("get post put patch delete head options request stream send".split())
HTTPX_CLIENTS = frozenset({"httpx.Client", "httpx.AsyncClient"})
# `requests.Session.request(method, url, params, data, headers, cookies, files, auth, timeout, ...)`
_SESSION_REQUEST_TIMEOUT_INDEX = 8
# Functions that run `f(*args, **kwargs)` in a worker thread: FPI100's fix writes
# `await asyncio.to_thread(requests.get, url)`, which still waits forever, in a thread.
_OFFLOADERS = frozenset(
    {"asyncio.to_thread", "starlette.concurrency.run_in_threadpool", "fastapi.concurrency.run_in_threadpool"}
)


class OutboundRequestWithoutTimeout(Rule):
    """## What it does
    Checks for outbound HTTP requests that can wait forever, in code a FastAPI application
    serves (plain `def` routes, dependencies and helpers as well as `async def` ones):

    - `requests` functions (`requests.get`, ..., `requests.request`) and
      `requests.Session` methods (`get`, ..., `request`, `send`) called without
      `timeout=`, or with `timeout=None`, also when run in a thread
      (`await asyncio.to_thread(requests.get, url)`, `run_in_threadpool(...)`);
    - `httpx` with an explicit `timeout=None` (or `httpx.Timeout(None)`): the clients
      `httpx.Client(...)` and `httpx.AsyncClient(...)`, the functions (`httpx.get`, ...,
      `httpx.stream`) and client methods. httpx has a default timeout of 5 seconds, so an
      httpx call without `timeout=` is not reported.

    ## Why is this bad?
    `requests` never times out unless told to (its documentation says so: "Nearly all
    production code should use this parameter in nearly all requests"). Measured with
    requests 2.34 and FastAPI 0.165.0 against an upstream that accepts the connection and
    never answers (`tests/test_outbound_request_without_timeout_runtime.py`): a plain `def`
    route calling `requests.get(url)` was still waiting after the same route with
    `timeout=` had given up and answered, and it waits for as long as the upstream stays
    silent; `httpx.Client(timeout=None)` waits the same way. A hung upstream therefore
    holds whatever runs the call: in a plain `def` route, one of the threadpool's 40
    workers (when they are all held, every sync route and dependency of the application
    waits); in an `async def`, the event loop itself (FPI100 reports that too). The
    client waits, and its retries hold more workers.

    Not reported: a call that passes `**kwargs` or a `timeout=` expression other than a
    literal `None` (the timeout may be in them); `Session` calls in a module that mounts
    an adapter (`session.mount(...)`, often a `TimeoutHTTPAdapter` that sets a default);
    calls on a `Session` subclass that overrides `request` or `send`; code at module level
    (it runs at import, before anything is served); code no application serves or that
    only a lifespan or startup handler runs (CLIs, scripts, workers, tests; see
    `async-scope`); and any call when no FastAPI or Starlette application is in view
    (the project, or a file checked alone, builds none: a library, another framework). bandit's `B113` (`request-without-timeout`, ruff's `S113`) checks
    `requests` functions everywhere; this rule keeps to served code and also covers
    `Session` methods, offloaded calls and httpx's explicit `None`.

    The rule is not in the default selection: a missing timeout is a latent hazard whose
    weight depends on the upstream (an internal service on the same host, a call already
    bounded by a proxy or a gateway), not a defect every finding shows, and on real
    projects it was 7 of 8 judged findings (`docs/judged/2026-12-07-fpi130-fpi500-fpi501.tsv`),
    too few to promise the precision of the default rules. Enable it with
    `extend-select = ["FPI501"]`.

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/weather/{city}")
    def read_weather(city: str):
        response = requests.get(f"https://api.example.com/weather/{city}")
        return response.json()
    ```

    Use instead:
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/weather/{city}")
    def read_weather(city: str):
        response = requests.get(f"https://api.example.com/weather/{city}", timeout=10)
        return response.json()
    ```

    ## Fix safety
    No fix: the right timeout depends on the upstream and on what the route promises its
    own clients, and a request that times out raises where it used to wait, so it is the
    application's choice.

    ## References
    - [Requests: Timeouts](https://requests.readthedocs.io/en/latest/user/advanced/#timeouts)
    - [HTTPX: Timeouts](https://www.python-httpx.org/advanced/timeouts/)
    - [bandit: B113 request_without_timeout](https://bandit.readthedocs.io/en/latest/plugins/b113_request_without_timeout.html)
    """

    code = "FPI501"
    name = "outbound-request-without-timeout"
    message = "Outbound HTTP request without a timeout"
    default_enabled = False
    # Reported in served code only, as the async rules are (plain `def` code included:
    # `async_code` is about where, not about what runs on the loop).
    async_code = True

    def __init__(self, checker, option_values) -> None:
        super().__init__(checker, option_values)
        self._mounts: bool | None = None
        self._found: list[tuple[ast.Call, str]] = []  # reported at the end of the module

    def visit_module_end(self) -> None:
        # No application in view (a library, a Django or Flask project, a script checked
        # alone): no evidence that a FastAPI worker runs these calls at all.
        if self._found and self.checker.project_model().serving.has_entries:
            for call, message in self._found:
                self.report(call, message)

    def visit_call(self, call: ast.Call, ctx) -> None:
        if ctx.function is None or ctx.target is None:
            return  # module level runs at import, before the application serves
        if any(k.arg is None for k in call.keywords):
            return  # `**kwargs`: the timeout may be in them
        target = ctx.target
        owner, _, method = target.rpartition(".")
        if target in HTTPX_CLIENTS or (method in _HTTPX_VERBS and (owner == "httpx" or owner in HTTPX_CLIENTS)):
            timeout = self._timeout_if_none(call, ctx)
            if timeout is not None:
                self._found.append((
                    call,
                    f"`{target}(timeout={ast.unparse(timeout)})` turns off httpx's default 5 s timeout: "
                    "a hung upstream holds this request for ever; give a timeout",
                ))
            return
        if target in _OFFLOADERS:
            self._check_offloaded(call, ctx)
            return
        found = classify_blocking_call(call, ctx, self.model)
        if found is None or not found.api.startswith("requests.") or method not in _REQUESTS_VERBS:
            return
        if found.api.startswith("requests.Session."):
            if self._module_mounts_adapters() or self._overrides_request(owner):
                return
            if method == "request" and len(call.args) > _SESSION_REQUEST_TIMEOUT_INDEX:
                return
        self._report_requests(call, found.api, offloaded=False, on_loop=ctx.on_event_loop)

    def _report_requests(self, call: ast.Call, api: str, *, offloaded: bool, on_loop: bool) -> None:
        """`call` holds the keywords: the request's own, or the offloading call's."""
        timeout = next((k.value for k in call.keywords if k.arg == "timeout"), None)
        if timeout is not None and not (isinstance(timeout, ast.Constant) and timeout.value is None):
            return
        spelling = "`timeout=None`" if timeout is not None else "no `timeout=`"
        held = "the event loop" if on_loop and not offloaded else "a worker thread"
        self._found.append((
            call,
            f"`{api}()` with {spelling} waits for ever for an upstream that stops answering, "
            f"holding {held} meanwhile; pass `timeout=`",
        ))

    def _check_offloaded(self, call: ast.Call, ctx) -> None:
        """`await asyncio.to_thread(requests.get, url)`: the keywords go to `get`."""
        if not call.args or not isinstance(call.args[0], (ast.Name, ast.Attribute)):
            return
        function = self.model.resolve(call.args[0], ctx.scope)
        if function is None or not function.startswith("requests."):
            return
        verb = function.removeprefix("requests.")
        if verb in _REQUESTS_VERBS - {"send"}:
            self._report_requests(call, function, offloaded=True, on_loop=ctx.on_event_loop)

    def _timeout_if_none(self, call: ast.Call, ctx) -> ast.expr | None:
        """The `timeout=` argument when it turns every timeout off: `None`, `httpx.Timeout(None)`."""
        value = next((k.value for k in call.keywords if k.arg == "timeout"), None)
        if isinstance(value, ast.Constant) and value.value is None:
            return value
        if (
            isinstance(value, ast.Call)
            and self.model.resolve(value.func, ctx.scope) == "httpx.Timeout"
            and not value.keywords
            and len(value.args) == 1
            and isinstance(value.args[0], ast.Constant)
            and value.args[0].value is None
        ):
            return value
        return None

    def _overrides_request(self, owner: str) -> bool:
        """A `requests.Session` subclass whose `request` or `send` may set a timeout."""
        if owner == "requests.Session":
            return False
        return not all(inherits_library_method(owner, name, self.model) for name in ("request", "send"))

    def _module_mounts_adapters(self) -> bool:
        if self._mounts is None:
            self._mounts = any(
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "mount"
                and len(node.args) == 2
                for node in ast.walk(self.checker.tree)
            )
        return self._mounts
