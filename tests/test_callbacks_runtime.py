"""Where FastAPI runs a plain-`def` callback decides FPI120's advice; checked at run time."""

from __future__ import annotations

import asyncio
import textwrap
import warnings


from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def test_a_def_startup_handler_still_runs_on_the_loop_and_a_def_exception_handler_does_not() -> None:
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse
    from fastapi.testclient import TestClient

    seen: dict[str, bool] = {}
    app = FastAPI()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # on_event is deprecated

        @app.on_event("startup")
        def startup() -> None:
            seen["startup"] = _on_loop()

    class Boom(Exception):
        pass

    @app.exception_handler(Boom)
    def handle(request: Request, exc: Boom) -> JSONResponse:
        return JSONResponse({"on_loop": _on_loop()})

    @app.get("/boom")
    async def boom() -> None:
        raise Boom()

    with TestClient(app) as client:
        assert client.get("/boom").json() == {"on_loop": False}
    assert seen == {"startup": True}


def test_a_def_middleware_body_still_runs_on_the_loop() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()
    seen: list[bool] = []

    @app.middleware("http")
    def note_loop(request, call_next):
        # Starlette calls the dispatch function directly and awaits what it returns.
        seen.append(_on_loop())
        return call_next(request)

    @app.get("/")
    async def index() -> dict:
        return {}

    assert TestClient(app).get("/").status_code == 200
    assert seen == [True]


SOURCE = textwrap.dedent(
    """\
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    from .warmup import load_models

    app = FastAPI()


    @app.on_event("startup")
    async def warm_up():
        load_models()


    @app.exception_handler(ValueError)
    async def on_value_error(request: Request, exc: ValueError):
        load_models()
        return JSONResponse({"detail": str(exc)}, status_code=400)
    """
)


def test_fpi120_advice_follows_where_the_callback_runs() -> None:
    # `load_models` comes from another module and its cost is unknown: only with the option
    # does it count as evidence (by default FPI120 waits for a call known to cost time).
    settings = Settings(
        select=["FPI120"],
        rule_options={"async-route-never-awaits": {"unknown-calls-are-evidence": True}},
    )
    assert not check_source(SOURCE, "app.py", Settings(select=["FPI120"])).diagnostics
    diagnostics = check_source(SOURCE, "app.py", settings).diagnostics
    messages = {d.location.row: d.message for d in diagnostics}
    assert set(messages) == {10, 15}
    assert "asyncio.to_thread" in messages[10] and "plain `def`" not in messages[10]
    assert "plain `def`" in messages[15]


# mlflow's gateway routes: a decorator under the registration awaits the handler.
WRAPPED = textwrap.dedent(
    """\
    import functools
    import os

    from fastapi import FastAPI, HTTPException

    app = FastAPI()


    def translate_errors(func):
        @functools.wraps(func)
        async def wrapper(*args, **kwargs):
            try:
                return await func(*args, **kwargs)
            except KeyError as error:
                raise HTTPException(status_code=404) from error
        return wrapper


    @app.get("/models")
    @translate_errors
    async def list_models():
        return {"models": os.listdir(".")}
    """
)


def test_fpi120_does_not_advise_a_plain_def_under_a_wrapping_decorator(tmp_path) -> None:
    from fastapi.testclient import TestClient

    from test_fix_runtime import load

    [diagnostic] = check_source(WRAPPED, "app.py", Settings(select=["FPI120"])).diagnostics
    assert "asyncio.to_thread" in diagnostic.message and "may break its caller" in diagnostic.message
    assert diagnostic.fix is None
    assert TestClient(load(tmp_path, WRAPPED).app).get("/models").status_code == 200
    # What a plain `def` would do: the wrapper awaits a list, and every request fails.
    plain = WRAPPED.replace("async def list_models", "def list_models")
    with TestClient(load(tmp_path, plain).app, raise_server_exceptions=False) as client:
        assert client.get("/models").status_code == 500
