"""Canonical names: one spelling for each object that libraries export under several.

`from requests.sessions import Session` and `import requests; requests.Session` are the
same class; rules only ever compare canonical names.
"""

from __future__ import annotations

# Longest prefix first is not needed: lookups try every prefix of the name, longest first.
ALIASES: dict[str, str] = {
    "fastapi.applications.FastAPI": "fastapi.FastAPI",
    "fastapi.routing.APIRouter": "fastapi.APIRouter",
    "fastapi.param_functions": "fastapi",
    "fastapi.params.Depends": "fastapi.Depends",
    "fastapi.params.Security": "fastapi.Security",
    "fastapi.responses": "starlette.responses",
    "fastapi.Response": "starlette.responses.Response",
    "fastapi.Request": "starlette.requests.Request",
    "fastapi.WebSocket": "starlette.websockets.WebSocket",
    "fastapi.BackgroundTasks": "starlette.background.BackgroundTasks",
    "fastapi.background.BackgroundTasks": "starlette.background.BackgroundTasks",
    "fastapi.status": "starlette.status",
    "fastapi.concurrency.run_in_threadpool": "starlette.concurrency.run_in_threadpool",
    "fastapi.exceptions.HTTPException": "fastapi.HTTPException",
    "fastapi.middleware.Middleware": "starlette.middleware.Middleware",
    "fastapi.middleware.base": "starlette.middleware.base",
    "pydantic.main.BaseModel": "pydantic.BaseModel",
    "pydantic.root_model.RootModel": "pydantic.RootModel",
    "pydantic.fields.Field": "pydantic.Field",
    "pydantic_settings.main.BaseSettings": "pydantic_settings.BaseSettings",
    "sqlmodel.main.SQLModel": "sqlmodel.SQLModel",
    "sqlmodel.main.Field": "sqlmodel.Field",
    "sqlmodel.orm.session.Session": "sqlmodel.Session",
    "sqlmodel.ext.asyncio.session.AsyncSession": "sqlalchemy.ext.asyncio.AsyncSession",
    "requests.sessions.Session": "requests.Session",
    "requests.sessions.session": "requests.session",
    "requests.api": "requests",
    "httpx._client.Client": "httpx.Client",
    "httpx._api": "httpx",
    "httpx2._client.Client": "httpx2.Client",
    "langsmith.client.Client": "langsmith.Client",
    "rq.queue.Queue": "rq.Queue",
    "httpx2._api": "httpx2",
    "openai._client.OpenAI": "openai.OpenAI",
    "openai.lib.azure.AzureOpenAI": "openai.AzureOpenAI",
    "fastapi.UploadFile": "starlette.datastructures.UploadFile",
    "fastapi.datastructures.UploadFile": "starlette.datastructures.UploadFile",
    "tempfile._TemporaryFileWrapper": "io.TextIOWrapper",
    "urllib3.poolmanager.PoolManager": "urllib3.PoolManager",
    "sqlalchemy.orm.session.Session": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.sessionmaker": "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.query.Query": "sqlalchemy.orm.Query",
    "sqlalchemy.engine.Engine": "sqlalchemy.Engine",
    "sqlalchemy.engine.base.Engine": "sqlalchemy.Engine",
    "sqlalchemy.engine.Connection": "sqlalchemy.Connection",
    "sqlalchemy.engine.base.Connection": "sqlalchemy.Connection",
    "sqlalchemy.engine.create_engine": "sqlalchemy.create_engine",
    "sqlalchemy.engine.create.create_engine": "sqlalchemy.create_engine",
    "sqlmodel.create_engine": "sqlalchemy.create_engine",
    "redis.StrictRedis": "redis.Redis",
    "redis.client.Redis": "redis.Redis",
    "redis.client.StrictRedis": "redis.Redis",
    "redis.client.Pipeline": "redis.Pipeline",
    "redis.asyncio.client": "redis.asyncio",
    "boto3.session.Session": "boto3.Session",
    # What `boto3.client(...)` returns, as annotations name it (`-> BaseClient`).
    "botocore.client.BaseClient": "boto3.client",
    "pathlib.PosixPath": "pathlib.Path",
    "pathlib.WindowsPath": "pathlib.Path",
    "subprocess.Popen": "subprocess.Popen",
    "typing_extensions": "typing",
    "mysql.connector.connection.MySQLConnection": "mysql.connector.MySQLConnection",
    "sqlalchemy.orm.scoping.scoped_session": "sqlalchemy.orm.scoped_session",
    "sqlalchemy.ext.asyncio.session": "sqlalchemy.ext.asyncio",
    "sqlalchemy.ext.asyncio.engine": "sqlalchemy.ext.asyncio",
    "urllib3.connectionpool.HTTPConnectionPool": "urllib3.HTTPConnectionPool",
    "urllib3.connectionpool.HTTPSConnectionPool": "urllib3.HTTPSConnectionPool",
    "urllib3.poolmanager.ProxyManager": "urllib3.ProxyManager",
    "sqlite3.dbapi2": "sqlite3",
    "psycopg.connection.Connection": "psycopg.Connection",
    "psycopg.cursor.Cursor": "psycopg.Cursor",
}

FASTAPI_APP_CLASSES = frozenset({"fastapi.FastAPI"})
FASTAPI_ROUTER_CLASSES = frozenset({"fastapi.APIRouter"})
# Other ASGI applications that run the callables they are given (lifespan, handlers).
STARLETTE_APP_CLASSES = frozenset({"starlette.applications.Starlette", "starlette.routing.Router"})
MIDDLEWARE_WRAPPERS = frozenset({"starlette.middleware.Middleware"})
MIDDLEWARE_BASES = frozenset({"starlette.middleware.base.BaseHTTPMiddleware"})
PYDANTIC_BASES = frozenset(
    {
        "pydantic.BaseModel",
        "pydantic.RootModel",
        "pydantic.v1.BaseModel",
        "pydantic_settings.BaseSettings",
        "sqlmodel.SQLModel",
    }
)
DEPENDS_FUNCTIONS = frozenset({"fastapi.Depends", "fastapi.Security"})
# Functions that run the callable they are given in a worker thread.
OFFLOADING_CALLS = frozenset(
    {
        "asyncio.to_thread",
        "starlette.concurrency.run_in_threadpool",
        "anyio.to_thread.run_sync",
        "functools.partial",  # runs nothing itself; what it wraps is usually offloaded
    }
)


def canonical(qualname: str | None) -> str | None:
    """Rewrite the longest aliased prefix of `qualname` to its canonical spelling."""
    if qualname is None:
        return None
    parts = qualname.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        target = ALIASES.get(prefix)
        if target is not None:
            rest = parts[end:]
            return ".".join([target, *rest]) if rest else target
    return qualname
