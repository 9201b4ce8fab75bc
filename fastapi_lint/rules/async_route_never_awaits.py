"""FPI120: an async route, dependency or FastAPI callback that never awaits but may block."""

from __future__ import annotations

import ast

from ..semantic.blocking import BLOCKING_CODES
from ..semantic.call_cost import CallCost, CallCostJudge
from . import rule_by_code_or_name
from ._async_functions import never_awaits
from ._plain_def import PlainDefFixer, only_registration_decorators
from .base import Option, Rule

_ROLE_NAMES = {
    "route": "a route handler",
    "dependency": "a dependency",
    "callback": "a FastAPI callback",
    "injected": "a FastAPI endpoint or dependency",
}
_CALLBACK_NAMES = {
    "exception_handler": "an exception handler",
    "on_event": "a startup/shutdown handler",
    "middleware": "a middleware",
}


class AsyncRouteNeverAwaits(Rule):
    """## What it does
    Checks for `async def` route handlers, dependencies and FastAPI callbacks (exception
    handlers, startup/shutdown handlers) that never `await` (no `await`, `async for` or
    `async with`) and call something that may block. A function counts as an endpoint or
    dependency when this module (or, when a project is checked, any of its modules)
    registers it, and also when its signature declares what only FastAPI fills
    (`Depends()`, `Query()`, `Header()`, ..., or a `Request`, `WebSocket` or
    `BackgroundTasks` parameter), since it is usually registered elsewhere.

    Not in the default selection: on 23 real FastAPI applications (the default run
    judged in `docs/judged/2026-12-07-current.tsv`) it found 4 functions and 2 were right;
    the other 2 name a chain that runs only when a setting is unset (mlflow's
    `get_tracking_uri() -> os.scandir()`, which a configured server never reaches), a
    condition the model does not see. The blocking calls it would name are reported by
    FPI100-FPI110 where they are; select it to also find the endpoints that may block
    through calls those rules do not catalogue.

    ## Why is this bad?
    FastAPI runs an `async def` endpoint or dependency on the event loop, and a plain
    `def` one in a worker thread. An `async def` that never awaits gains nothing from
    being async, and if it calls something that blocks (a database session, a sync HTTP
    client, a file, a library of unknown cost), every other request waits while it runs:
    five concurrent requests to an `async def` handler doing `time.sleep(0.5)` take 2.5 s,
    the same handler as plain `def` takes 0.5 s.

    Handlers that only do cheap work are not reported: FastAPI recommends `async def` for
    them, and it is faster than a trip to the threadpool. What counts as "may block":

    - calls that FPI100-FPI104 report (and the `extra-blocking-calls` of FPI104);
    - `input()`, `hashlib.pbkdf2_hmac` and `hashlib.scrypt` (slow by design);
    - file-system walks and changes the blocking rules do not cover (`os.listdir`,
      `os.walk`, `os.makedirs`, `os.remove`, `Path.glob`, `Path.iterdir`, ...) and
      `metadata.create_all()` / `drop_all()` / `reflect()`, which talk to the database;
    - calls to synchronous functions and methods of the same module that do any of these,
      and, when a project is checked, of any module of the project (followed through any
      number of calls); calls that run once (memoised helpers, lazy-initialisation
      guards, see FPI110) cost nothing.

    A call whose cost fastapi-lint does not know (a library it has no catalogue of, a
    method on a value of unknown origin) is not evidence by default: judged by hand on
    ten real applications, 46 of 62 findings that rested on one were cheap calls (a
    `dict.get()` on an attribute, a `NewType`, a model class built with `create_model`,
    SQL expression builders). With `unknown-calls-are-evidence = true`, such a call in
    the function itself counts (not inside its helpers, where it is mostly the helper's
    own data).

    The message names the strongest evidence: a blocking call anywhere before a slow one
    (and, with the option, before a call of unknown cost).

    Cheap, never reported: builtins, exception and Pydantic model constructors, classes
    without `__init__`, FastAPI/Starlette/Pydantic helpers, pure standard modules (`json`,
    `datetime`, `uuid`, `re`, `math`, `logging`, ...), the non-blocking parts of libraries
    whose blocking calls are catalogued (`requests.Session()` itself does no I/O),
    methods of literals, of request data (a route's non-dependency parameters) and of
    Pydantic models, methods only strings, dicts, lists and Pydantic models have
    (`.upper()`, `.items()`, `.model_dump()`, ...) on any value, small hashes
    (`hashlib.sha256`), template rendering (`jinja2`, Starlette's `Jinja2Templates`, also
    through a subclass's inherited attributes), `babel`, form validators, `sys.exc_info()`,
    and async functions (calling one only creates a coroutine).

    Where `def` does not help, the message says so: Starlette calls a plain-`def`
    startup/shutdown handler (`on_event`) and a middleware's dispatch function directly
    on the loop, so there the blocking work itself must move to a thread; so must it in
    a handler wrapped by another decorator than its registration (FastAPI registers the
    wrapper, which may `await` the function). An exception handler written as `def` runs
    in the threadpool, like an endpoint.

    One blocking call, one diagnostic: a blocking call that FPI100-FPI104 report in such a
    function, or FPI110 through its helpers, is theirs to report when they run, and this
    rule reports the function only for evidence they do not report (a directory walk, a
    slow call). With them disabled, it reports their calls too.

    A function that is FastAPI's only by its signature (a `Request` or `Depends()`
    parameter, registered nowhere the analysis sees) may be awaited by code of its own (a
    validator an authentication middleware awaits): the message then offers moving the
    blocking work to a thread first.

    Async generators (dependencies with `yield`) are exempt. Some custom route classes
    `await` every endpoint and require `async def` whatever it does; suppress the rule
    there with `# noqa: FPI120`.

    ## Example
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy.orm import Session

    from .database import get_db
    from .models import User

    app = FastAPI()


    @app.get("/users")
    async def list_users(db: Session = Depends(get_db)):
        return db.query(User).all()
    ```

    Use instead:
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy.orm import Session

    from .database import get_db
    from .models import User

    app = FastAPI()


    @app.get("/users")
    def list_users(db: Session = Depends(get_db)):
        return db.query(User).all()
    ```

    ## Fix safety
    The fix removes `async` from the definition, so that FastAPI runs the function in its
    threadpool. It is offered only when this module shows that nothing depends on the
    function being a coroutine function: every reference to it is a FastAPI registration
    (a route decorator, `add_api_route`, `Depends(...)` or `Security(...)`,
    `dependency_overrides`, an exception handler; for an `async def __call__`, every use of
    the class's instances), it has no other decorator, and it is not a websocket endpoint
    (FastAPI awaits those), a startup/shutdown handler or a middleware. Its body must not
    use `asyncio`, `anyio` or `trio` (`asyncio.get_running_loop()` and `create_task()`
    raise in a worker thread) nor set a `ContextVar` created in this module (the endpoint
    sees a value set by an `async def` dependency, not one set by a plain `def` one,
    which runs in a copy of the context). When a project is checked, other modules count
    too: the fix is not offered when another module imports the function (or, for
    `__call__`, its class) other than to register it with FastAPI, calls it, passes it
    by reference, awaits it (also through its module: `await routes.slow()`), or
    star-imports its module. A file checked on its own
    (`--no-project`, stdin) is judged by this module only: a module that imports the
    function and awaits it (a test calling the endpoint directly, for example) breaks.

    The fix is unsafe: the function now runs in a worker thread (FastAPI's threadpool has
    40 threads by default, shared by every plain `def` endpoint and dependency), where
    thread-local state differs and a `ContextVar` of another module that it sets is lost
    as above (values set by middleware are still read: the threadpool copies the
    context).

    Where FPI100-FPI104 fix a call of the function (their fixes add an `await`, which a
    plain `def` cannot hold), this fix is not offered; once theirs are applied the function
    awaits and this rule no longer applies.

    ## Options
    - `unknown-calls-are-evidence`: `false` (the default); `true` also reports a function
      for a call of unknown cost in its own body.

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/#in-a-hurry)
    - [FastAPI: Dependencies, `async def` or `def`](https://fastapi.tiangolo.com/tutorial/dependencies/#to-async-or-not-to-async)
    """

    code = "FPI120"
    async_code = True
    name = "async-route-never-awaits"
    # 2 of 4 findings right on 23 real applications (see the docstring): below the 90%
    # the default selection asks for.
    default_enabled = False
    options = (
        Option("unknown-calls-are-evidence", False,
               "Report a function for a call of unknown cost in its own body too."),
    )

    def __init__(self, checker, option_values) -> None:
        super().__init__(checker, option_values)
        self.judge = CallCostJudge(self.model, _extra_blocking_calls(checker))
        # Every function's calls that are not cheap, in order; also sync functions,
        # whose cost a calling route inherits.
        self.costs: dict[ast.AST, list[tuple[tuple[int, ...], CallCost]]] = {}
        self._plain_def_fixer: PlainDefFixer | None = None

    def visit_call(self, call: ast.Call, ctx) -> None:
        # A lambda run right where it is written (`map(lambda u: ..., urls)`) costs its
        # enclosing function; one stored or handed to an offloader costs nothing here.
        function = ctx.function.runs_within() if ctx.function is not None else None
        if function is None or function.kind == "lambda":
            return
        if self.model.runs_once(call, function):
            return  # a lazy initialisation: a start-up cost, not one of every request
        cost = self.judge.judge(call, ctx)
        if cost.kind != "cheap":
            # In source order, inner calls first: `db.execute(q).fetchone()` names `execute`.
            position = (call.lineno, call.col_offset, call.end_lineno or 0, call.end_col_offset or 0)
            self.costs.setdefault(function.node, []).append((position, cost))

    def visit_module_end(self) -> None:
        for function in self.model.functions:
            role = self.model.role_of(function.node)
            if role is None or not never_awaits(function):
                continue
            evidence = self._evidence(function.node)
            if evidence is None:
                continue
            chain, _ = evidence
            via = " -> ".join(chain)
            kind = self.model.callback_kind(function.node) if role == "callback" else None
            what = _CALLBACK_NAMES.get(kind, _ROLE_NAMES[role])
            if kind in ("on_event", "middleware"):
                # Starlette calls a plain-`def` startup/shutdown handler or middleware
                # directly on the loop: `def` would not help there.
                advice = "run the blocking work in a thread (`await asyncio.to_thread(...)`)"
            elif not only_registration_decorators(function.node, also=frozenset({"websocket"})):
                # `@router.get(...)` over `@translate_errors`: FastAPI registers the
                # wrapper, which may `await` the function (mlflow's gateway routes): as a
                # plain `def` it would hand back a value, not a coroutine.
                advice = ("run the blocking work in a thread (`await asyncio.to_thread(...)`); "
                          "a decorator wraps it, so a plain `def` may break its caller")
            elif role == "injected":
                # Known by its signature only: its own code may await it.
                advice = ("run the blocking work in a thread (`await asyncio.to_thread(...)`), "
                          "or make it a plain `def` if only FastAPI calls it")
            else:
                advice = "make it a plain `def` so FastAPI runs it in the threadpool"
            self.report_def(
                function.node,
                f"`async def {function.name}` is {what} that never awaits but calls `{via}`, "
                f"which may block the event loop; {advice}",
                fix=self._fix_for(function),
            )

    def _fix_for(self, function):
        # The blocking-call rules' fixes add `await`s, which a plain `def` cannot hold:
        # where one of them fixes a call of this function, theirs is the fix.
        for rule in self.checker.rules:
            if function.node in getattr(rule, "functions_with_fixes", ()) and self._fixable(rule.code):
                return None
        if self._plain_def_fixer is None:
            self._plain_def_fixer = PlainDefFixer(self)
        return self._plain_def_fixer.fix_for(function)

    def _fixable(self, code: str) -> bool:
        is_fixable = getattr(self.checker.settings, "is_fixable", None)
        return is_fixable(code) if is_fixable is not None else True

    def _evidence(self, node: ast.AST) -> tuple[list[str], CallCost] | None:
        """The calls from `node` to the strongest evidence that it may block which the
        blocking rules do not report themselves: a blocking call anywhere before the first
        call of unknown cost, and one blocking call is one diagnostic (a blocking call
        of the function itself is FPI100-FPI104's to report, one reached through helpers
        FPI110's, when they run)."""
        running = {rule.code for rule in self.checker.rules}
        unknown_counts = bool(self.option_values["unknown-calls-are-evidence"])

        def reported(cost: CallCost, depth: int) -> bool:
            if cost.kind != "blocking":
                return False
            if depth == 0 and not cost.via:
                return bool(running & BLOCKING_CODES)
            return "FPI110" in running

        def blocking(cost: CallCost, depth: int) -> bool:
            return cost.kind == "blocking" and not reported(cost, depth)

        def may_block(cost: CallCost, depth: int) -> bool:
            # A call of unknown cost counts in the function itself (a library call, an
            # injected `db` without annotation), not in the helpers it calls, where only
            # what is known to be slow does (their values are mostly their own data).
            if cost.kind == "unknown" and (depth > 0 or cost.via or not unknown_counts):
                return False
            return cost.may_block and not reported(cost, depth)

        return self._chain_to(node, blocking, set(), 0) or self._chain_to(node, may_block, set(), 0)

    def _chain_to(self, node: ast.AST, wanted, seen: set[ast.AST], depth: int) -> tuple[list[str], CallCost] | None:
        if node in seen:
            return None
        seen.add(node)
        for _, cost in sorted(self.costs.get(node, ()), key=lambda item: item[0]):
            if wanted(cost, depth):
                return [cost.api], cost
            if cost.kind == "local" and cost.local is not None:
                scope = self.model.function_scope(cost.local)
                if scope is not None and self.model.is_memoised(scope):
                    continue  # runs once per distinct arguments
                rest = self._chain_to(cost.local, wanted, seen, depth + 1)
                if rest is not None:
                    return [cost.api, *rest[0]], rest[1]
        return None


def _extra_blocking_calls(checker) -> list[str]:
    """The user's extra blocking calls, configured on FPI104, count here too."""
    client_rule = rule_by_code_or_name("FPI104")
    if client_rule is None:
        return []
    options = checker.settings.options_for(client_rule)
    return list(options.get("extra-blocking-calls", []))

