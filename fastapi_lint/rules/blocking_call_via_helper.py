"""FPI110: an `async def` calls a synchronous function of the project that blocks."""

from __future__ import annotations

import ast
import os
from pathlib import Path

from ..diagnostics import RelatedLocation, SourceLines
from ..semantic.blocking import classify_blocking_call
from ..test_code import is_test_path
from ..source import SourceDecodeError, decode_source
from . import rule_by_code_or_name
from ._generator_handover import GeneratorHandover
from ._offload import OFFLOAD_OPTION, AwaitFixer
from .base import Option, Rule

_MAX_SHOWN = 40

EVERY_CALL_OPTION = Option(
    "report-every-call",
    False,
    "Report each async call of a blocking helper at the call (with its fix), also when "
    "several async calls reach the same blocking call (by default: once, at that call).",
)


class BlockingCallViaHelper(Rule):
    """## What it does
    Checks for calls, in an `async def` body that runs on the event loop, of a synchronous
    function of the project that reaches a blocking call (one that FPI100-FPI104 report:
    a sync HTTP request, `time.sleep`, a subprocess, file I/O, a database or network
    client), directly or through other synchronous functions, in this module or, with the
    whole-project analysis, in any module of the project. The message names the chain, for
    example `send_report -> mailer.send -> smtplib.SMTP`.

    One blocking call, one diagnostic: when several calls in async code reach the same
    blocking call (khoj's 27 routes that each call `update_telemetry_state()`, which reads a
    file in `get_server_id`), it is reported once, at that blocking call in the helper, with
    the number of calls and the first of them; a blocking call that one async call reaches
    is reported at that call, with its fix. Only calls the run reports count (served code,
    outside tests, see "Served code" in the README).

    Not reported, because they run once rather than on every request: calls behind a
    lazy-initialisation guard (`if _client is None: _client = make()` on a global or class
    attribute, `if key not in _cache: _cache[key] = load(key)`, `if not self.running:`
    in a class whose `__new__` shares instances) and functions decorated with
    `functools.cache` / `functools.lru_cache`.

    Also followed: methods (of `self`, of instances of project classes, inherited ones) and
    constructors (`__init__`). Not reported: awaited calls, async functions (calling one
    only builds a coroutine), functions passed by reference rather than called
    (`await asyncio.to_thread(send_report, ...)`, a callback), calls through a function
    received as a parameter, and calls that FPI100-FPI104 report themselves. Nor is file
    I/O in a branch that tests one of the helper's own parameters for a path and opens it
    (`elif isinstance(file, os.PathLike): with open(file) as f: f.read()`, beside branches
    for bytes and file objects): the helper opens a file only if its caller passes a path,
    and the chain does not show what the caller passes. A branch that opens another file
    is evidence.

    A sync generator function runs none of its body when called: `chunks = read_chunks(p)`
    only builds the generator, and its file is opened where the generator is iterated.
    Such a call is not reported when the `async def` hands the generator only to what
    iterates it in a worker thread: `StreamingResponse(read_chunks(p))` (Starlette
    iterates a sync iterator in its threadpool), `iterate_in_threadpool(...)`, or an
    offloading call (`await asyncio.to_thread(next, chunks, None)`,
    `loop.run_in_executor(None, list, chunks)`); closing it there (`chunks.close()`) runs
    only its cleanup. Iterated in the `async def` itself (`for`,
    `list(...)`, `next(...)`, a `@contextmanager` in a `with`) or handed to anything else,
    it is reported, without a fix: running the call in a thread would still leave its
    body to the loop.

    ## Why is this bad?
    A blocking call stalls the event loop whether it is written in the `async def` or in a
    helper it calls: while `smtplib.SMTP(...)` connects inside `send_report()`, the server
    answers no other request (five concurrent requests to an `async def` handler blocking
    for 0.5 s take 2.5 s). Rules that look only at the handler's own body miss it, and in
    real applications the blocking call usually sits in a service or helper module one or
    two calls away.

    ## Example
    ```python
    import smtplib

    from fastapi import FastAPI

    app = FastAPI()


    def send_welcome_email(address: str) -> None:
        with smtplib.SMTP("mail.example.com") as server:
            server.sendmail("shop@example.com", [address], "Welcome!")


    @app.post("/signups")
    async def sign_up(address: str):
        send_welcome_email(address)
        return {"status": "registered"}
    ```

    Use instead:
    ```python
    import asyncio
    import smtplib

    from fastapi import FastAPI

    app = FastAPI()


    def send_welcome_email(address: str) -> None:
        with smtplib.SMTP("mail.example.com") as server:
            server.sendmail("shop@example.com", [address], "Welcome!")


    @app.post("/signups")
    async def sign_up(address: str):
        await asyncio.to_thread(send_welcome_email, address)
        return {"status": "registered"}
    ```

    Making the handler a plain `def` (FastAPI runs it in the threadpool), or the helper
    chain async (`aiosmtplib`), works too.

    ## Fix safety
    The fix runs the whole helper in a worker thread: `report = build_report(user)` becomes
    `report = await asyncio.to_thread(build_report, user)` (or `await run_in_threadpool(...)`
    in a module that already uses it, see `offload-with`), and the import is added when
    missing. The callee and the arguments are still evaluated on the loop, in the same
    order, and the call returns the same value or raises the same exception.

    The fix is unsafe because everything the helper does now happens in another thread,
    while other requests run on the loop:
    - objects the helper shares with the caller must work from that thread: a `sqlite3`
      connection (or cursor) made on the loop's thread raises
      `sqlite3.ProgrammingError: SQLite objects created in a thread can only be used in
      that same thread` there, and a `scoped_session` hands the thread another, empty
      session. No fix is offered when such an object is an argument of the call (unless
      it comes from `sqlite3.connect(..., check_same_thread=False)` in the same function
      or module), but one the helper reaches through a global or an attribute is not seen;
    - thread-local state (`threading.local()`, libraries that keep one per thread) is
      another thread's; `ContextVar`s are copied into the thread, so values the helper
      sets there are not seen by the caller afterwards;
    - other tasks now run while the helper runs, so their effects may interleave with
      its own (a helper that read and wrote shared state without any `await` in between
      was atomic with respect to them), and the `await` is a point where the request's
      task can be cancelled: the thread cannot be stopped, runs to the end, and its
      result is discarded.

    No fix is offered where an `await` cannot stand or would change the construct around
    it (a generator expression, a class body, an annotation, an f-string, a lambda),
    when the result is used by a further blocking call in the same expression, when the
    call is the argument of `asyncio.to_thread` or `run_in_threadpool` itself, or when its
    only argument is a bare generator expression.

    ## Options
    - `offload-with`: what the fix runs the call with: `"auto"` (the default:
      `run_in_threadpool` in a module that already imports and calls it,
      `asyncio.to_thread` everywhere else), `"asyncio.to_thread"`, or
      `"run_in_threadpool"` (imported from `fastapi.concurrency` when the module does not
      import it yet). A call with a `func=` keyword or a `**mapping` argument never goes
      through `run_in_threadpool`, whose own first parameter is named `func`: with
      `"auto"` it gets `asyncio.to_thread`, with `"run_in_threadpool"` no fix.

    - `report-every-call`: `false` (the default) reports a blocking call reached from
      several async calls once, at the blocking call; `true` reports every such call where
      it is made, each with its fix (to offload them one by one with `--fix`).

    ```toml
    [tool.fastapi-lint.blocking-call-via-helper]
    offload-with = "run_in_threadpool"
    report-every-call = true
    ```

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [Python: `asyncio.to_thread`](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    - [Starlette: `run_in_threadpool`](https://www.starlette.io/threadpool/)
    """

    code = "FPI110"
    async_code = True
    name = "blocking-call-via-helper"
    options = (OFFLOAD_OPTION, EVERY_CALL_OPTION)

    def __init__(self, checker, option_values) -> None:
        super().__init__(checker, option_values)
        self.candidates: list[tuple[ast.Call, object]] = []
        self.fixer = AwaitFixer(self)
        # As FPI100-FPI104: FPI120 does not make these `async def`s plain (see `_blocking.py`).
        self.functions_with_fixes: set[ast.AST] = set()
        # Root causes reported at a blocking call of a sync helper: served as the first
        # async caller is (`served_scope.py` reads it), by diagnostic position.
        self.scope_of: dict[tuple[int, int], str] = {}
        self.every_call = bool(self.option_values.get("report-every-call", False))

    def extra_blocking_calls(self) -> list[str]:
        return _extra_blocking_calls(self.checker)

    def visit_call(self, call: ast.Call, ctx) -> None:
        if ctx.on_event_loop and not ctx.awaited and ctx.target is not None:
            if not self.model.runs_once(call, ctx.function):  # a lazy initialisation
                self.candidates.append((call, ctx))

    def visit_module_end(self) -> None:
        # Decided once the whole module is known: the helpers' bodies are walked after
        # the functions that call them may have been.
        if not self.candidates and self.model.project is None:
            return
        extra = _extra_blocking_calls(self.checker)
        project = self._project()
        if project is None:
            return
        whole = self.checker.project_model()
        handover = GeneratorHandover(whole, self.checker)
        counts = self._reported_here(whole, handover)
        own = self._own_module(whole)
        for call, ctx in self.candidates:
            if classify_blocking_call(call, ctx, self.model, extra) is not None:
                continue  # FPI100-FPI104 report the call itself
            chain = project.blocking_chain(ctx.target, extra)
            if chain is None:
                continue
            sites = whole.call_sites_of(chain.origin, extra)
            position = (call.lineno, call.col_offset, call.end_lineno, call.end_col_offset)
            here = next((site for site in sites if own is not None and site.path == own.path
                         and tuple(site.position) == position), None)
            if here is not None and handover.site_not_run(here.function, here.position):
                continue  # a generator handed to a thread (`_generator_handover.py`)
            callers = [site for site in sites if counts(site)]
            if len(callers) > 1 and not self.every_call:
                continue  # one root cause: reported once, at the blocking call
            called = _shown(call.func)
            steps = " -> ".join([called, *chain.steps])
            fix = None if handover.is_sync_generator(ctx.target) else self.fixer.helper_fix_for(
                call, ctx, called, self.option_values.get("offload-with", "auto")
            )
            if fix is not None:
                self.functions_with_fixes.add(ctx.function.node)
            self.report(
                call,
                f"`{called}()` blocks the event loop in `async def {ctx.async_function_name}`: it calls "
                f"`{steps}`; run it in a thread (`await asyncio.to_thread({called}, ...)`) or make "
                "the chain async",
                fix=fix,
                related=self._chain_locations(chain, project),
            )
        if not self.every_call:
            self._report_root_causes(whole, extra, counts)

    def _own_module(self, whole):
        """This module's summary in the project model."""
        own = whole.modules.get(self.model.module_name) if self.model.project is not None else None
        if own is None and self.model.project is None and len(whole.modules) == 1:
            own = next(iter(whole.modules.values()))
        return own

    def _report_root_causes(self, whole, extra, counts) -> None:
        """A blocking call of this module that several async calls reach: once, here."""
        own = self._own_module(whole)
        if own is None:
            return
        for (qualname, position), sites in whole.root_causes_in(own.module, extra).items():
            callers = [site for site in sites if counts(site)]
            if len(callers) < 2:
                continue
            first = callers[0]
            line, column, end_line, end_column = position
            start = self.checker.lines.location(line, column)
            end = self.checker.lines.location(end_line, end_column)
            helper = qualname.removeprefix(own.module + ".")
            functions = len({site.function for site in callers})
            where = first.path if self.model.project is not None else self.checker.filename
            via = " -> ".join([first.display, *first.chain.steps])
            self.scope_of[(start.row, start.column)] = first.function
            self.report_at(
                start, end,
                f"`{first.chain.steps[-1]}()` in `{helper}` blocks the event loop of {len(callers)} calls in "
                f"{functions} `async def`{'s' if functions > 1 else ''}: the first, in "
                f"`async def {first.function.rsplit('.', 1)[-1]}` ({where}:{first.position[0]}), calls "
                f"`{via}`; make `{helper}` non-blocking (async or cached) or run its callers in a thread",
            )

    def _reported_here(self, whole, handover=None):
        """Which call sites this run reports: not test code (unless `async-scope = "all"`),
        in the served scope of a whole project only served ones, and not the calls of sync
        generator functions whose generator is handed to a thread (`_generator_handover.py`)."""
        scope = self.checker.settings.async_scope
        serving = whole.serving if self.model.project is not None and scope == "served" else None
        if serving is not None and not serving.has_entries:
            serving = None
        in_project = self.model.project is not None

        def counts(site) -> bool:
            if in_project and scope != "all" and is_test_path(site.path):
                return False
            if serving is not None and serving.reach(site.function) is None:
                return False
            return handover is None or not handover.site_not_run(site.function, site.position)

        return counts

    def _chain_locations(self, chain, project) -> tuple[RelatedLocation, ...]:
        """Where each step of the chain is called, as data (SARIF shows it as a code flow)."""
        if len(chain.sites) != len(chain.steps):
            return ()
        root = getattr(getattr(project, "project", project), "root", None)
        here = os.path.abspath(self.checker.filename)
        out = []
        for step, (path, position) in zip(chain.steps, chain.sites):
            filename = str(root / path) if root is not None else path
            if os.path.abspath(filename) == here:
                filename, lines = self.checker.filename, self.checker.lines
            else:
                lines = _lines_of(filename)
                if lines is None:
                    return ()
            line, column, end_line, end_column = position
            out.append(RelatedLocation(
                filename, lines.location(line, column), lines.location(end_line, end_column), f"calls `{step}`"
            ))
        return tuple(out)

    def _project(self):
        """The whole project's model, or this module alone (its own helpers)."""
        if self.model.project is not None:
            return self.model.project
        own = self.model.local_qualname("")  # "<module>.": a function or class of this module
        if not any(ctx.target.startswith(own) for _, ctx in self.candidates):
            return None
        return self.checker.project_model()


def _lines_of(filename: str) -> SourceLines | None:
    """Another module's lines, for its positions in characters (None: unreadable now)."""
    try:
        return SourceLines(decode_source(Path(filename).read_bytes()))
    except (OSError, SourceDecodeError):
        return None


def _shown(func: ast.expr) -> str:
    text = ast.unparse(func)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _extra_blocking_calls(checker) -> list[str]:
    """The user's extra blocking calls, configured on FPI104, count here too."""
    client_rule = rule_by_code_or_name("FPI104")
    if client_rule is None:
        return []
    return list(checker.settings.options_for(client_rule).get("extra-blocking-calls", []))
