"""FPI107: a process started on the event loop without a way to await it (off by default)."""

from __future__ import annotations

import ast
import dataclasses

from ..semantic.blocking import SUBPROCESS, classify_blocking_call, classify_process_start, popen_exit_waits
from ._blocking import BlockingCallRule


class ProcessStartedInAsyncFunction(BlockingCallRule):
    """## What it does
    Checks for calls that start a process and return without waiting for it in an
    `async def` body that runs on the event loop: `subprocess.Popen(...)` (however it is
    imported: `from subprocess import Popen as P`), `os.posix_spawn`, `os.posix_spawnp`,
    and `os.spawnl`, `spawnv` and the other `os.spawn*` functions with a mode that does
    not wait (`os.P_NOWAIT`, `os.P_NOWAITO`, or a literal other than `0`, which is
    `os.P_WAIT`; `1` is `P_NOWAIT` on POSIX). Off by default: select `FPI107` to turn it
    on.

    Not reported: what FPI102 reports, the calls that wait (`subprocess.run`,
    `Popen.wait()`, `Popen.communicate()`, `os.system`, `os.spawn*` with `os.P_WAIT` or a
    mode that cannot be read): the two rules split the `os.spawn*` calls exactly, so no
    call is reported by both. A process that the same `async def` waits for on the event
    loop is one blocking operation, and gets one diagnostic, FPI102's at the wait: in one
    expression (`subprocess.Popen(...).communicate()`), and for a `Popen` bound to a name
    (`p = Popen(...)`, `with Popen(...) as p`) whose `p.wait()` or `p.communicate()`
    FPI102 reports; this rule does not report its start. Nor for a `with Popen(...)`
    block that does not wait for the process itself: leaving the block waits
    (`Popen.__exit__` calls `wait()`), and FPI102 reports the `with` statement. The start
    is reported when nothing waits for the process on the loop: the wait runs in a thread
    (`with Popen(...) as p: await asyncio.to_thread(p.wait)`, after which the exit finds
    the child reaped), is not a wait (`p.poll()`), or happens in other code the process
    is handed to.
    `asyncio.create_subprocess_exec`, `anyio.open_process`, awaited calls, and calls in a
    plain `def`, in a lambda or function handed to `asyncio.to_thread` or
    `run_in_threadpool` (`await asyncio.to_thread(subprocess.Popen, args)`) are not
    reported either, as for FPI100-FPI106. A `# noqa: ASYNC220` or `# noqa: ASYNC221`
    comment does not silence this rule: suppression codes are matched exactly, as in
    ruff (write `# noqa: FPI107`).

    FPI110 does not count these calls in its helper chains and FPI120 does not count them
    as blocking, so turning FPI107 on changes what no other rule reports.

    ## Why is this bad?
    The start itself is short, which is why the rule is off by default: measured with
    `scripts/measure_process_start.py` (Python 3.11 on Linux, `/bin/true`, median of 200
    starts, the child reaped outside the timed part), `subprocess.Popen(["true"])` took
    about 0.2 ms and `os.posix_spawn` about 0.2 ms, the same from a parent holding 500 MB
    or 2 GB (CPython's `subprocess` uses `vfork` or `posix_spawn` there). `os.spawnl(
    os.P_NOWAIT, ...)` is different: on POSIX it is written in Python and calls
    `os.fork()`, which copies the parent's page tables: 0.5 ms from a small parent, 9 ms
    from one holding 500 MB and 36 ms from one holding 2 GB, all of it on the event loop.

    What makes a started process a problem in an `async def` is what comes next: a
    `Popen`'s `wait()`, `communicate()` and the reads of its `stdout` block until the
    child exits or writes, and a pid from `os.posix_spawn` or `os.spawn*` is waited for
    with `os.waitpid`, which blocks too (FPI102 reports those calls where it sees them;
    a process handed to other code is waited for out of its sight). `await
    asyncio.create_subprocess_exec(...)` and `await anyio.open_process(...)` start the
    process too (asyncio calls `subprocess.Popen` on the loop's thread: the `await` took
    about 0.8-1 ms in the same measurement, and a ticker task on the loop saw a gap as
    long), but give a process whose `wait()` and pipes are awaited. Turn this rule on to
    find every process an `async def` starts, for example before moving a code base to
    the asyncio API.

    ## Example
    ```python
    import subprocess

    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/thumbnails/{name}")
    async def thumbnail(name: str):
        process = subprocess.Popen(["convert", name, "-resize", "200x", f"thumb-{name}"])
        return {"pid": process.pid}
    ```

    Use instead:
    ```python
    import asyncio

    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/thumbnails/{name}")
    async def thumbnail(name: str):
        process = await asyncio.create_subprocess_exec(
            "convert", name, "-resize", "200x", f"thumb-{name}"
        )
        return {"pid": process.pid}
    ```

    ## Fix safety
    No fix is offered. `subprocess.Popen(...)` cannot become `await
    asyncio.create_subprocess_exec(...)` mechanically: the arguments differ (a list or a
    shell string against separate arguments, `create_subprocess_shell` for `shell=True`,
    no `text=`/`encoding=` there), and so does the object returned: its `stdout` is an
    `asyncio.StreamReader` of bytes, `wait()` and `communicate()` are coroutines, and
    `poll()` is gone (`returncode` instead), so every later use of the process would have
    to change with it. Running the start in a thread (`await asyncio.to_thread(
    subprocess.Popen, ...)`) would move 0.2 ms off the loop and leave the blocking wait
    where it was.

    ## References
    - [flake8-async: ASYNC220](https://flake8-async.readthedocs.io/en/latest/rules.html#async220)
    - [flake8-async: ASYNC221](https://flake8-async.readthedocs.io/en/latest/rules.html#async221)
    - [Python: asyncio subprocesses](https://docs.python.org/3/library/asyncio-subprocess.html)
    - [AnyIO: Using subprocesses](https://anyio.readthedocs.io/en/stable/subprocesses.html)
    """

    code = "FPI107"
    name = "process-started-in-async-function"
    default_enabled = False
    offers_fix = False

    def __init__(self, checker, option_values) -> None:
        super().__init__(checker, option_values)
        # `Popen(...)` calls whose process the same expression waits for (FPI102's).
        self._waited_in_chain: set[int] = set()
        # The starts found, reported at module end unless bound to a name (`p = Popen(...)`,
        # `with Popen(...) as p`) whose `p.wait()` or `p.communicate()` FPI102 reports on
        # the loop: one process, one blocking operation, one finding.
        self._starts: dict[int, tuple[ast.AST, str, dict]] = {}
        self._waited_by_name: set[int] = set()

    def classify(self, call, ctx):
        return classify_process_start(call, ctx, self.model)

    def visit_call(self, call: ast.Call, ctx) -> None:
        # The checker visits a call before the calls inside it: `Popen(...).communicate()`
        # is seen before `Popen(...)`.
        self._note_chained_wait(call, ctx)
        self._note_wait_on_name(call, ctx)
        if id(call) in self._waited_in_chain:
            return
        if popen_exit_waits(call, ctx, self.model) is not None:
            return  # `with Popen(...)` whose exit waits: FPI102's, at the `with`
        super().visit_call(call, ctx)

    def report(self, node, message, **kwargs) -> None:
        """Held until the module is walked: a later `p.wait()` may make it FPI102's."""
        self._starts[id(node)] = (node, message, kwargs)

    def visit_module_end(self) -> None:
        for key, (call, message, kwargs) in self._starts.items():
            if key not in self._waited_by_name:
                super().report(call, message, **kwargs)

    def _note_wait_on_name(self, call: ast.Call, ctx) -> None:
        """`with Popen(...) as p: p.wait()` (or `p = Popen(...)` then `p.communicate()`):
        the blocking operation is the wait, which FPI102 reports; the start it waits for
        is the same process, and is not reported again."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return
        if not ctx.on_event_loop or ctx.awaited:
            return
        binding = ctx.scope.lookup(func.value.id)
        source = None if binding is None else (binding.entered if binding.entered is not None else binding.value)
        if not isinstance(source, ast.Call) or id(source) not in self._starts:
            return
        found = classify_blocking_call(call, ctx, self.model)
        if found is not None and found.code == SUBPROCESS:
            self._waited_by_name.add(id(source))

    def _note_chained_wait(self, call: ast.Call, ctx) -> None:
        """`subprocess.Popen(...).communicate()`: FPI102 reports the wait, on the same
        expression; the start it needs is not reported again."""
        if not ctx.on_event_loop or ctx.awaited:
            return
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)):
            return
        found = classify_blocking_call(call, ctx, self.model)
        if found is not None and found.code == SUBPROCESS:
            inner = func.value
            inner_ctx = dataclasses.replace(ctx, target=self.model.resolve(inner.func, ctx.scope), awaited=False)
            if self.classify(inner, inner_ctx) is not None:
                self._waited_in_chain.add(id(inner))
