"""FPI103: file I/O on the event loop."""

from __future__ import annotations

from ._blocking import BlockingCallRule


class BlockingFileIoInAsyncFunction(BlockingCallRule):
    """## What it does
    Checks for synchronous file I/O in an `async def` body that runs on the event loop:
    the builtin `open()` and `io.open()`; `read_text`, `read_bytes`, `write_text`,
    `write_bytes` and `open` on `pathlib.Path` values; and `shutil` copies, moves and
    removals (`copy`, `copy2`, `copyfile`, `copyfileobj`, `copytree`, `move`, `rmtree`).

    ## Why is this bad?
    File operations are synchronous system calls: on a slow or network disk, or with a
    large file, they hold the event loop and the server answers no other request
    meanwhile (large `open().read()`, `Path.read_bytes()` and `Path.write_bytes()` calls
    stall the loop for their full duration). A plain `def` endpoint runs in FastAPI's
    threadpool instead.

    Only the builtin is meant by `open`: `aiofiles.open`, `PIL.Image.open`,
    `zipfile.ZipFile.open`, `webbrowser.open` and functions of your own named `open` are
    not reported. Cheap metadata checks such as `os.path.exists` are not reported either.

    ## Example
    ```python
    from pathlib import Path

    from fastapi import FastAPI

    app = FastAPI()
    TEMPLATES = Path(__file__).parent / "templates"


    @app.get("/terms")
    async def terms():
        return {"text": (TEMPLATES / "terms.txt").read_text()}
    ```

    Use instead:
    ```python
    import asyncio
    from pathlib import Path

    from fastapi import FastAPI

    app = FastAPI()
    TEMPLATES = Path(__file__).parent / "templates"


    @app.get("/terms")
    async def terms():
        text = await asyncio.to_thread((TEMPLATES / "terms.txt").read_text)
        return {"text": text}
    ```

    A plain `def` endpoint, or an async file API (`aiofiles`, `anyio.Path`), works too.

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [Python: `asyncio.to_thread`](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    - [AnyIO: Asynchronous file I/O](https://anyio.readthedocs.io/en/stable/fileio.html)
    """

    code = "FPI103"
    name = "blocking-file-io-in-async-function"
