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
    `asyncio.to_thread`, and calls inside a plain `def`, a lambda, or a callable handed
    to `asyncio.to_thread`, `run_in_threadpool`, `anyio.to_thread.run_sync` or
    `loop.run_in_executor`.

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

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [Python: `asyncio.sleep`](https://docs.python.org/3/library/asyncio-task.html#asyncio.sleep)
    """

    code = "FPI101"
    name = "blocking-sleep-in-async-function"
