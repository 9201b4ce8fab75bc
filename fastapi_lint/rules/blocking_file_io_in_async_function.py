"""FPI103: file I/O on the event loop."""

from __future__ import annotations

from ._blocking import BlockingCallRule
from ._offload import OFFLOAD_OPTION


class BlockingFileIoInAsyncFunction(BlockingCallRule):
    """## What it does
    Checks for synchronous file I/O in an `async def` body that runs on the event loop:
    the builtin `open()` and `io.open()`; `read_text`, `read_bytes`, `write_text`,
    `write_bytes` and `open` on `pathlib.Path` values; and `shutil` copies, moves,
    removals and archives (`copy`, `copy2`, `copyfile`, `copyfileobj`, `copytree`, `move`,
    `rmtree`, `make_archive`, `unpack_archive`);
    `io.open_code`, `os.fdopen` and `tempfile.TemporaryFile`/`NamedTemporaryFile`; the
    reading and writing methods (`read`, `readline`, `readlines`, `readinto`, `write`,
    `writelines`, `flush`, `truncate`) of file objects: what those calls return (also as
    `with open(p) as f`), and parameters annotated `IO`, `TextIO`, `BinaryIO`,
    `TextIOWrapper`, `BufferedReader`/`Writer`/`Random` or `FileIO` (optional or not);
    `upload.file.read()` on an `UploadFile` (Starlette spools uploads over 1 MB to disk;
    `await upload.read()` is async and not reported); `input()`, which waits for a
    line on the server's standard input; and archives: `zipfile.ZipFile(...)` and
    `tarfile.open(...)` on a path or a value of unknown kind (not over an in-memory
    `io.BytesIO`), and `extract`, `extractall`, `write` (ZipFile) or `add` (TarFile),
    which write or read files wherever the archive is.

    One blocking file access, one diagnostic: `with open(p) as f: f.read()` and
    `f = open(p)` then `f.read()` are reported once, at the `open()` (the same for an
    archive opened and extracted in one function). A file object's
    methods are reported when nothing in the same function already reported the call that
    opened it: parameters, `upload.file`, a file opened at module level or elsewhere.

    A wrapper built in the code over an in-memory stream is not a file: after
    `text = io.TextIOWrapper(io.BytesIO())` (or over `io.StringIO`, or over an object of
    one of the project's own classes, such as a buffer a streaming response drains),
    `text.write(...)` and `text.flush()` are not reported. Built over a file, a pipe or a
    value of unknown kind (`io.TextIOWrapper(proc.stdout)`), its methods are.

    ## Why is this bad?
    File operations are synchronous system calls: on a slow or network disk, or with a
    large file, they hold the event loop and the server answers no other request
    meanwhile (large `open().read()`, `Path.read_bytes()` and `Path.write_bytes()` calls
    stall the loop for their full duration). A plain `def` endpoint runs in FastAPI's
    threadpool instead.

    Only the builtin is meant by `open`: `aiofiles.open`, `PIL.Image.open`,
    `zipfile.ZipFile.open`, `webbrowser.open` and functions of your own named `open` are
    not reported. Cheap metadata checks such as `os.path.exists`, `isfile`, `getsize` are
    not reported either (flake8-async's ASYNC240 reports them, and so does FPI106, off by
    default, for network filesystems): measured on local disk, an
    `os.path.exists` call took 9 us, about one turn of an idle event loop (an
    `asyncio.sleep(0)` round trip took 11 us on the same machine); `seek`, `tell` and
    `fileno` on file objects do not wait on the disk. Methods no file object has
    (flake8-async reports every method of a value typed `TextIOWrapper`) are not reported.

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

    ## Fix safety
    The fix runs the call in a worker thread: `path.read_text()` becomes
    `await asyncio.to_thread(path.read_text)`. In a module that already uses
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

    No fix is offered when the file object that `open()`, `io.open()`, `Path.open()` (or
    `io.open_code`, `os.fdopen`, `tempfile`'s files) returns is used further: in the same
    expression (`open(p).read()`, `.write(...)`, `.close()`) or through a name
    (`with open(p) as f:`, `f = open(p)`). Offloading only the `open` would leave the read
    or write, the part that blocks on a large file, on the loop, and unreported. Move such
    code by hand into a function run with `await asyncio.to_thread(...)`.

    No fix is offered where an `await` cannot stand or would change the construct around
    it (a generator expression, a class body, an annotation, an f-string), when the result
    is used by a further blocking call in the same expression, or when the call is the
    argument of `asyncio.to_thread` or `run_in_threadpool` itself (the function was meant
    to be passed, not called).

    ## Options
    - `offload-with`: what the fix runs the call with: `"auto"` (the default:
      `run_in_threadpool` in a module that already imports and calls it,
      `asyncio.to_thread` everywhere else), `"asyncio.to_thread"`, or
      `"run_in_threadpool"` (imported from `fastapi.concurrency` when the module does not
      import it yet). A call with a `func=` keyword or a `**mapping` argument never goes
      through `run_in_threadpool`, whose own first parameter is named `func`: with
      `"auto"` it gets `asyncio.to_thread`, with `"run_in_threadpool"` no fix.

    ```toml
    [tool.fastapi-lint.blocking-file-io-in-async-function]
    offload-with = "run_in_threadpool"
    ```

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [Python: `asyncio.to_thread`](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    - [AnyIO: Asynchronous file I/O](https://anyio.readthedocs.io/en/stable/fileio.html)
    """

    code = "FPI103"
    name = "blocking-file-io-in-async-function"
    options = (OFFLOAD_OPTION,)
