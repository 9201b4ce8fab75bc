"""FPI100: a synchronous HTTP request made on the event loop."""

from __future__ import annotations

from ._blocking import BlockingCallRule


class BlockingHttpCallInAsyncFunction(BlockingCallRule):
    """## What it does
    Checks for synchronous HTTP requests in an `async def` body that runs on the event
    loop: `requests` functions (`requests.get`, ..., `requests.request`) and
    `requests.Session` methods, the sync `httpx` functions (`httpx.get`, `httpx.request`,
    `httpx.stream`) and `httpx.Client` methods, `urllib.request.urlopen`, `urllib3` pool
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
    (`await client.get(...)` on an `httpx.AsyncClient`), and calls inside a plain `def`,
    a lambda, or a callable handed to `asyncio.to_thread`, `run_in_threadpool`,
    `anyio.to_thread.run_sync` or `loop.run_in_executor`, which do not run on the loop.

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

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [HTTPX: Async support](https://www.python-httpx.org/async/)
    - [Python: `asyncio.to_thread`](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    """

    code = "FPI100"
    name = "blocking-http-call-in-async-function"
