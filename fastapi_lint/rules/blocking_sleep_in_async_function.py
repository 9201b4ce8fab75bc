"""FPI101: `time.sleep()` on the event loop."""

from __future__ import annotations

from ._blocking import BlockingCallRule


class BlockingSleepInAsyncFunction(BlockingCallRule):
    """## What it does
    Checks for `time.sleep()` (under any alias, e.g. `from time import sleep`) in an
    `async def` body that runs on the event loop.

    ## Why is this bad?
    `time.sleep()` suspends the whole thread, and an `async def` endpoint or dependency
    runs on the event loop's thread: while it sleeps, the server answers no other request.
    Five concurrent requests to an `async def` handler doing `time.sleep(0.5)` take 2.5 s,
    and an unrelated request waits too; the same handler as plain `def` takes 0.5 s.
    `await asyncio.sleep()` suspends only the current coroutine.

    Not reported: `await asyncio.sleep(...)`, `time.sleep` passed to (not called in)
    `asyncio.to_thread`, and calls inside a plain `def`, or inside a lambda handed to
    `asyncio.to_thread`, `run_in_threadpool`, `anyio.to_thread.run_sync` or
    `loop.run_in_executor` (a lambda passed straight to `map()` runs on the loop and is
    reported).

    ## Example
    ```python
    import time

    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/jobs")
    async def create_job():
        time.sleep(1)  # wait for the worker to pick it up
        return {"status": "queued"}
    ```

    Use instead:
    ```python
    import asyncio

    from fastapi import FastAPI

    app = FastAPI()


    @app.post("/jobs")
    async def create_job():
        await asyncio.sleep(1)  # wait for the worker to pick it up
        return {"status": "queued"}
    ```

    ## Fix safety
    The fix replaces `time.sleep(x)` with `await asyncio.sleep(x)`, keeping the argument
    and comments, and imports `asyncio` (or uses the module's own name for it, such as
    `aio` after `import asyncio as aio`). It is offered for the one-argument form, where
    an `await` can stand: not in a generator expression (the `await` would turn it into an
    async generator), a class body, an annotation or an f-string.

    The fix is unsafe, because the sleep no longer holds everything else: other requests
    run during it, so state they share with this function may change in between; the
    `await` is a point where the task can be cancelled (a timeout, a task group, the
    server shutting down); and `asyncio.sleep()` returns at once for a negative delay,
    where `time.sleep()` raises `ValueError`.

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [Python: `asyncio.sleep`](https://docs.python.org/3/library/asyncio-task.html#asyncio.sleep)
    """

    code = "FPI101"
    name = "blocking-sleep-in-async-function"
