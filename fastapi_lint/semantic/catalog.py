"""What the model knows about library APIs: what calls return, what calls block.

Everything here is keyed by canonical qualname (see `names.py`). A method of an instance
is keyed `Class.method`. `RESULT_TYPES` lets the model follow values through
`engine = create_engine(...)`, `SessionLocal = sessionmaker(...)`, `db = SessionLocal()`,
`db.query(User).filter(...).first()`.
"""

from __future__ import annotations

BUILTIN_TYPES = frozenset(
    {"list", "dict", "set", "frozenset", "tuple", "str", "bytes", "bytearray", "int", "float",
     "bool", "complex", "range", "object"}
)

_QUERY_BUILDERS = (
    "filter", "filter_by", "where", "order_by", "group_by", "having", "join", "outerjoin",
    "limit", "offset", "options", "distinct", "select_from", "with_entities", "params",
    "with_for_update", "execution_options", "populate_existing", "yield_per", "union",
    "union_all", "correlate", "add_columns", "add_entity", "slice",
)

# Decorators that replace the function with an object of another class: what a name
# bound by `@decorator def f(...)` then is (rq's `@job(queue)` adds `f.delay(...)`, which
# enqueues the job in Redis before it returns).
DECORATED_TYPES: dict[str, str] = {
    "rq.decorators.job": "rq.decorators.job",
}

RESULT_TYPES: dict[str, str] = {
    # Hugging Face `datasets`
    "datasets.load_dataset": "datasets.Dataset",
    "datasets.Dataset.from_list": "datasets.Dataset",
    "datasets.Dataset.from_dict": "datasets.Dataset",
    "datasets.Dataset.from_pandas": "datasets.Dataset",
    "datasets.concatenate_datasets": "datasets.Dataset",
    # importlib.resources: a package's files (`files(pkg).joinpath("x").read_text()`)
    "importlib.resources.files": "importlib.resources.abc.Traversable",
    "importlib.resources.abc.Traversable.joinpath": "importlib.resources.abc.Traversable",
    # requests / httpx / urllib3 / http.client
    "requests.session": "requests.Session",
    "urllib.request.build_opener": "urllib.request.OpenerDirector",
    "urllib3.connection_from_url": "urllib3.HTTPConnectionPool",
    # Classes whose all-capitals names the CapWords heuristic does not take for classes.
    "smtplib.SMTP": "smtplib.SMTP",
    "smtplib.SMTP_SSL": "smtplib.SMTP_SSL",
    "smtplib.LMTP": "smtplib.LMTP",
    "ftplib.FTP": "ftplib.FTP",
    "ftplib.FTP_TLS": "ftplib.FTP_TLS",
    # rq: `Job.fetch(job_id, connection=...)` and the queue's methods give jobs.
    "rq.job.Job.fetch": "rq.job.Job",
    "rq.Queue.enqueue": "rq.job.Job",
    "rq.Queue.fetch_job": "rq.job.Job",
    # Databases
    "sqlite3.connect": "sqlite3.Connection",
    "sqlite3.Connection.cursor": "sqlite3.Cursor",
    "sqlite3.Connection.execute": "sqlite3.Cursor",
    "sqlite3.Connection.executemany": "sqlite3.Cursor",
    "sqlite3.Connection.executescript": "sqlite3.Cursor",
    "psycopg.connect": "psycopg.Connection",
    "psycopg.Connection.connect": "psycopg.Connection",
    "psycopg.Connection.cursor": "psycopg.Cursor",
    "psycopg.Connection.execute": "psycopg.Cursor",
    "psycopg2.connect": "psycopg2.extensions.connection",
    "psycopg2.extensions.connection.cursor": "psycopg2.extensions.cursor",
    "pymysql.connect": "pymysql.connections.Connection",
    "pymysql.Connect": "pymysql.connections.Connection",
    "pymysql.connections.Connection.cursor": "pymysql.cursors.Cursor",
    "mysql.connector.connect": "mysql.connector.MySQLConnection",
    "mysql.connector.MySQLConnection.cursor": "mysql.connector.cursor.MySQLCursor",
    "sqlalchemy.create_engine": "sqlalchemy.Engine",
    "sqlalchemy.Engine.connect": "sqlalchemy.Connection",
    "sqlalchemy.Engine.begin": "sqlalchemy.Connection",
    # Factories are lower-case classes: say so, so their instances get a type.
    # (`sessionmaker(class_=AsyncSession)` is typed `async_sessionmaker` by the model.)
    "sqlalchemy.orm.sessionmaker": "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.scoped_session": "sqlalchemy.orm.scoped_session",
    "sqlalchemy.ext.asyncio.async_sessionmaker": "sqlalchemy.ext.asyncio.async_sessionmaker",
    "sqlalchemy.ext.asyncio.async_sessionmaker.__call__": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.ext.asyncio.async_sessionmaker.begin": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.orm.Session.connection": "sqlalchemy.Connection",
    "sqlalchemy.orm.scoped_session.query": "sqlalchemy.orm.Query",
    "sqlalchemy.orm.sessionmaker.__call__": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.sessionmaker.begin": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.scoped_session.__call__": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.Session.query": "sqlalchemy.orm.Query",
    "sqlmodel.Session.query": "sqlalchemy.orm.Query",
    **{f"sqlalchemy.orm.Query.{name}": "sqlalchemy.orm.Query" for name in _QUERY_BUILDERS},
    # Redis
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "redis.Redis.pipeline": "redis.Pipeline",
    # boto3
    "boto3.client": "boto3.client",
    "boto3.resource": "boto3.resource",
    "boto3.Session.client": "boto3.client",
    "boto3.Session.resource": "boto3.resource",
    # Archives and websocket-client's connection
    "tarfile.open": "tarfile.TarFile",
    "websocket.create_connection": "websocket.WebSocket",
    # pwdlib: FastAPI's security tutorial builds its hasher with `PasswordHash.recommended()`
    "pwdlib.PasswordHash.recommended": "pwdlib.PasswordHash",
    # sockets
    "socket.create_connection": "socket.socket",
    "socket.socket": "socket.socket",
    # File objects (all read and write the same way: see `blocking.FILE_OBJECT_TYPES`).
    **{name: "io.TextIOWrapper" for name in (
        "builtins.open", "io.open", "io.open_code", "os.fdopen", "pathlib.Path.open",
        "tempfile.TemporaryFile", "tempfile.NamedTemporaryFile",
    )},
    "tempfile.SpooledTemporaryFile": "tempfile.SpooledTemporaryFile",
    "starlette.datastructures.UploadFile.file": "starlette.datastructures.UploadFile.file",
    # OpenAI: `client.with_options(timeout=...)` is a configured copy of the client.
    "openai.OpenAI.with_options": "openai.OpenAI",
    "openai.AzureOpenAI.with_options": "openai.AzureOpenAI",
    "openai.OpenAI.copy": "openai.OpenAI",
    "openai.AzureOpenAI.copy": "openai.AzureOpenAI",
    # pathlib
    "pathlib.Path.cwd": "pathlib.Path",
    "pathlib.Path.home": "pathlib.Path",
    "pathlib.Path.resolve": "pathlib.Path",
    "pathlib.Path.absolute": "pathlib.Path",
    "pathlib.Path.parent": "pathlib.Path",
    "pathlib.Path.with_suffix": "pathlib.Path",
    "pathlib.Path.with_name": "pathlib.Path",
    "pathlib.Path.joinpath": "pathlib.Path",
    "pathlib.Path.expanduser": "pathlib.Path",
}
