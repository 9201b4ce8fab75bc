"""A module's summary: what other modules of the project need to know about it.

It is computed from the checker's one walk of the file (the `SemanticModel` it leaves
behind), is plain data (JSON on disk, see `cache.py`), and holds:

- `names`: the module's top-level names: imports (local name -> absolute qualname),
  functions, classes, and values (with their class when known, or the router they hold);
- `functions`: every `def`/`async def` (methods and nested ones too, named like Python's
  `__qualname__`), whether it is async, awaits or yields, its FastAPI role in this module,
  and the calls it makes that are not provably cheap (awaited calls never are): each with
  its target qualname, its blocking API when `classify_blocking_call` knows it, and its
  cost as FPI120's `CallCostJudge` sees it from this module alone;
- `classes`: bases (qualnames), Pydantic-ness as far as this module knows, methods;
- `routers`: apps and routers with their prefix and their events in registration order
  (routes, includes with the child router as a local index or an imported qualname, mounts);
- `external_routes`: routes registered with a decorator on a router imported from another
  module, or built from a class imported from another (`router_class`: a route only if
  the project makes that class a router); `dependencies` and `references`: imported
  functions used as dependencies or passed by reference (to `asyncio.to_thread`, `add_event_handler`, ...); `entries`:
  the functions and classes an application runs (routes, dependencies, middleware,
  handlers, lifespan), where FastAPI code starts (see `serving.py`);
- `notes`: what could not be resolved statically, for `--verbose`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..checker import Checker

# The format's version is `cache.SUMMARY_VERSION`, next to the keys it is part of.
# In `FunctionSummary.reaches`: a method called on an object of unknown type, by name.
METHOD_BY_NAME = "*."


def _plain(value: Any) -> Any:
    """`dataclasses.asdict`, for what summaries hold (dataclasses, lists, dicts, tuples of
    plain values, strings, numbers): a copy made without `asdict`'s `deepcopy` of every
    leaf, which cost more than the walk of the file."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {key: _plain(item) for key, item in value.__dict__.items()}
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    return value


@dataclass
class CallSummary:
    position: list[int]
    display: str  # the callee as written: "mailer.send"
    target: str | None  # canonical qualname of the callee
    blocking: list[str] | None  # [code, api] when FPI100-FPI104's catalog lists the call
    cost: str  # "blocking", "slow", "unknown" or "local" (cheap calls are not kept)
    api: str  # how FPI120 names it: "mailer.send()"
    callee: str | None  # the function it leads to: a same-module function, or `target`
    # Behind a lazy-initialisation guard: runs once, not on every call (`run_once.py`).
    once: bool = False


@dataclass
class FunctionSummary:
    qualname: str
    position: list[int]
    is_async: bool
    awaits: int
    yields: int
    role: str | None
    calls: list[CallSummary] = field(default_factory=list)
    # Every project-looking name it calls (awaited or not) or hands to a call by reference
    # (`background_tasks.add_task(notify)`): the edges served code is followed along.
    reaches: list[str] = field(default_factory=list)
    # What it starts as a task (`asyncio.create_task(poll())`, `tg.start_soon(worker)`):
    # started from a lifespan, that code runs while the application serves requests.
    spawns: list[str] = field(default_factory=list)
    # `@functools.cache` / `@lru_cache`: the body runs once per distinct arguments.
    memoised: bool = False
    # Parameters with FastAPI marker defaults, for a function a direct call reaches
    # unchanged (`rules/_injected_defaults.py`, FPI305): `Signature.to_json()`, or None.
    injected: dict | None = None
    # The class its return annotation names (what it yields, for a generator): what a
    # `Depends(f)` of another module injects.
    returns: str | None = None

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


@dataclass
class ClassSummary:
    qualname: str
    line: int
    bases: list[str]
    is_pydantic: bool
    methods: list[str]


@dataclass
class RouterSummary:
    kind: str  # "app" or "router"
    name: str
    position: list[int]
    prefix: str | None
    builtin_paths: list[list[str]]
    opaque: bool
    callback_only: bool
    # Built at module level (not inside a function: a factory's or a test fixture's app).
    module_level: bool = True
    # Events in registration order, as dicts with "type": "route" | "include" | "mount".
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ModuleSummary:
    module: str
    path: str  # relative to the project root, POSIX
    is_package: bool
    names: dict[str, list] = field(default_factory=dict)
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    classes: dict[str, ClassSummary] = field(default_factory=dict)
    routers: list[RouterSummary] = field(default_factory=list)
    external_routes: list[dict[str, Any]] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    star_imports: list[str] = field(default_factory=list)
    # Where an application starts running code of this project: [qualname, kind, label],
    # kind "route", "dependency", "middleware", "lifespan", ... (see `serving.py`).
    entries: list[list[str]] = field(default_factory=list)
    # What this module awaits directly (`await routes.slow()`): such a function must
    # stay `async def` (FPI120's fix asks).
    awaited: list[str] = field(default_factory=list)
    # The path parameters each function, class (its `__init__`) and `Annotated` alias
    # receives, by qualname (`rules/_path_params.py`; absent: receives none).
    path_params: dict[str, dict] = field(default_factory=dict)
    # `include_router(...)` calls the routers above do not hold (on an object of unknown
    # kind: `app.router`, a factory's result, a loop variable), and `.routes` handed to a
    # call (`app.routes.extend(router.routes)`): routers may be served in ways not modelled.
    unmodelled_includes: int = 0
    # Lines where an application or router registers an endpoint computed at run time
    # (`SemanticModel.computed_endpoints`).
    computed_endpoints: list[int] = field(default_factory=list)
    notes: list[list] = field(default_factory=list)  # [line, message]
    error: str | None = None  # the file could not be read or parsed

    def to_json(self) -> dict[str, Any]:
        return _plain(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModuleSummary:
        data = dict(data)
        data["functions"] = {
            q: FunctionSummary(**{**f, "calls": [CallSummary(**c) for c in f["calls"]]})
            for q, f in data["functions"].items()
        }
        data["classes"] = {q: ClassSummary(**c) for q, c in data["classes"].items()}
        data["routers"] = [RouterSummary(**r) for r in data["routers"]]
        return cls(**data)


def summarize(checker: Checker, path: str, judge_costs: bool = True) -> ModuleSummary:
    """The summary of the module `checker` has walked (`checker.run()` already called).
    `judge_costs=False` skips FPI120's cost of each call (FPI110 needs only targets)."""
    from .summarizer import Summarizer

    return Summarizer(checker, path, judge_costs).build()
