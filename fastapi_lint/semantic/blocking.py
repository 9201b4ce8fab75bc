"""The catalog of blocking APIs, and the classifier FPI100-FPI104 (and FPI120) share.

A call is classified by its canonical target (`ctx.target`, see `names.py`): module
functions by their qualname (`requests.get`), methods of instances whose class the model
inferred as `Class.method` (`requests.Session.get`, `sqlalchemy.orm.Session.execute`).
The classifier does not care where the call happens; the rules decide that (on the event
loop and not awaited). Every entry blocks for the duration of its I/O (see FACTS.md,
"Blocking APIs measured to stall the loop"); what only builds an object (`requests.Session()`,
`subprocess.Popen(...)`, `Session.add`, `redis.Redis()`) is deliberately absent.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable

from .names import canonical

HTTP, SLEEP, SUBPROCESS, FILE_IO, CLIENT = "FPI100", "FPI101", "FPI102", "FPI103", "FPI104"
HASHING = "FPI105"
# The codes of the rules that report a catalogued call themselves (FPI120 leaves theirs to them).
BLOCKING_CODES = frozenset({HTTP, SLEEP, SUBPROCESS, FILE_IO, CLIENT, HASHING})
# FPI106, off by default: `os.path` metadata calls. Not in the catalogue: a stat costs
# microseconds on a local disk (scripts/measure_os_path.py), so neither FPI110's helper
# chains nor FPI120's cost policy count it as blocking (see `classify_os_path_call`).
OS_PATH = "FPI106"
# FPI107, off by default: starting a process without waiting for it (`subprocess.Popen`,
# `os.posix_spawn`, `os.spawn*` with a mode that does not wait). Not in the catalogue
# either: the start returns in a fraction of a millisecond (scripts/measure_process_start.py);
# the wait, which FPI102 reports, is what holds the loop (see `classify_process_start`).
PROCESS_START = "FPI107"
_SPAWN_FUNCTIONS = tuple(f"spawn{suffix}" for suffix in "l le lp lpe v ve vp vpe".split())
_THREAD = "run it in a thread (`await asyncio.to_thread(...)`)"


@dataclass(frozen=True)
class BlockingCall:
    code: str  # "FPI100".."FPI107"
    api: str  # human name of what is called, e.g. "requests.get", "Session.execute", "open"
    alternative: str = ""  # the async replacement, e.g. "use `await asyncio.sleep(...)`"

    @property
    def fix(self) -> str:
        if self.code == SLEEP:  # sleeping in a thread would be pointless
            return self.alternative
        if self.api.startswith("sqlite3."):
            # sqlite3 objects refuse to be used from another thread than their creator's
            # (ProgrammingError), so moving one call to a thread is not the advice.
            return f"{self.alternative}, or make the endpoint a plain `def`"
        return f"{self.alternative} or {_THREAD}" if self.alternative else _THREAD

    def message(self, function_name: str) -> str:
        if self.code == PROCESS_START:
            return (
                f"`{self.api}()` starts a process on the event loop in `async def {function_name}` "
                f"without a way to await it; {self.alternative}"
            )
        if self.code == OS_PATH:
            return (
                f"`{self.api}()` waits on the filesystem on the event loop in `async def {function_name}` "
                f"(microseconds on a local disk, as long as the server takes on a network mount); {self.fix}"
            )
        if self.code == HASHING:
            return (
                f"`{self.api}()` hashes on the event loop in `async def {function_name}` "
                f"(slow on purpose, it holds every other request); {self.fix}"
            )
        return f"`{self.api}()` blocks the event loop in `async def {function_name}`; {self.fix}"


@dataclass(frozen=True)
class _Family:
    """Blocking methods of one class (or of values a factory returns, like `boto3.client`)."""

    code: str
    alternative: str
    display: str  # how messages name the class
    methods: frozenset[str] | None  # None: every public method but `except_methods`
    except_methods: frozenset[str] = frozenset()

    def blocks(self, method: str) -> bool:
        if self.methods is not None:
            return method in self.methods
        return not method.startswith("_") and method not in self.except_methods


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_HTTP_ALT = "use an async client (`httpx.AsyncClient`)"
_SUBPROCESS_ALT = "use `asyncio.create_subprocess_exec()`"
_FILE_ALT = "use an async file API (`aiofiles`, `anyio.Path`)"
_SQLITE_ALT = "use an async driver (`aiosqlite`)"
_PG_ALT = "use an async driver (`asyncpg`, `psycopg.AsyncConnection`)"
_MYSQL_ALT = "use an async driver (`aiomysql`, `asyncmy`)"
_SQLA_ALT = "use `AsyncSession` (`sqlalchemy.ext.asyncio`)"
_HTTP_VERBS = "get post put patch delete head options request"
# Password hashing and key derivation are slow on purpose (tens to hundreds of milliseconds
# of CPU per call, see FACTS.md); each of these releases the GIL while it computes, so a
# worker thread takes the whole cost off the loop.
_HASHING_FUNCTIONS = (
    "hashlib.pbkdf2_hmac hashlib.scrypt bcrypt.hashpw bcrypt.checkpw bcrypt.kdf "
    "argon2.low_level.hash_secret argon2.low_level.hash_secret_raw argon2.low_level.verify_secret"
)
_HASHER_METHODS = "hash verify verify_and_update encrypt dummy_verify"
# passlib's handlers are used as classes: `passlib.hash.bcrypt.hash(password)`.
_PASSLIB_SCHEMES = (
    "bcrypt bcrypt_sha256 argon2 scrypt pbkdf2_sha1 pbkdf2_sha256 pbkdf2_sha512 sha256_crypt "
    "sha512_crypt django_pbkdf2_sha256 django_bcrypt"
)
_HTTPX2_ALT = "use an async client (`httpx2.AsyncClient`)"
_STDIN_ALT = "read the terminal outside the server"
_WEBSOCKET_CLIENT_ALT = "use the `websockets` package (`async with websockets.connect(...)`)"
# `zipfile.ZipFile(path)`, `tarfile.open(path)`: the archive file is opened (and read, or
# written on close) where the call runs; over an in-memory buffer nothing touches a disk.
_ARCHIVE_OPENERS = frozenset({"zipfile.ZipFile", "tarfile.open", "tarfile.TarFile"})

# qualname -> (code, alternative)
_FUNCTIONS: dict[str, tuple[str, str]] = {
    **{f"requests.{verb}": (HTTP, _HTTP_ALT) for verb in _HTTP_VERBS.split()},
    **{f"httpx.{verb}": (HTTP, _HTTP_ALT) for verb in (_HTTP_VERBS + " stream").split()},
    # httpx2, Pydantic's continuation of httpx: the same API, plus QUERY requests.
    **{f"httpx2.{verb}": (HTTP, _HTTPX2_ALT) for verb in (_HTTP_VERBS + " stream query").split()},
    "urllib.request.urlopen": (HTTP, _HTTP_ALT),
    "urllib.request.urlretrieve": (HTTP, _HTTP_ALT),
    "urllib3.request": (HTTP, _HTTP_ALT),
    "time.sleep": (SLEEP, "use `await asyncio.sleep(...)`"),
    **{
        name: (SUBPROCESS, _SUBPROCESS_ALT)
        for name in (
            "subprocess.run subprocess.call subprocess.check_call subprocess.check_output "
            "subprocess.getoutput subprocess.getstatusoutput os.system os.popen "
            "os.wait os.waitpid os.wait3 os.wait4 os.waitid"
        ).split()
    },
    # `os.spawn*(mode, ...)` waits for the child when mode is `os.P_WAIT` (see `_spawn_waits`).
    **{f"os.{name}": (SUBPROCESS, _SUBPROCESS_ALT) for name in _SPAWN_FUNCTIONS},
    **{
        name: (FILE_IO, _FILE_ALT)
        for name in (
            "builtins.open io.open io.open_code os.fdopen tempfile.TemporaryFile "
            "tempfile.NamedTemporaryFile shutil.copy shutil.copy2 shutil.copyfile shutil.copyfileobj "
            "shutil.copytree shutil.move shutil.rmtree shutil.make_archive shutil.unpack_archive"
        ).split()
    },
    # Archives opened on a path read or create the file (see `_archive_in_memory`).
    **{name: (FILE_IO, _FILE_ALT) for name in _ARCHIVE_OPENERS},
    # Waits for a line on the server's standard input: forever, under a process manager.
    "builtins.input": (FILE_IO, _STDIN_ALT),
    "sqlite3.connect": (CLIENT, _SQLITE_ALT),
    "psycopg2.connect": (CLIENT, _PG_ALT),
    "psycopg2.extras.execute_values": (CLIENT, _PG_ALT),
    "psycopg2.extras.execute_batch": (CLIENT, _PG_ALT),
    "psycopg.connect": (CLIENT, "use `await psycopg.AsyncConnection.connect(...)`"),
    "pymysql.connect": (CLIENT, _MYSQL_ALT),
    "pymysql.Connect": (CLIENT, _MYSQL_ALT),
    "mysql.connector.connect": (CLIENT, _MYSQL_ALT),
    # Constructed with a host, these connect at once (see `_connects_now`).
    "smtplib.SMTP": (CLIENT, "use `aiosmtplib`"),
    "smtplib.SMTP_SSL": (CLIENT, "use `aiosmtplib`"),
    "smtplib.LMTP": (CLIENT, "use `aiosmtplib`"),
    "ftplib.FTP": (CLIENT, "use `aioftp`"),
    "ftplib.FTP_TLS": (CLIENT, "use `aioftp`"),
    "socket.create_connection": (CLIENT, "use asyncio streams (`await asyncio.open_connection(...)`)"),
    # websocket-client: connects (TCP, TLS, the HTTP upgrade) before it returns.
    "websocket.create_connection": (CLIENT, _WEBSOCKET_CLIENT_ALT),
    # Downloads the dataset from the Hub (or reads it from the local cache) before it returns.
    "datasets.load_dataset": (CLIENT, ""),
    **{name: (HASHING, "") for name in _HASHING_FUNCTIONS.split()},
    **{f"passlib.hash.{scheme}.{method}": (HASHING, "") for scheme in _PASSLIB_SCHEMES.split()
       for method in _HASHER_METHODS.split()},
    **{
        f"socket.{name}": (CLIENT, "use `await loop.getaddrinfo(...)`")
        for name in "getaddrinfo gethostbyname gethostbyname_ex gethostbyaddr getfqdn getnameinfo".split()
    },
}
_CONSTRUCTORS_THAT_CONNECT = frozenset(
    {"smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.LMTP", "ftplib.FTP", "ftplib.FTP_TLS"}
)
_NONBLOCKING_WAITS = frozenset({"os.waitpid", "os.wait3", "os.wait4", "os.waitid"})

_SESSION_IO = _words(
    "execute exec scalar scalars get get_one commit flush refresh merge rollback connection "
    "bulk_save_objects bulk_insert_mappings bulk_update_mappings"
)
# The request-making methods of stripe-python's resources (each has an `_async` twin).
_STRIPE_REQUESTS = _words(
    "create retrieve modify delete list search cancel capture confirm pay void_invoice "
    "finalize_invoice send_invoice mark_uncollectible upcoming list_line_items "
    "create_source retrieve_source modify_source delete_source list_sources"
)
# Methods of file objects that read or write (seek, tell, fileno, closed, ... do not wait on the disk).
_FILE_OBJECT_IO = _words("read read1 readall readline readlines readinto readinto1 write writelines flush truncate")
FILE_OBJECT_TYPES = (
    "io.TextIOWrapper", "io.BufferedReader", "io.BufferedWriter", "io.BufferedRandom", "io.FileIO",
    "typing.IO", "typing.TextIO", "typing.BinaryIO", "tempfile.SpooledTemporaryFile",
)
# Objects whose methods go on with the operation the call that made them began: a file
# or an archive opened, a mail or FTP session connected (`with smtplib.SMTP(host) as s:`
# then `s.login(...)`, `s.send_message(...)`: one mail sent). Made and used in one
# function, they are one blocking operation: FPI103/FPI104 report the call that made
# them. A database connection's queries, a socket's or websocket's messages are not:
# each is a round trip of its own, and reported as such.
CONTINUING_TYPES = frozenset({
    *FILE_OBJECT_TYPES, "zipfile.ZipFile", "tarfile.TarFile", "smtplib.SMTP", "smtplib.SMTP_SSL",
    "smtplib.LMTP", "ftplib.FTP", "ftplib.FTP_TLS",
})
UPLOAD_FILE_FILE = "starlette.datastructures.UploadFile.file"
# The `io` classes that wrap another stream: one built directly (`io.TextIOWrapper(buffer)`)
# reads and writes what it wraps, which is a file only when that is one (`open()` returns
# a wrapper over a `FileIO`; `io.TextIOWrapper(io.BytesIO())` works in memory).
_WRAPPER_TYPES = frozenset({"io.TextIOWrapper", "io.BufferedReader", "io.BufferedWriter", "io.BufferedRandom"})
_IN_MEMORY_STREAMS = frozenset({"io.BytesIO", "io.StringIO"})
# A UDP socket's `connect` sends nothing and waits for nothing (its `recv` still waits).
_UDP_NO_WAIT = frozenset({"connect", "connect_ex"})
_SOCKET_CLASSES = frozenset({"socket.socket"})
_SQL_CURSOR = _words("execute executemany executescript fetchone fetchmany fetchall callproc")
_SMTP = _words(
    "connect login starttls ehlo helo ehlo_or_helo_if_needed sendmail send_message quit noop "
    "rset verify mail rcpt data docmd auth"
)
_FTP = _words(
    "connect login retrbinary retrlines storbinary storlines nlst dir mlsd cwd pwd mkd rmd "
    "delete rename size quit sendcmd voidcmd transfercmd ntransfercmd abort auth prot_p"
)


def _family(code, alternative, display, methods=None, except_methods=""):
    methods = _words(methods) if isinstance(methods, str) else methods
    return _Family(code, alternative, display, methods, _words(except_methods))


_METHODS: dict[str, _Family] = {
    "requests.Session": _family(HTTP, _HTTP_ALT, "requests.Session", _HTTP_VERBS + " send"),
    "httpx.Client": _family(HTTP, _HTTP_ALT, "httpx.Client", _HTTP_VERBS + " send stream"),
    "httpx2.Client": _family(HTTP, _HTTPX2_ALT, "httpx2.Client", _HTTP_VERBS + " send stream query"),
    "urllib.request.OpenerDirector": _family(HTTP, _HTTP_ALT, "OpenerDirector", "open"),
    **{
        f"urllib3.{cls}": _family(HTTP, _HTTP_ALT, cls, "request urlopen request_encode_url request_encode_body")
        for cls in ("PoolManager", "ProxyManager", "HTTPConnectionPool", "HTTPSConnectionPool")
    },
    **{
        f"http.client.{cls}": _family(HTTP, _HTTP_ALT, cls, "request getresponse connect send endheaders")
        for cls in ("HTTPConnection", "HTTPSConnection")
    },
    "subprocess.Popen": _family(SUBPROCESS, _SUBPROCESS_ALT, "Popen", "wait communicate"),
    "pathlib.Path": _family(FILE_IO, _FILE_ALT, "Path", "read_text read_bytes write_text write_bytes open"),
    # File objects: what `open()` returns, and parameters annotated with their classes.
    **{name: _family(FILE_IO, _FILE_ALT, "file", _FILE_OBJECT_IO) for name in FILE_OBJECT_TYPES},
    # Starlette spools an upload to a temporary file on disk past 1 MB; its own async
    # methods run the file calls in a thread then (`await upload.read()`).
    UPLOAD_FILE_FILE: _family(
        FILE_IO, "use `await upload.read()` / `await upload.write(...)`", "UploadFile.file", _FILE_OBJECT_IO
    ),
    "sqlite3.Connection": _family(
        CLIENT, _SQLITE_ALT, "sqlite3.Connection", "execute executemany executescript commit rollback backup"
    ),
    "sqlite3.Cursor": _family(CLIENT, _SQLITE_ALT, "sqlite3.Cursor", _SQL_CURSOR),
    "psycopg2.extensions.connection": _family(CLIENT, _PG_ALT, "psycopg2 connection", "commit rollback"),
    # A psycopg2 cursor (client-side, the default) receives the whole result in `execute`:
    # `fetchone`/`fetchmany`/`fetchall` read it from memory. (A named, server-side cursor
    # fetches from the server; those are rare in request handlers and not told apart.)
    "psycopg2.extensions.cursor": _family(
        CLIENT, _PG_ALT, "psycopg2 cursor",
        (_SQL_CURSOR - _words("fetchone fetchmany fetchall")) | _words("copy_from copy_to copy_expert")
    ),
    "psycopg.Connection": _family(
        CLIENT, "use `psycopg.AsyncConnection`", "psycopg.Connection", "connect execute commit rollback"
    ),
    "psycopg.Cursor": _family(CLIENT, "use `psycopg.AsyncConnection`", "psycopg.Cursor", _SQL_CURSOR),
    "pymysql.connections.Connection": _family(
        CLIENT, _MYSQL_ALT, "pymysql Connection", "connect commit rollback ping select_db query"
    ),
    "pymysql.cursors.Cursor": _family(CLIENT, _MYSQL_ALT, "pymysql Cursor", _SQL_CURSOR),
    "mysql.connector.MySQLConnection": _family(
        CLIENT, _MYSQL_ALT, "MySQLConnection", "connect reconnect commit rollback ping cmd_query"
    ),
    "mysql.connector.cursor.MySQLCursor": _family(CLIENT, _MYSQL_ALT, "MySQLCursor", _SQL_CURSOR),
    # `Session.add`/`add_all`/`delete`/`expunge`/`expire`/`query` only record or build:
    # the I/O happens at flush, commit or on the query's terminal method.
    "sqlalchemy.orm.Session": _family(CLIENT, _SQLA_ALT, "Session", _SESSION_IO),
    "sqlalchemy.orm.scoped_session": _family(CLIENT, _SQLA_ALT, "scoped_session", _SESSION_IO),
    "sqlmodel.Session": _family(CLIENT, _SQLA_ALT, "Session", _SESSION_IO),
    "sqlalchemy.orm.Query": _family(
        CLIENT, _SQLA_ALT, "Query", "all first one one_or_none scalar count get delete update"
    ),
    "sqlalchemy.Connection": _family(
        CLIENT, _SQLA_ALT, "Connection", "execute exec_driver_sql scalar scalars commit rollback"
    ),
    "sqlalchemy.Engine": _family(
        CLIENT, "use `create_async_engine` (`sqlalchemy.ext.asyncio`)", "Engine",
        "connect begin raw_connection execute",
    ),
    # Every command talks to the server; these only build objects or read settings.
    "redis.Redis": _family(
        CLIENT, "use `redis.asyncio`", "redis.Redis", None,
        "pipeline pubsub lock register_script client close get_encoder get_connection_kwargs "
        "set_response_callback get_retry set_retry from_url from_pool "
        "json ft ts bf cf cms tdigest topk graph",  # accessors of module commands
    ),
    "redis.Pipeline": _family(CLIENT, "use `redis.asyncio`", "redis Pipeline", "execute watch unwatch"),
    # rq has no async API: every queue and job operation is a round trip to Redis
    # (`Queue.enqueue` pushes the job, `@job(queue)`'s `f.delay(...)` enqueues it too).
    "rq.Queue": _family(
        CLIENT, "", "rq.Queue",
        "enqueue enqueue_call enqueue_at enqueue_in enqueue_many enqueue_job fetch_job get_jobs "
        "get_job_ids get_job_position remove schedule_job empty delete run_job",
    ),
    "rq.decorators.job": _family(CLIENT, "", "rq job", "delay"),
    "rq.job.Job": _family(
        CLIENT, "", "rq Job",
        "fetch fetch_many exists refresh save cancel delete requeue get_status get_meta save_meta "
        "latest_result results",
    ),
    "boto3.client": _family(
        CLIENT, "use `aioboto3`", "boto3.client(...)", None,
        "get_paginator get_waiter can_paginate generate_presigned_url generate_presigned_post close",
    ),
    "smtplib.SMTP": _family(CLIENT, "use `aiosmtplib`", "smtplib.SMTP", _SMTP),
    "smtplib.SMTP_SSL": _family(CLIENT, "use `aiosmtplib`", "smtplib.SMTP_SSL", _SMTP),
    "smtplib.LMTP": _family(CLIENT, "use `aiosmtplib`", "smtplib.LMTP", _SMTP),
    "ftplib.FTP": _family(CLIENT, "use `aioftp`", "ftplib.FTP", _FTP),
    "ftplib.FTP_TLS": _family(CLIENT, "use `aioftp`", "ftplib.FTP_TLS", _FTP),
    # Password hashers: `CryptContext(schemes=["bcrypt"])`, argon2-cffi's `PasswordHasher()`,
    # pwdlib's `PasswordHash(...)` (also `PasswordHash.recommended()`, FastAPI's tutorial).
    "passlib.context.CryptContext": _family(HASHING, "", "CryptContext", _HASHER_METHODS),
    "argon2.PasswordHasher": _family(HASHING, "", "PasswordHasher", "hash verify"),
    "pwdlib.PasswordHash": _family(HASHING, "", "PasswordHash", "hash verify verify_and_update"),
    # Extracting writes files; `write`/`add` read one: file I/O whatever holds the archive.
    "zipfile.ZipFile": _family(FILE_IO, _FILE_ALT, "ZipFile", "extract extractall write"),
    "tarfile.TarFile": _family(FILE_IO, _FILE_ALT, "TarFile", "extract extractall add"),
    # IBM watsonx.ai's model clients (and their ibm-watson-machine-learning predecessors):
    # each of these is an HTTPS request to the service.
    **{
        cls: _family(
            CLIENT, "", cls.rpartition(".")[2],
            "generate generate_text generate_text_stream chat chat_stream tokenize get_details",
        )
        for cls in (
            "ibm_watsonx_ai.foundation_models.ModelInference",
            "ibm_watson_machine_learning.foundation_models.Model",
            "ibm_watson_machine_learning.foundation_models.ModelInference",
        )
    },
    # Hugging Face `datasets`: a dataset's upload to the Hub, and its writes to a database.
    # (Its writes to disk, `save_to_disk`, `to_csv`..., are file I/O, not in the catalogue.)
    "datasets.Dataset": _family(CLIENT, "", "datasets.Dataset", "push_to_hub to_sql"),
    # `importlib.resources.files(package)`: a package's files, on disk for installed packages.
    "importlib.resources.abc.Traversable": _family(
        FILE_IO, _FILE_ALT, "Traversable", "read_text read_bytes open iterdir",
    ),
    # websocket-client's connection: each frame sent or received waits on the socket.
    "websocket.WebSocket": _family(
        CLIENT, _WEBSOCKET_CLIENT_ALT, "websocket.WebSocket",
        "connect recv recv_data recv_data_frame recv_frame send send_binary send_bytes send_text "
        "send_frame ping pong close",
    ),
    # LangSmith's sync client: each of these sends an HTTP request before it returns
    # (langsmith 0.3's `Client`; `create_run` and the tracing calls go through a
    # background queue instead, and the `list_*` generators request only when iterated).
    "langsmith.Client": _family(
        CLIENT, "use `langsmith.AsyncClient` (awaited calls)", "langsmith.Client",
        "request_with_retries upload_csv read_run get_run_stats get_run_url share_run unshare_run "
        "read_run_shared_link read_shared_run read_dataset_shared_schema share_dataset "
        "unshare_dataset read_shared_dataset list_shared_examples create_project update_project "
        "read_project delete_project create_dataset read_dataset diff_dataset_versions "
        "read_dataset_openai_finetuning delete_dataset update_dataset_tag read_dataset_version "
        "upsert_examples_multipart create_examples create_example read_example index_dataset "
        "sync_indexed_dataset similar_examples update_example update_examples delete_example "
        "delete_examples list_dataset_splits update_dataset_splits create_feedback update_feedback "
        "read_feedback delete_feedback create_feedback_from_token create_presigned_feedback_token "
        "create_presigned_feedback_tokens create_annotation_queue read_annotation_queue "
        "update_annotation_queue delete_annotation_queue add_runs_to_annotation_queue "
        "delete_run_from_annotation_queue get_run_from_annotation_queue "
        "create_comparative_experiment list_prompts get_prompt create_prompt create_commit "
        "update_prompt delete_prompt pull_prompt_commit",
    ),
    "socket.socket": _family(
        CLIENT, "use asyncio streams or `loop.sock_*` methods", "socket",
        "connect connect_ex recv recv_into recvfrom recvfrom_into recvmsg accept sendall sendfile",
    ),
}
# boto3 resources: lower-case methods do requests, CapWords ones (`s3.Bucket("b")`) only
# build sub-resources, which in turn do requests from their lower-case methods.
_BOTO3_RESOURCE = "boto3.resource"
_BOTO3_RESOURCE_NO_IO = _words("get_available_subresources batch_writer")


def classify_blocking_call(
    call: ast.Call, ctx, model, extra_blocking: Iterable[str] = ()
) -> BlockingCall | None:
    """The blocking API `call` is, if it is one, wherever it happens.

    `extra_blocking`: the user's own blocking qualnames (FPI104's `extra-blocking-calls`).
    """
    target = ctx.target
    if target is None:
        return None
    known = _FUNCTIONS.get(target)
    if known is not None:
        if target in _CONSTRUCTORS_THAT_CONNECT and not _connects_now(call):
            return None
        if target in _NONBLOCKING_WAITS and _uses_wnohang(call, ctx.scope, model):
            return None
        if target == "hashlib.pbkdf2_hmac" and _few_iterations(call):
            return None
        if target.startswith("os.spawn") and not _spawn_waits(call, ctx.scope, model):
            return None
        if target in _ARCHIVE_OPENERS and _archive_in_memory(call, ctx, model):
            return None
        return BlockingCall(known[0], target.removeprefix("builtins."), known[1])
    owner, _, method = target.rpartition(".")
    family = _METHODS.get(owner) or _inherited_family(owner, method, model) or _decorated_family(owner, model)
    if family is not None:
        if (
            family.blocks(method)
            and not (owner in _WRAPPER_TYPES and _wraps_memory(call, ctx, model))
            and not (owner == "socket.socket" and method in _UDP_NO_WAIT and _is_datagram_socket(call, ctx, model))
        ):
            return BlockingCall(family.code, f"{family.display}.{method}", family.alternative)
    elif owner == _BOTO3_RESOURCE or owner.startswith(_BOTO3_RESOURCE + "."):
        if method[:1].islower() and method not in _BOTO3_RESOURCE_NO_IO:
            api = "boto3.resource(...)" + target[len(_BOTO3_RESOURCE):]
            return BlockingCall(CLIENT, api, "use `aioboto3`")
    elif owner.startswith("stripe.") and owner.rpartition(".")[2][:1].isupper() and method in _STRIPE_REQUESTS:
        # `stripe.Customer.create(...)`: a synchronous HTTPS request to Stripe's API.
        return BlockingCall(CLIENT, target, f"use `await {target}_async(...)` (stripe-python 8.10+)")
    elif _is_openai_request(owner, method):
        return BlockingCall(CLIENT, _openai_display(target), _openai_alternative(owner, method))
    if _matches_extra(target, extra_blocking):
        return BlockingCall(CLIENT, target, "")
    return None


# `os.path` functions that make a system call on the path (stat, lstat, readlink, fstat);
# the others (`join`, `basename`, `splitext`, `normpath`, `abspath`, `relpath`, ...) work
# on the string, or call only `os.getcwd()`, which the kernel answers without the disk.
_OS_PATH_METADATA = _words(
    "exists lexists isfile isdir islink ismount isjunction isdevdrive getatime getctime "
    "getmtime getsize samefile sameopenfile realpath _joinrealpath"
)
# `os.path` is `posixpath` (or `ntpath` on Windows); code sometimes imports those directly.
_OS_PATH_MODULES = ("os.path", "posixpath", "ntpath", "genericpath")
_OS_PATH_ALT = "use `anyio.Path` or `aiofiles.os.path`"


def classify_os_path_call(ctx) -> BlockingCall | None:
    """FPI106's calls: an `os.path` function that asks the filesystem about a path."""
    module, _, function = (ctx.target or "").rpartition(".")
    if module not in _OS_PATH_MODULES or function not in _OS_PATH_METADATA:
        return None
    return BlockingCall(OS_PATH, f"{module}.{function}", _OS_PATH_ALT)


# Starting a process and returning at once: the child's pid or a `Popen` object whose
# `wait()`/`communicate()` (FPI102's) block. `os.spawn*` with a mode that does not wait is
# the exact complement of what FPI102 reports (`_spawn_waits`).
_PROCESS_STARTS = frozenset({"subprocess.Popen", "os.posix_spawn", "os.posix_spawnp"})
_PROCESS_START_ALT = (
    "use `await asyncio.create_subprocess_exec()` or `await anyio.open_process()`, "
    "whose process can be waited for and read without blocking"
)


def classify_process_start(call: ast.Call, ctx, model) -> BlockingCall | None:
    """FPI107's calls: a process started without waiting for it."""
    target = ctx.target
    if target in _PROCESS_STARTS:
        return BlockingCall(PROCESS_START, target, _PROCESS_START_ALT)
    if target is not None and target.startswith("os.spawn") and target.removeprefix("os.") in _SPAWN_FUNCTIONS:
        if not _spawn_waits(call, ctx.scope, model):
            return BlockingCall(PROCESS_START, target, _PROCESS_START_ALT)
    return None


# `Popen`'s own waits: one of them in a `with Popen(...) as p:` block reaps the child, so
# `__exit__`'s `wait()` returns at once (FPI102 reports the wait where it runs on the loop).
_POPEN_WAITS = frozenset({"wait", "communicate"})


def popen_exit_waits(call: ast.Call, ctx, model) -> tuple[ast.With, ast.withitem] | None:
    """`with subprocess.Popen(...) as p:` (and `with Popen(...):`) whose block never waits
    for the child itself: `Popen.__exit__` closes its pipes and calls `self.wait()`, so
    leaving the block waits for the process to exit. The statement and its item, when
    `call` is such a `Popen`.

    A block that names `p.wait` or `p.communicate` anywhere (called on the loop, handed
    to `asyncio.to_thread`, in a lambda) waits on its own terms: the exit then finds the
    child reaped, and the wait is what FPI102 (on the loop) or nothing (in a thread)
    reports."""
    if ctx.target != "subprocess.Popen":
        return None
    entered = model.with_items.get(id(call))
    if entered is None or not isinstance(entered[0], ast.With):
        return None  # `async with Popen(...)` fails: a Popen has no `__aenter__`
    statement, item = entered
    name = item.optional_vars.id if isinstance(item.optional_vars, ast.Name) else None
    if name is not None and any(
        isinstance(node, ast.Attribute) and node.attr in _POPEN_WAITS
        and isinstance(node.value, ast.Name) and node.value.id == name
        for child in statement.body for node in ast.walk(child)
    ):
        return None
    return statement, item


def inherits_library_method(owner: str, method: str, model) -> bool:
    """`owner`, a class of the project, inherits `method` from a catalogued library class
    without overriding it on the way (`class GitHub(requests.Session)` and `request`)."""
    return _inherited_family(owner, method, model) is not None


# OpenAI's Python SDK (1.x): the sync clients' own request methods and every method of
# their resources (`client.chat.completions.create`, `client.files.content`, ...) make an
# HTTPS request; these only configure or build a client.
_OPENAI_SYNC_CLIENTS = ("openai.OpenAI", "openai.AzureOpenAI")
_OPENAI_NO_IO = _words("with_options copy close is_closed")
# Resources of the module-level default client (`openai.chat.completions.create(...)`).
_OPENAI_MODULE_RESOURCES = _words(
    "chat completions embeddings files images audio moderations models fine_tuning beta "
    "batches uploads responses vector_stores containers evals conversations"
)
_OPENAI_CLIENT_RESOURCES = _OPENAI_MODULE_RESOURCES | _words(
    "realtime webhooks with_raw_response with_streaming_response"
)
# openai < 1.0: `openai.ChatCompletion.create(...)` (and its `acreate` twin).
_OPENAI_LEGACY_REQUESTS = _words("create retrieve list delete modify download")


def _is_openai_request(owner: str, method: str) -> bool:
    if not owner.startswith("openai.") or method.startswith("_") or not method[:1].islower():
        return False
    for client in _OPENAI_SYNC_CLIENTS:
        if owner == client:  # `client.post(path, cast_to=...)`: the low-level request methods
            return method not in _OPENAI_NO_IO
        if owner.startswith(client + "."):
            # A resource (`client.chat.completions`) makes requests; the client's settings
            # and internals (`client.default_headers.get`, `client._custom_query.setdefault`)
            # are plain values.
            resource = owner[len(client) + 1:].split(".", 1)[0]
            return resource in _OPENAI_CLIENT_RESOURCES and method not in _OPENAI_NO_IO
    parts = owner.split(".")
    if len(parts) >= 2 and parts[1] in _OPENAI_MODULE_RESOURCES:
        return True
    return len(parts) == 2 and parts[1][:1].isupper() and method in _OPENAI_LEGACY_REQUESTS


def _openai_display(target: str) -> str:
    for client in _OPENAI_SYNC_CLIENTS:
        if target.startswith(client + "."):
            return client.removeprefix("openai.") + target[len(client):]
    return target


def _openai_alternative(owner: str, method: str) -> str:
    if owner.startswith("openai.AzureOpenAI"):
        return "use `openai.AsyncAzureOpenAI` (awaited calls)"
    if owner.count(".") == 1 and owner.rpartition(".")[2][:1].isupper() and owner != "openai.OpenAI":
        return f"use `await {owner}.a{method}(...)`"
    return "use `openai.AsyncOpenAI` (awaited calls)"


def _inherited_family(owner: str, method: str, model, depth: int = 0) -> _Family | None:
    """`class GitHub(requests.Session)` defined in this module (or, when a project is
    checked, in another of its modules) inherits `get` and friends."""
    if depth > 5:
        return None
    if not model.is_local(owner):
        bases = model.project.class_bases(owner, method) if model.project is not None else None
    else:
        found = model.class_named(owner)
        if found is None or method in found[1].bindings:  # overridden: not the library's method
            return None
        bases = found[1].base_qualnames
    for base in bases or ():
        family = _METHODS.get(canonical(base)) or _inherited_family(base, method, model, depth + 1)
        if family is not None:
            return family
    return None


def _decorated_family(owner: str, model) -> _Family | None:
    """`f.delay(...)` where a decorator made `f` an object of a catalogued class."""
    decorated = model.decorated_type(owner)
    return _METHODS.get(decorated) if decorated is not None else None


def _matches_extra(target: str, extra_blocking: Iterable[str]) -> bool:
    relative = target.lstrip(".") if target.startswith(".") else None
    for entry in extra_blocking:
        name = canonical(entry.strip())
        if name == target:
            return True
        # `from .services import send` resolves to ".services.send": a suffix of the
        # configured absolute name.
        if relative and (name == relative or name.endswith("." + relative)):
            return True
    return False


# PBKDF2 iterations below which a derivation is not password hashing but a cheap key
# stretch (lnbits derives a fake wallet key with 2,048: about 1 ms). OWASP asks for
# 600,000 for PBKDF2-HMAC-SHA256; Django's default is above 1,000,000.
_PBKDF2_CHEAP_ITERATIONS = 100_000


def _receiver_made_by(call: ast.Call, ctx, model, classes) -> tuple[ast.Call, object] | None:
    """`x = C(...)` (or `with C(...) as x`) in a visible scope, then `x.method(...)`: the
    `C(...)` call and the scope it is in, when `C` is one of `classes`."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if not isinstance(receiver, ast.Name) or ctx.scope is None:
        return None
    bound_in = next((s for s in ctx.scope.visible_scopes() if receiver.id in s.bindings), None)
    if bound_in is None:
        return None
    binding = bound_in.bindings[receiver.id]
    source = binding.entered if binding.entered is not None else binding.value
    if not isinstance(source, ast.Call) or model.resolve(source.func, bound_in) not in classes:
        return None
    return source, bound_in


def _is_datagram_socket(call: ast.Call, ctx, model) -> bool:
    """`sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)`, then `sock.connect(...)`:
    connecting a UDP socket only sets its default peer (and picks the local address, the
    idiom for "which interface routes there"), without a packet or a wait."""
    made = _receiver_made_by(call, ctx, model, _SOCKET_CLASSES)
    if made is None:
        return False
    source, scope = made
    kind = source.args[1] if len(source.args) > 1 else next(
        (k.value for k in source.keywords if k.arg == "type"), None
    )
    return kind is not None and model.resolve(kind, scope) == "socket.SOCK_DGRAM"


def _wraps_memory(call: ast.Call, ctx, model) -> bool:
    """`text = io.TextIOWrapper(buffer)` (or `with ... as text`) in a visible scope, then
    `text.write(...)`: a wrapper this code built over an in-memory stream (`io.BytesIO`,
    `io.StringIO`) or over an object of one of the project's own classes (what their
    methods do is theirs: FPI110 follows them). A wrapper over a file, a pipe or a value
    of unknown kind (`io.TextIOWrapper(proc.stdout)`) is left to the file rules."""
    made = _receiver_made_by(call, ctx, model, _WRAPPER_TYPES)
    if made is None:
        return False
    source, bound_in = made
    wrapped = source.args[0] if source.args else next(
        (k.value for k in source.keywords if k.arg in ("buffer", "raw")), None
    )
    if wrapped is None:
        return False
    kind = model.infer_type(wrapped, bound_in)
    if kind is None:
        return False
    return kind in _IN_MEMORY_STREAMS or _is_project_class(kind, model)


def _archive_in_memory(call: ast.Call, ctx, model) -> bool:
    """`zipfile.ZipFile(io.BytesIO(data))`, `tarfile.open(fileobj=buffer)` over an in-memory
    stream (or an object of the project's classes): no file is opened. A path, or a value
    of unknown kind (a parameter: usually a path), is the file rules'."""
    keyword = "fileobj" if ctx.target != "zipfile.ZipFile" else "file"
    given = next((k.value for k in call.keywords if k.arg == keyword), None)
    if given is None and ctx.target == "zipfile.ZipFile" and call.args:
        given = call.args[0]
    elif given is None and ctx.target != "zipfile.ZipFile" and len(call.args) > 2:
        given = call.args[2]  # tarfile.open(name=None, mode="r", fileobj=None)
    if given is None or ctx.scope is None:
        return False
    kind = model.infer_type(given, ctx.scope)
    return kind is not None and (kind in _IN_MEMORY_STREAMS or _is_project_class(kind, model))


def _is_project_class(qualname: str, model) -> bool:
    """A class of this module, or of the project when one is checked."""
    if model.class_named(qualname) is not None:
        return True
    project = getattr(model, "project", None)  # a `ProjectContext`, over the `ProjectModel`
    resolve = getattr(getattr(project, "project", project), "resolve", None)
    if resolve is None:
        return False
    symbol = resolve(qualname)
    return symbol is not None and getattr(symbol, "kind", None) == "class"


def _few_iterations(call: ast.Call) -> bool:
    """`pbkdf2_hmac(hash, password, salt, 2048)`: an iteration count written as a small literal."""
    count = call.args[3] if len(call.args) > 3 else next(
        (k.value for k in call.keywords if k.arg == "iterations"), None
    )
    return (
        isinstance(count, ast.Constant) and isinstance(count.value, int)
        and count.value < _PBKDF2_CHEAP_ITERATIONS
    )


_NOT_WAITING_MODES = frozenset({"os.P_NOWAIT", "os.P_NOWAITO", "os.P_DETACH", "os.P_OVERLAY"})


def _spawn_waits(call: ast.Call, scope, model) -> bool:
    """`os.spawnv(os.P_WAIT, ...)` runs the child to its end; with `os.P_NOWAIT` it returns
    the child's pid at once (like `subprocess.Popen`). A mode that cannot be read counts
    as waiting: `P_WAIT` is 0, and real code writes the constant."""
    mode = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if mode is None:
        return True
    if isinstance(mode, ast.Constant):
        return mode.value == 0  # os.P_WAIT
    if isinstance(mode, (ast.Name, ast.Attribute)):
        return model.resolve(mode, scope) not in _NOT_WAITING_MODES
    return True


def _connects_now(call: ast.Call) -> bool:
    """`smtplib.SMTP("mail.example.com")` connects in its constructor; `SMTP()` does not."""
    host = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "host"), None)
    if host is None:
        return False
    return not (isinstance(host, ast.Constant) and host.value in ("", None))


def _uses_wnohang(call: ast.Call, scope, model) -> bool:
    """`os.waitpid(pid, os.WNOHANG)` returns at once."""
    for argument in [*call.args, *(k.value for k in call.keywords)]:
        for node in ast.walk(argument):
            if isinstance(node, (ast.Name, ast.Attribute)) and model.resolve(node, scope) == "os.WNOHANG":
                return True
    return False
