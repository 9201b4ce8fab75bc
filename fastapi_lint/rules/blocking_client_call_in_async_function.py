"""FPI104: a synchronous database, cache, cloud, mail or socket call on the event loop."""

from __future__ import annotations

from typing import Iterable

from ._blocking import BlockingCallRule
from ._offload import OFFLOAD_OPTION
from .base import Option


class BlockingClientCallInAsyncFunction(BlockingCallRule):
    """## What it does
    Checks for calls of synchronous network clients in an `async def` body that runs on
    the event loop:

    - database drivers: `sqlite3`, `psycopg2`, `psycopg` (sync), `pymysql` and
      `mysql.connector` (`connect()`, and `execute`, `commit`, `fetch*`, ... on their
      connections and cursors);
    - SQLAlchemy and SQLModel: `Session` methods that do I/O (`execute`, `exec`, `scalar`,
      `scalars`, `get`, `commit`, `flush`, `refresh`, `merge`, `rollback`), the terminal
      methods of `session.query(...)` (`all`, `first`, `one`, `one_or_none`, `scalar`,
      `count`, `get`, `delete`, `update`), `Connection.execute`/`commit` and
      `Engine.connect`/`begin`;
    - `redis.Redis` (also `StrictRedis`, `redis.from_url`) commands and pipeline
      `execute()`;
    - `boto3` client and resource calls;
    - Stripe's API through stripe-python's resources (`stripe.Customer.create(...)`,
      `stripe.checkout.Session.retrieve(...)`, ... : each an HTTPS request; their
      `_async` twins, `await stripe.Customer.create_async(...)`, are not reported);
    - OpenAI's sync clients (`openai.OpenAI`, `openai.AzureOpenAI`): every method of their
      resources (`client.chat.completions.create(...)`, `client.embeddings.create(...)`),
      also through `client.with_options(...)` and the module-level client
      (`openai.chat.completions.create`), and openai < 1.0's `openai.ChatCompletion.create`;
      `AsyncOpenAI`/`AsyncAzureOpenAI` (awaited) and `acreate` are not reported;
    - LangSmith's sync `langsmith.Client`: the methods that send a request before they
      return (`create_feedback`, `create_feedback_from_token`, `share_run`, `read_run`,
      `create_dataset`, `create_example`, ...; not `create_run` and the tracing calls,
      which go through its background queue, nor the `list_*` generators, which request
      only when iterated); `langsmith.AsyncClient` (awaited) is not reported;
    - rq, which has no async API: `Queue.enqueue` (and `enqueue_call`, `enqueue_at`,
      `enqueue_in`, `fetch_job`, ...), `Job.fetch`, a job's `refresh`, `get_status`,
      `cancel`, ..., and `f.delay(...)` of a function decorated with `@job(queue)`, also
      when `f` is imported from another module of the project: each is a round trip to Redis;
    - `smtplib.SMTP`/`SMTP_SSL` and `ftplib.FTP` (constructed with a host, which
      connects) and their commands: one diagnostic for a session the function connects
      and uses (`with smtplib.SMTP(host) as s: s.login(...); s.send_message(m)` is
      reported at `smtplib.SMTP(host)`, as one mail sent), one per command on a session
      made elsewhere;
    - websocket-client's `websocket.create_connection()` (it connects before returning)
      and the `send`, `recv`, `ping`, `close`, ... of the connection it returns;
    - `socket.create_connection`, `getaddrinfo`, `gethostbyname`, and `connect`, `recv`,
      `recvfrom`, `accept`, `sendall` on sockets (not `connect` on a UDP socket made in
      the code, `socket.socket(AF_INET, SOCK_DGRAM)`: it sends nothing and returns at once,
      the idiom for finding the interface that routes to an address);
    - the calls listed in the `extra-blocking-calls` option.

    A session's type is known from an annotation (`db: Session = Depends(get_db)`,
    `Annotated[Session, Depends(get_db)]`, an alias of it, or `get_db`'s return
    annotation such as `-> Generator[Session, None, None]`) or from its construction
    (`SessionLocal = sessionmaker(...)`, `db = SessionLocal()`,
    `with Session(engine) as session`).

    ## Why is this bad?
    FastAPI runs an `async def` endpoint or dependency on the event loop. A synchronous
    client call holds the loop for the whole round trip to the server, and no other
    request is served meanwhile. Blocking for 0.5 s (measured with `time.sleep(0.5)`),
    five concurrent requests to an `async def` handler take 2.5 s; the same handler as
    plain `def` takes 0.5 s, because FastAPI runs it in its threadpool.

    Not reported: calls that do no I/O (`Session.add`, `add_all`, `delete`, `expunge`,
    `session.query(...)` itself, `redis.Redis()`, `Redis.pipeline()`, boto3's
    `get_paginator` and `generate_presigned_url`), anything on an `AsyncSession` or a
    `redis.asyncio` client, awaited calls, and calls inside a plain `def` or a lambda
    handed to `asyncio.to_thread` or `run_in_threadpool` (a lambda passed straight to
    `map()` or `sorted()` runs on the loop and is reported).

    ## Example
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session, sessionmaker

    engine = create_engine("sqlite:///app.db")
    SessionLocal = sessionmaker(bind=engine)
    app = FastAPI()


    def get_db():
        with SessionLocal() as db:
            yield db


    @app.get("/users/{user_id}")
    async def read_user(user_id: int, db: Session = Depends(get_db)):
        query = text("SELECT name FROM users WHERE id = :id")
        return {"name": db.execute(query, {"id": user_id}).scalar_one()}
    ```

    Use instead:
    ```python
    from fastapi import Depends, FastAPI
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session, sessionmaker

    engine = create_engine("sqlite:///app.db")
    SessionLocal = sessionmaker(bind=engine)
    app = FastAPI()


    def get_db():
        with SessionLocal() as db:
            yield db


    @app.get("/users/{user_id}")
    def read_user(user_id: int, db: Session = Depends(get_db)):
        query = text("SELECT name FROM users WHERE id = :id")
        return {"name": db.execute(query, {"id": user_id}).scalar_one()}
    ```

    A plain `def` endpoint runs in FastAPI's threadpool. The async alternatives work too:
    `AsyncSession` with `await session.execute(...)`, `redis.asyncio`, or
    `await asyncio.to_thread(...)` around the call.

    ## Fix safety
    The fix runs the call in a worker thread: `db.commit()` becomes
    `await asyncio.to_thread(db.commit)`, and `db.query(User).filter(...).first()`
    becomes `await asyncio.to_thread(db.query(User).filter(...).first)` (the query is
    built on the loop, only `first()` talks to the database). In a module that already uses
    `run_in_threadpool`, `await run_in_threadpool(...)` is written instead (see the
    `offload-with` option), and the import is added when missing. For a method call, the
    bound method runs in the thread; the object and the arguments are still evaluated on
    the loop, in the same order, and the call returns the same value.

    The fix is unsafe: the call now runs in another thread, and other requests run
    meanwhile. Thread-local state differs; a `ContextVar` the call sets is set in a copy
    of the context (`asyncio.to_thread` and `run_in_threadpool` copy it, so the values the
    caller set are still read); and the `await` is a point where the request's task can
    be cancelled. A SQLAlchemy `Session` on an in-memory SQLite engine
    (`create_engine("sqlite://")`) gets one connection, hence one database, per thread: an
    offloaded call does not see the tables the loop's thread created.

    Only the reported call moves: what the code does later with the object it returns
    (reading from a response or a file object, for example) stays on the loop.

    No fix is offered where an `await` cannot stand or would change the construct around
    it (a generator expression, a class body, an annotation, an f-string), when the result
    is used by a further blocking call in the same expression, or when the call is the
    argument of `asyncio.to_thread` or `run_in_threadpool` itself (the function was meant
    to be passed, not called). Nor where a thread breaks the program: `sqlite3`
    connections and cursors raise `ProgrammingError` when used from another thread than
    the one that created them (`sqlite3.connect(..., check_same_thread=False)` itself is
    fixed); the methods of a `scoped_session` act on the calling thread's own session, so
    an offloaded `registry.commit()` would commit another, empty session; and
    `Engine.begin()` returns a context manager that connects when the `with` block is
    entered.

    ## Options
    - `extra-blocking-calls`: more calls to report, as the dotted names your code imports
      them by: `"mylib.client.fetch"` for a function, `"mylib.Client.get"` for the `get`
      method of `mylib.Client` instances. Default: none.
    - `offload-with`: what the fix runs the call with: `"auto"` (the default:
      `run_in_threadpool` in a module that already imports and calls it,
      `asyncio.to_thread` everywhere else), `"asyncio.to_thread"`, or
      `"run_in_threadpool"` (imported from `fastapi.concurrency` when the module does not
      import it yet). A call with a `func=` keyword or a `**mapping` argument never goes
      through `run_in_threadpool`, whose own first parameter is named `func`: with
      `"auto"` it gets `asyncio.to_thread`, with `"run_in_threadpool"` no fix.

    ```toml
    [tool.fastapi-lint.blocking-client-call-in-async-function]
    extra-blocking-calls = ["mylib.client.fetch", "mylib.Client.get"]
    offload-with = "run_in_threadpool"
    ```

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [FastAPI: SQL (relational) databases](https://fastapi.tiangolo.com/tutorial/sql-databases/)
    - [SQLAlchemy: Asynchronous I/O (asyncio)](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html)
    - [redis-py: asyncio examples](https://redis.readthedocs.io/en/stable/examples/asyncio_examples.html)
    """

    code = "FPI104"
    name = "blocking-client-call-in-async-function"
    options = (
        Option(
            "extra-blocking-calls",
            (),
            "More calls to report: dotted names such as `mylib.client.fetch` or `mylib.Client.get`.",
        ),
        OFFLOAD_OPTION,
    )

    def extra_blocking_calls(self) -> Iterable[str]:
        return self.option_values.get("extra-blocking-calls", ())
