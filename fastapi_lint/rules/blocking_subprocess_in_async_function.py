"""FPI102: waiting for a subprocess on the event loop."""

from __future__ import annotations

from ._blocking import BlockingCallRule


class BlockingSubprocessInAsyncFunction(BlockingCallRule):
    """## What it does
    Checks for calls that run a subprocess and wait for it in an `async def` body that
    runs on the event loop: `subprocess.run`, `call`, `check_call`, `check_output`,
    `getoutput`, `getstatusoutput`; `Popen.wait()` and `Popen.communicate()`;
    `os.system`, `os.popen`, and `os.wait`, `waitpid`, `wait3`, `wait4`, `waitid`
    (unless given `os.WNOHANG`).

    ## Why is this bad?
    These calls hold the event loop until the child process exits, so the server answers
    no other request meanwhile. Blocking for 0.5 s (measured with `time.sleep(0.5)`),
    five concurrent requests to an `async def` handler take 2.5 s; as plain `def` (run
    in FastAPI's threadpool) they take 0.5 s. `os.popen()` itself returns at once, but
    reading its output, which is what it is used for, waits for the command.

    Starting a process with `subprocess.Popen(...)` without waiting for it is cheap and
    not reported.

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

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [Python: asyncio subprocesses](https://docs.python.org/3/library/asyncio-subprocess.html)
    """

    code = "FPI102"
    name = "blocking-subprocess-in-async-function"
