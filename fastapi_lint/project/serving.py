"""Served code: the async functions a FastAPI application runs while it serves requests.

A blocking call stalls the server only where the server's event loop runs it. The
application starts running the project's code at its *entries*:

- routes and websocket endpoints (labelled with their full path when the project's
  include tree shows it: `GET /orders/{order_id}`),
- dependencies and sub-dependencies (`Depends(get_db)`, in any module),
- middleware (`@app.middleware("http")`, `app.add_middleware(M)`, `Middleware(M)`, any
  subclass of `BaseHTTPMiddleware`), exception handlers, event handlers and `lifespan`,
- functions with FastAPI parameters (`Request`, `Depends(...)` defaults) or that raise
  `HTTPException`: endpoints registered where the analysis cannot see.

From there, served code is everything those functions call, await, or hand to a call
(`background_tasks.add_task(notify)`, `asyncio.create_task(refresh())`), through any
number of project functions and modules, functions defined inside them included (an
async generator a route defines and streams with `StreamingResponse(events())`, which
Starlette iterates on the event loop), but not what a call runs on an event loop of its
own (`asyncio.run(fetch())` in a sync helper served in the threadpool: the server's loop
is not the one that waits). A method called on a value of a project class
(`storage: StorageService`, `self.storage`) reaches that class's method and every
override of it in the project's subclasses of the class (an abstract service and its
implementations). A method called on an object whose type the
analysis does not know (`await storage.read_lease(...)`, the storage from a factory)
reaches every project method of that name, when there are at most three or when they
are one class's method and its overrides (one interface, however many implementations),
and at most once on the way from an entry; not when the name is one that strings, dicts
and lists have and FPI120 takes for theirs on such an object (`replace`, `split`, `items`,
`append`, ...: `token.replace("Bearer ", "")` is a `str.replace`). An `async def` no entry reaches (a test, a CLI
command, a worker started with `asyncio.run`, a script) does not stall any request: the
async rules report it only with `async-scope = "application"` or `"all"`.

Lifespan code, startup and shutdown handlers run before the server accepts its first
connection (uvicorn completes the lifespan startup first) or after it has stopped
serving: a blocking call there delays starting or stopping, no request waits for it
(`tests/test_served_scope_runtime.py` runs it). Code only they reach is *startup code*:
not served, reported with `async-scope = "application"`, and named so. What they start
as a task (`asyncio.create_task(poll())`, `tg.start_soon(worker)`) runs while the
application serves, and is served.

A project (or a lone file) with no entry at all gives no evidence either way: all of its
code counts as served. So does a project whose application registers endpoints computed
at run time (`app.add_api_route(route.path, make_endpoint(impl))`,
`getattr(app, method)(path)(handler)`, an endpoint taken from a container or a
parameter): the functions it serves have no name the analysis can follow, and its
async code outside tests is reported as served, without an entry named (`--verbose`
says where such a registration is).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ..semantic import fastapi_model as fm
from ..semantic.call_cost import STR_ONLY_METHODS
from ..semantic.names import MIDDLEWARE_BASES, canonical
from ..test_code import is_test_path
from .summary import METHOD_BY_NAME, FunctionSummary

# Which entry names a function reached from several: the most specific for a developer.
_PRIORITY = ("route", "dependency", "middleware", "lifespan", "event handler", "startup handler",
             "shutdown handler", "exception handler", "endpoint", "endpoint factory", "task")
_MIDDLEWARE_METHODS = ("dispatch", "__call__")
# Entries the application runs before it serves (startup) or after (shutdown).
_STARTUP_KINDS = frozenset({"lifespan", "event handler", "startup handler", "shutdown handler"})
# `storage.read_lease()` on an object whose type is unknown (a factory's result, a
# parameter) reaches the project's methods of that name when there are at most this
# many: one interface with a few implementations, not a name every class has.
_MAX_METHODS_BY_NAME = 3


@dataclass(frozen=True)
class Entry:
    qualname: str  # the function the application calls
    kind: str  # "route", "dependency", "middleware", ...
    label: str  # "`GET /orders/{order_id}`", "dependency `get_db`"


@dataclass(frozen=True)
class Reach:
    """How a function is served: it is `entry` itself, or `entry` calls it."""

    entry: Entry
    direct: bool
    startup: bool = False  # only a lifespan/startup/shutdown entry reaches it

    def describe(self) -> str:
        where = f"in {self.entry.label}" if self.direct else f"reached from {self.entry.label}"
        return f"{where}, which runs before the application serves or after it stops" if self.startup else where


class Serving:
    def __init__(self, project) -> None:
        self.project = project
        self._reached: dict[str, Reach] | None = None
        self._startup: dict[str, Reach] = {}
        self._methods: dict[str, list[FunctionSummary]] | None = None
        self._computed: bool | None = None

    @property
    def has_entries(self) -> bool:
        return bool(self._reach_map()) or bool(self._startup)

    @property
    def has_computed_endpoints(self) -> bool:
        """Whether a module outside tests registers an endpoint computed at run time
        (`app.add_api_route(route.path, make_endpoint(impl))`): the application serves
        functions no entry names, so that no entry reaches a function is no evidence that
        it is not served. A yes or no, so that a file's cached result does not depend on
        where in its module a registration is; computed once, since each checked file asks."""
        if self._computed is None:
            project = self.project
            self._computed = any(
                module.computed_endpoints
                for module in project.modules.values()
                if not (project.root is not None and is_test_path(module.path))
            )
        return self._computed

    def reach(self, qualname: str) -> Reach | None:
        """How the application runs it while serving requests (None: it does not)."""
        return self._reach_map().get(qualname)

    def startup_reach(self, qualname: str) -> Reach | None:
        """How it runs only at startup or shutdown, when it is not served."""
        self._reach_map()
        return None if qualname in self._reached else self._startup.get(qualname)

    # ------------------------------------------------------------------ building

    def _reach_map(self) -> dict[str, Reach]:
        if self._reached is None:
            entries = self._entries()
            startup = [entry for entry in entries if entry.kind in _STARTUP_KINDS]
            startup_reached = self._walk(startup)
            # What startup code starts as a task runs while the application serves.
            tasks = [
                Entry(started, "task", f"a task started by {reach.entry.label}")
                for qualname, reach in startup_reached.items()
                for function in [self.project._defined_function(qualname)] if function is not None
                for name in function.spawns
                for started in [callee.qualname for callee in self._callees(name)]
            ]
            serving = [entry for entry in entries if entry.kind not in _STARTUP_KINDS]
            self._reached = self._walk(serving + tasks)
            self._startup = {q: Reach(r.entry, r.direct, startup=True) for q, r in startup_reached.items()}
        return self._reached

    def _entries(self) -> list[Entry]:
        project = self.project
        found: list[Entry] = []
        route_labels = self._route_labels()
        for module in project.modules.values():
            if project.root is not None and is_test_path(module.path):
                continue  # a test's application serves no one (paths are relative to the root)
            for qualname, kind, label in module.entries:
                for definition in self._run_by_application(qualname, kind):
                    shown = route_labels.get(definition, label) if kind == "route" else label
                    found.append(Entry(definition, kind, shown))
            for route in project.external_routes(module):
                handler = route["handler"]
                methods = ",".join(route["methods"]) if route["kind"] == "http" else "WEBSOCKET"
                label = route_labels.get(handler, f"`{methods or 'HTTP'} {route['path'] or '<path>'}`")
                found.append(Entry(handler, "route", label))
            for name in module.dependencies:
                for definition in project._called_definitions(name):
                    short = definition.rsplit(".", 1)[-1]
                    found.append(Entry(definition, "dependency", f"dependency `{short}`"))
            for cls in module.classes.values():
                if self._is_middleware_class(cls.qualname, 0):
                    for method in _MIDDLEWARE_METHODS:
                        if method in cls.methods:
                            short = f"{cls.qualname.rsplit('.', 1)[-1]}.{method}"
                            found.append(Entry(f"{cls.qualname}.{method}", "middleware", f"middleware `{short}`"))
        rank = {kind: index for index, kind in enumerate(_PRIORITY)}
        return sorted(found, key=lambda entry: rank.get(entry.kind, len(rank)))

    def _run_by_application(self, qualname: str, kind: str) -> list[str]:
        """The functions the application calls for an entry: the function, an instance's
        `__call__`, a middleware class's `dispatch`/`__call__`."""
        project = self.project
        symbol = project.resolve(qualname)
        if symbol is not None and symbol.kind == "class":
            methods = [project._member(symbol, name, 0) for name in _MIDDLEWARE_METHODS]
            return [m.qualname for m in methods if m is not None]
        found = project._called_definitions(qualname)
        if found:
            return found
        return [qualname] if project._defined_function(qualname) is not None else []

    def _route_labels(self) -> dict[str, str]:
        """Each handler's route with its full path, as the applications' include trees give it."""
        labels: dict[str, str] = {}
        try:
            roots = self.project.routing.roots()
        except Exception:  # noqa: BLE001 - routing gaps must never hide served code
            return labels
        for root in roots:
            for resolved in fm.flatten(root):
                route = resolved.route
                qualname = getattr(getattr(route, "handler", None), "qualname", None)
                if qualname and qualname not in labels and resolved.mount is None:
                    methods = resolved.methods - {"HEAD"} or resolved.methods
                    shown = ",".join(sorted(methods)) if resolved.kind == "http" else "WEBSOCKET"
                    labels[qualname] = f"`{shown} {resolved.path or '/'}`"
        return labels

    def _is_middleware_class(self, qualname: str, depth: int) -> bool:
        cls = self.project.class_summary(self.project.resolve(qualname))
        if cls is None or depth > 10:
            return False
        return any(canonical(base) in MIDDLEWARE_BASES or self._is_middleware_class(base, depth + 1)
                   for base in cls.bases)

    def _walk(self, entries: list[Entry]) -> dict[str, Reach]:
        """Breadth first from every entry at once: each function gets its nearest entry.
        A path takes at most one step by method name (`_MAX_METHODS_BY_NAME`): guesses
        do not compound (`x.retry()` -> some `retry` -> its `y.aresult()` -> ...)."""
        reached: dict[str, Reach] = {}
        queue: deque[tuple[FunctionSummary, Entry, bool]] = deque()
        for entry in entries:
            function = self.project._defined_function(entry.qualname)
            if function is not None and entry.qualname not in reached:
                reached[entry.qualname] = Reach(entry, True)
                queue.append((function, entry, False))
        while queue:
            function, entry, guessed = queue.popleft()
            for name in function.reaches:
                by_name = name.startswith(METHOD_BY_NAME)
                if by_name and guessed:
                    continue
                callees = self._callees(name)
                if not callees and not by_name and not guessed:
                    # `ctx.session.delete()` with `ctx` typed and its `session` not: a method
                    # of an object of unknown type, as if `ctx` were unknown too.
                    fallback = self._method_of_untyped_attribute(name)
                    if fallback is not None:
                        callees, by_name = self._callees(fallback), True
                for callee in callees:
                    if callee.qualname not in reached:
                        reached[callee.qualname] = Reach(entry, False)
                        queue.append((callee, entry, guessed or by_name))
        return reached

    def _method_of_untyped_attribute(self, name: str) -> str | None:
        """`Context.session.delete` (an attribute of a project class, its type unknown):
        the by-name lead for `delete`."""
        attribute, _, method = name.rpartition(".")
        owner = attribute.rpartition(".")[0]
        if not owner or method.startswith("__"):
            return None
        symbol = self.project.resolve(owner)
        if symbol is None or symbol.kind != "class" or self.project.resolve(attribute) is not None:
            return None
        return METHOD_BY_NAME + method

    def _callees(self, name: str) -> list[FunctionSummary]:
        if name.startswith(METHOD_BY_NAME):
            method = name[len(METHOD_BY_NAME):]
            if method in STR_ONLY_METHODS:
                # `request.headers.get("authorization", "").replace("Bearer ", "")`: a str's
                # method (FPI120's cost policy reads these names the same way), not a lead
                # to the project's methods called `replace`.
                return []
            found = self._methods_named().get(method, [])
            if len(found) <= _MAX_METHODS_BY_NAME or self._one_interface(found):
                return found
            return []
        callee = self.project.callable_summary(name)
        direct = [callee] if isinstance(callee, FunctionSummary) else []
        # `storage: StorageService` runs the subclass's `save_file` when the value is one.
        return direct + self.project.overrides(name)

    def _one_interface(self, methods: list[FunctionSummary]) -> bool:
        """Whether the methods are one project class's method and its overrides in that
        class's subclasses (`BaseDataLayer.list_threads` and its implementations): the
        name then stands for one interface, however many implementations it has."""
        owners = {m.qualname.rpartition(".")[0] for m in methods}
        for root in owners:
            if owners - {root} <= self.project.descendants(root):
                return True
        return False

    def _methods_named(self) -> dict[str, list[FunctionSummary]]:
        if self._methods is None:
            self._methods = {}
            for module in self.project.modules.values():
                for cls in module.classes.values():
                    for method in cls.methods:
                        function = module.functions.get(f"{cls.qualname}.{method}")
                        if function is not None and not method.startswith("__"):
                            self._methods.setdefault(method, []).append(function)
        return self._methods
