"""FPI100: a synchronous HTTP request made on the event loop."""

from __future__ import annotations

from ._blocking import BlockingCallRule
from ._offload import OFFLOAD_OPTION


class BlockingHttpCallInAsyncFunction(BlockingCallRule):
    """## What it does
    Checks for synchronous HTTP requests in an `async def` body that runs on the event
    loop: `requests` functions (`requests.get`, ..., `requests.request`) and
    `requests.Session` methods, the sync `httpx` functions (`httpx.get`, `httpx.request`,
    `httpx.stream`) and `httpx.Client` methods (also in `httpx2`, Pydantic's continuation
    of httpx, with its `query`), `urllib.request.urlopen`, `urllib3` pool
    requests (`PoolManager().request`, `urllib3.request`) and `http.client` connections
    (`request`, `getresponse`, `connect`).

    ## Why is this bad?
    FastAPI runs an `async def` endpoint or dependency on the event loop. A synchronous
    HTTP request holds the loop for its whole round trip, so the server answers no other
    request meanwhile, not even unrelated ones. Blocking for 0.5 s (measured with
    `time.sleep(0.5)`), five concurrent requests to an `async def` handler take 2.5 s;
    the same handler as plain `def` takes 0.5 s, because FastAPI runs `def` endpoints and
    dependencies in its threadpool.

    Methods of `requests.Session` and `httpx.Client` are recognised when the object's
    type is known: built in the function or module (`requests.Session()`,
    `requests.session()`, `with httpx.Client() as client`), or annotated on a parameter
    or attribute (also `self.session` set in `__init__`). Not reported: awaited calls
    (`await client.get(...)` on an `httpx.AsyncClient`), and calls inside a plain `def`, or
    inside a lambda handed to `asyncio.to_thread`, `run_in_threadpool`,
    `anyio.to_thread.run_sync` or `loop.run_in_executor`, which do not run on the loop (a
    lambda passed straight to `map()` or `sorted()` does, and is reported).

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/users/{user_id}")
    async def read_user(user_id: int):
        response = requests.get(f"https://api.example.com/users/{user_id}", timeout=10)
        return response.json()
    ```

    Use instead:
    ```python
    import httpx
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/users/{user_id}")
    async def read_user(user_id: int):
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(f"https://api.example.com/users/{user_id}")
        return response.json()
    ```

    Keeping the synchronous client also works if the endpoint is a plain `def` (FastAPI
    runs it in the threadpool) or the call is offloaded with
    `await asyncio.to_thread(requests.get, url)`.

    ## Fix safety
    The fix runs the call in a worker thread: `requests.get(url, timeout=5)` becomes
    `await asyncio.to_thread(requests.get, url, timeout=5)`. In a module that already uses
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
    to be passed, not called). Nor for `httpx.stream(...)` and `Client.stream(...)`: they
    return a context manager that sends the request when the `with` block is entered, so
    running the call itself in a thread would leave the request on the loop.

    ## Options
    - `offload-with`: what the fix runs the call with: `"auto"` (the default:
      `run_in_threadpool` in a module that already imports and calls it,
      `asyncio.to_thread` everywhere else), `"asyncio.to_thread"`, or
      `"run_in_threadpool"` (imported from `fastapi.concurrency` when the module does not
      import it yet). A call with a `func=` keyword or a `**mapping` argument never goes
      through `run_in_threadpool`, whose own first parameter is named `func`: with
      `"auto"` it gets `asyncio.to_thread`, with `"run_in_threadpool"` no fix.

    ```toml
    [tool.fastapi-lint.blocking-http-call-in-async-function]
    offload-with = "run_in_threadpool"
    ```

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [HTTPX: Async support](https://www.python-httpx.org/async/)
    - [Python: `asyncio.to_thread`](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    """

    code = "FPI100"
    name = "blocking-http-call-in-async-function"
    options = (OFFLOAD_OPTION,)
