"""FPI102: waiting for a subprocess on the event loop."""

from __future__ import annotations

from ..semantic.blocking import popen_exit_waits
from ._blocking import BlockingCallRule
from ._offload import OFFLOAD_OPTION


class BlockingSubprocessInAsyncFunction(BlockingCallRule):
    """## What it does
    Checks for calls that run a subprocess and wait for it in an `async def` body that
    runs on the event loop: `subprocess.run`, `call`, `check_call`, `check_output`,
    `getoutput`, `getstatusoutput`; `Popen.wait()` and `Popen.communicate()`;
    `os.system`, `os.popen`, and `os.wait`, `waitpid`, `wait3`, `wait4`, `waitid`
    (unless given `os.WNOHANG`); `os.spawnl`, `spawnv` and the other `os.spawn*` functions
    with mode `os.P_WAIT` (or a mode that cannot be read); and `with subprocess.Popen(...)`
    blocks (however `Popen` is imported) that do not wait for the process themselves,
    since leaving the block waits for it.

    ## Why is this bad?
    These calls hold the event loop until the child process exits, so the server answers
    no other request meanwhile. Blocking for 0.5 s (measured with `time.sleep(0.5)`),
    five concurrent requests to an `async def` handler take 2.5 s; as plain `def` (run
    in FastAPI's threadpool) they take 0.5 s. `os.popen()` itself returns at once, but
    reading its output, which is what it is used for, waits for the command.

    Starting a process without waiting for it is cheap and not reported:
    `subprocess.Popen(...)`, `os.spawn*` with `os.P_NOWAIT`, and `os.posix_spawn`/
    `posix_spawnp`, which return the child's pid at once (measured: 0.3 ms for
    `posix_spawn` of `sleep 1`, against 1.04 s for `os.spawnv(os.P_WAIT, ...)`).
    flake8-async reports those as ASYNC220/ASYNC221; FPI107, off by default, reports
    exactly those starts, except a `Popen` this rule reports the wait of
    (`with Popen(...) as p: p.wait()`: one process, one diagnostic, here).

    A `with subprocess.Popen(...) as p:` block waits even when its body does not:
    `Popen.__exit__` closes the pipes and calls `p.wait()`. In a FastAPI app whose `async
    def` route runs `with Popen([sys.executable, "-c", "import time; time.sleep(0.5)"]):
    pass`, a request to another route due 0.06 s later was answered after 0.54 s, when
    the block was left; with the same block in a plain `def` route, in a function run by
    `asyncio.to_thread` or `run_in_threadpool`, or with `asyncio.create_subprocess_exec`,
    it was answered at once. The `with` statement is reported (as the one blocking
    operation: FPI107 does not report its start), unless the block names `p.wait` or
    `p.communicate` itself: then the exit finds the child reaped, and the wait is what
    is reported (or, run in a thread, nothing is; FPI107 reports the start).

    ## Example
    ```python
    import subprocess

    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/reports")
    async def build_report():
        subprocess.run(["make", "report"], check=True)
        return {"status": "done"}
    ```

    Use instead:
    ```python
    import asyncio

    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/reports")
    async def build_report():
        process = await asyncio.create_subprocess_exec("make", "report")
        await process.wait()
        return {"status": "done"}
    ```

    ## Fix safety
    The fix runs the call in a worker thread: `subprocess.run(["make"], check=True)` becomes
    `await asyncio.to_thread(subprocess.run, ["make"], check=True)`, and
    `process.wait()` becomes `await asyncio.to_thread(process.wait)`. In a module that already uses
    `run_in_threadpool`, `await run_in_threadpool(...)` is written instead (see the
    `offload-with` option), and the import is added when missing. For a method call, the
    bound method runs in the thread; the object and the arguments are still evaluated on
    the loop, in the same order, and the call returns the same value.

    The fix is unsafe: the call now runs in another thread, and other requests run
    meanwhile. Thread-local state differs; a `ContextVar` the call sets is set in a copy
    of the context (`asyncio.to_thread` and `run_in_threadpool` copy it, so the values the
    caller set are still read); and the `await` is a point where the request's task can
    be cancelled.

    Only the reported call moves: what the code does later with the object it returns
    (reading from a response or a file object, for example) stays on the loop.

    No fix is offered where an `await` cannot stand or would change the construct around
    it (a generator expression, a class body, an annotation, an f-string), when the result
    is used by a further blocking call in the same expression, or when the call is the
    argument of `asyncio.to_thread` or `run_in_threadpool` itself (the function was meant
    to be passed, not called). Nor for `os.popen()`: it returns at once, and the
    blocking read of its pipe would stay on the loop. Nor for a `with Popen(...)` block:
    its wait is in `__exit__`, which no `await` can reach. Adding `await
    asyncio.to_thread(p.wait)` at the end of the block would not be the same code: it
    is skipped when the block raises, and it waits before `__exit__` closes the pipes,
    so a child that waits for the end of its standard input (`stdin=PIPE`), or that
    fills a `stdout=PIPE` nobody reads, would never exit. Running the whole block in a
    thread moves its body too, which may `await`.

    ## Options
    - `offload-with`: what the fix runs the call with: `"auto"` (the default:
      `run_in_threadpool` in a module that already imports and calls it,
      `asyncio.to_thread` everywhere else), `"asyncio.to_thread"`, or
      `"run_in_threadpool"` (imported from `fastapi.concurrency` when the module does not
      import it yet). A call with a `func=` keyword or a `**mapping` argument never goes
      through `run_in_threadpool`, whose own first parameter is named `func`: with
      `"auto"` it gets `asyncio.to_thread`, with `"run_in_threadpool"` no fix.

    ```toml
    [tool.fastapi-lint.blocking-subprocess-in-async-function]
    offload-with = "run_in_threadpool"
    ```

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [Python: asyncio subprocesses](https://docs.python.org/3/library/asyncio-subprocess.html)
    """

    code = "FPI102"
    name = "blocking-subprocess-in-async-function"
    options = (OFFLOAD_OPTION,)

    def visit_call(self, call, ctx) -> None:
        super().visit_call(call, ctx)
        if not ctx.on_event_loop or ctx.awaited:
            return
        entered = popen_exit_waits(call, ctx, self.model)
        if entered is not None:
            # The blocking operation is the `with` statement (its exit waits): reported
            # from `with` to the end of its item, with no fix (see "Fix safety").
            statement, item = entered
            self.report(
                statement,
                f"`with Popen(...)` blocks the event loop in `async def {ctx.async_function_name}`: "
                "leaving the block waits for the process to exit; use "
                "`asyncio.create_subprocess_exec()`, or run the whole block in a thread",
                end_node=item.optional_vars or item.context_expr,
            )
