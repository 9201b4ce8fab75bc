"""FPI106: `os.path` metadata calls on the event loop (off by default)."""

from __future__ import annotations

from ..semantic.blocking import classify_os_path_call
from ._blocking import BlockingCallRule
from ._offload import OFFLOAD_OPTION


class OsPathCallInAsyncFunction(BlockingCallRule):
    """## What it does
    Checks for `os.path` calls that ask the filesystem about a path (`exists`, `isfile`,
    `getsize`, `getmtime`, `realpath`, ...) in an `async def` body that runs on the
    event loop.

    Off by default (select `FPI106` to turn it on). The functions: `exists`, `lexists`,
    `isfile`, `isdir`, `islink`, `ismount`, `isjunction`, `isdevdrive`, `getatime`,
    `getctime`, `getmtime`, `getsize`, `samefile`, `sameopenfile` and `realpath` (and
    its private helper `_joinrealpath`), also through `posixpath` or `ntpath`, and
    however they are imported (`import os.path as p`, `from os import path`,
    `from os.path import exists`).

    Not reported: the `os.path` functions that only work on the string (`join`,
    `basename`, `dirname`, `split`, `splitext`, `normpath`, `normcase`, `commonpath`,
    `isabs`, `expandvars`, ...) and `abspath` and `relpath`, which add at most an
    `os.getcwd()` (the kernel answers it from memory, not from the disk). flake8-async's
    ASYNC240 reports `normpath` and `relpath` too, and every name imported from
    `os.path`; this rule reports only calls that wait on the filesystem. Awaited calls and
    calls in a plain `def`, in a lambda or function handed to `asyncio.to_thread` or
    `run_in_threadpool` are not reported either, as for FPI100-FPI105. `os.stat`,
    `os.listdir`, `os.scandir` and `pathlib.Path.exists()`/`stat()` are not this rule's
    (nor FPI103's) calls. A `# noqa: ASYNC240` comment does not silence this rule:
    suppression codes are matched exactly, as in ruff (write `# noqa: FPI106`).

    A helper that calls `os.path.exists` is not followed: FPI110 does not count this
    rule's calls in its chains, and FPI120 counts them as cheap, so turning FPI106 on
    changes what no other rule reports.

    ## Why is this bad?
    Each of these is one or a few system calls (`stat`, `lstat`, `readlink`): while it
    runs, the event loop runs nothing else. On a local disk that is negligible: measured
    with `scripts/measure_os_path.py` (Python 3.11, ext4, warm cache, median of 20,000
    calls), `os.path.exists`, `isfile`, `getsize` and `getmtime` took about 3 us each,
    less than one turn of the event loop (an `await asyncio.sleep(0)` round trip took
    3.4 us on the same machine), and `realpath` of a six-component path about 22 us (one
    `lstat` per component). That is why the rule is off by default (FPI103 leaves these
    calls alone for the same reason).

    On a network filesystem (NFS, SMB/CIFS), a FUSE mount (`s3fs`, `sshfs`, `gcsfuse`)
    or a cloud volume, a stat is a round trip to a server, and a mount whose server does
    not answer holds the call, and with it every request the application serves, for as
    long as the server takes (a "hard" NFS mount retries for ever). Turn this rule on when
    the paths an `async def` checks may live on such storage: uploads, media or shared
    volumes mounted into a container.

    ## Example
    ```python
    import os.path

    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse

    app = FastAPI()
    MEDIA = "/mnt/media"


    @app.get("/media/{name}")
    async def media(name: str):
        path = os.path.join(MEDIA, name)
        if not os.path.isfile(path):
            raise HTTPException(status_code=404)
        return FileResponse(path)
    ```

    Use instead:
    ```python
    import asyncio
    import os.path

    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse

    app = FastAPI()
    MEDIA = "/mnt/media"


    @app.get("/media/{name}")
    async def media(name: str):
        path = os.path.join(MEDIA, name)
        if not await asyncio.to_thread(os.path.isfile, path):
            raise HTTPException(status_code=404)
        return FileResponse(path)
    ```

    `await anyio.Path(path).is_file()` or `await aiofiles.os.path.isfile(path)` work too,
    and so does a plain `def` endpoint (FastAPI runs it in its threadpool).

    ## Fix safety
    The fix runs the call in a worker thread: `os.path.isfile(p)` becomes
    `await asyncio.to_thread(os.path.isfile, p)` (or `await run_in_threadpool(...)`, see
    the option), as FPI103's fix does; the import is added when missing. It is unsafe:
    other requests run while the call waits, so the file may change in between (as it
    could anyway), and the `await` is a point where the request's task can be cancelled.
    For a call that really takes microseconds, the hop to a thread costs more than the
    call (`await asyncio.to_thread(os.path.exists, p)` took about 70 us in the same
    measurement): apply it where the storage may be remote.

    No fix is offered where an `await` cannot stand (a generator expression, a lambda,
    a class body, an f-string) or when the call is the function handed to
    `asyncio.to_thread` itself.

    ## Options
    - `offload-with`: what the fix runs the call with: `"auto"` (the default:
      `run_in_threadpool` in a module that already imports and calls it,
      `asyncio.to_thread` everywhere else), `"asyncio.to_thread"`, or
      `"run_in_threadpool"`, as for FPI100.

    ## References
    - [flake8-async: ASYNC240](https://flake8-async.readthedocs.io/en/latest/rules.html#async240)
    - [Python: `os.path`](https://docs.python.org/3/library/os.path.html)
    - [Python: `asyncio.to_thread`](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    - [AnyIO: Asynchronous file I/O](https://anyio.readthedocs.io/en/stable/fileio.html)
    """

    code = "FPI106"
    name = "os-path-call-in-async-function"
    default_enabled = False
    options = (OFFLOAD_OPTION,)

    def classify(self, call, ctx):
        return classify_os_path_call(ctx)
