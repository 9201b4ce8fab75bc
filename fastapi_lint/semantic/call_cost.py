"""Which calls may block: the policy behind `async-route-never-awaits` (FPI120).

FastAPI recommends `async def` for handlers that only do cheap work, so an async handler
that never awaits is only a problem when it calls something that may block. The policy,
documented in FPI120's docs, in order:

1. An awaited call never blocks here (it is asynchronous by construction).
2. A call FPI100-FPI104 would report (including the user's `extra-blocking-calls`) blocks.
3. Cheap: builtins (except `input`), constructors of exceptions, of Pydantic models and
   of classes without `__init__`, functions of pure-computation standard modules and of
   FastAPI, Starlette, Pydantic, SQLAlchemy's query builders and other libraries listed
   in `CHEAP_MODULES`; methods of values that are cheap (literals, request data in a
   route's parameters, Pydantic models, results of cheap calls); async functions
   (calling one only creates a coroutine).
4. Libraries whose blocking APIs the catalog lists (`CATALOGED_MODULES`) are judged by the
   catalog alone: what it does not list is cheap (`requests.Session()` does no I/O).
5. A synchronous function or method defined in the same module costs what its own calls
   cost (followed transitively); with the whole-project analysis, so does one of another
   module of the project (`fastapi_lint.project`).
6. Everything else may block: functions of other modules and libraries, calls on values
   of unknown origin (an injected `db` without annotation, a client from elsewhere).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable

from .blocking import classify_blocking_call
from .names import DEPENDS_FUNCTIONS
from .scopes import Binding, CallContext, FunctionScope, Scope

CHEAP_MODULES = frozenset(
    """
    abc annotated_types array asyncio anyio base64 binascii bisect calendar cmath collections
    contextlib contextvars copy dataclasses datetime decimal enum fnmatch fractions functools
    heapq hmac html http inspect itertools json keyword logging math numbers operator pprint
    random re secrets hashlib statistics string struct textwrap types typing typing_extensions
    unicodedata urllib.parse uuid warnings zoneinfo os.path os.environ os.getenv os.getpid
    fastapi starlette pydantic pydantic_core pydantic_settings jwt jose orjson ujson loguru
    structlog pytz dateutil email_validator slugify pytest opentelemetry threading.get_ident
    threading.current_thread sys.exc_info sys.getsizeof sys.intern sys.version_info
    jinja2 markupsafe babel wtforms furl markdown bleach humanize emoji shortuuid nanoid ulid
    pendulum arrow tomllib tomli toml prometheus_client qrcode pyqrcode
    """.split()
)
# Template rendering (`jinja2`, `Jinja2Templates.TemplateResponse`) is computation: Jinja
# reads a template file once and caches it, so it is cheap here as Starlette's docs treat
# it; `babel`'s lazy strings, form validators and URL builders do no I/O.
# Libraries the blocking catalog covers: their calls block exactly when FPI100-104 say so.
CATALOGED_MODULES = frozenset(
    """
    requests httpx urllib.request urllib3 http.client subprocess os shutil pathlib io time
    sqlite3 psycopg2 pymysql mysql sqlalchemy sqlmodel redis boto3 smtplib ftplib socket
    """.split()
)
# CPU-heavy on purpose: key derivation is designed to be slow.
EXPENSIVE = frozenset({"hashlib.pbkdf2_hmac", "hashlib.scrypt", "builtins.input"})
# Slow calls of catalogued libraries that FPI100-104 do not report (they are not the
# network or file calls those rules are about) but that an async route should not make.
SLOW_IN_CATALOGUED = frozenset(
    {
        "os.walk", "os.listdir", "os.scandir", "os.makedirs", "os.mkdir", "os.remove",
        "os.unlink", "os.rename", "os.replace", "os.rmdir", "pathlib.Path.rglob",
        "pathlib.Path.glob", "pathlib.Path.iterdir", "pathlib.Path.mkdir", "pathlib.Path.unlink",
        "pathlib.Path.touch", "shutil.make_archive", "shutil.unpack_archive", "sqlalchemy.inspect",
    }
)
# MetaData.create_all() & co. issue DDL over a connection (the SQLModel tutorial runs it at
# startup); reached through `SQLModel.metadata` or `Base.metadata`.
_SLOW_SUFFIXES = (".metadata.create_all", ".metadata.drop_all", ".metadata.reflect")
# Methods only `str`, dicts, lists and Pydantic models have: on a receiver of unknown origin
# they are still cheap (`settings.app_name.upper()`, `payload.items()`). Names clients also use (`get`, `update`,
# `pop`, `delete`) are deliberately absent.
_STR_ONLY_METHODS = frozenset(
    """
    upper lower casefold title capitalize swapcase strip lstrip rstrip split rsplit
    splitlines startswith endswith join format format_map replace encode decode isdigit
    isalpha isalnum isnumeric isdecimal isspace isupper islower zfill ljust rjust center
    partition rpartition removeprefix removesuffix expandtabs translate
    items keys values append extend model_dump model_dump_json model_copy isoformat
    """.split()
)
# The same names for the served-code model (`project/serving.py`): a call of one of them on
# an object of unknown type is taken for the builtin's, not for a project method of that name.
STR_ONLY_METHODS = _STR_ONLY_METHODS
_EXCEPTION_SUFFIXES = ("Error", "Exception", "Warning", "Exit")


@dataclass(frozen=True)
class CallCost:
    kind: str  # "cheap", "blocking", "slow" (known to be slow: a directory walk), "unknown" or "local"
    api: str = ""  # how messages name the call, e.g. "requests.get()"
    local: ast.AST | None = None  # for "local": the same-module function that decides
    via: bool = False  # reached through functions of other modules of the project

    @property
    def may_block(self) -> bool:
        return self.kind in ("blocking", "slow", "unknown")


CHEAP = CallCost("cheap")


def _in_modules(qualname: str, modules: frozenset[str]) -> bool:
    parts = qualname.split(".")
    return any(".".join(parts[:end]) in modules for end in range(1, len(parts) + 1))


def _describe(call: ast.Call) -> str:
    text = ast.unparse(call.func)
    return (text if len(text) <= 40 else text[:37] + "...") + "()"


class CallCostJudge:
    """Judges calls of one module; `extra_blocking` is the user's configured list."""

    def __init__(self, model, extra_blocking: Iterable[str] = ()) -> None:
        self.model = model
        self.extra_blocking = tuple(extra_blocking)
        # Expressions whose cheapness is being decided: `x = x.strip()` refers to itself.
        self._in_progress: set[int] = set()

    def judge(self, call: ast.Call, ctx) -> CallCost:
        if ctx.awaited:
            return CHEAP
        blocking = classify_blocking_call(call, ctx, self.model, self.extra_blocking)
        if blocking is not None:
            return CallCost("blocking", f"{blocking.api}()")
        func = call.func
        if isinstance(func, ast.Name):
            binding = ctx.scope.lookup(func.id)
            if binding is not None and binding.kind in ("function", "class"):
                return self._local_definition(binding)
        target = ctx.target
        if target is not None:
            by_name = self._by_qualname(target, call)
            if by_name is not None:
                return by_name
            # A function of another module of the project costs what it reaches.
            project = self.model.project
            if project is not None:
                by_project = project.call_cost(target, call, _describe(call), self.extra_blocking)
                if by_project is not None:
                    return by_project
        if isinstance(func, ast.Attribute):
            local_method = self._local_method(func, ctx.scope)
            if local_method is not None:
                return local_method
            # `requests.get(url).json()`: the inner call carries the cost, judged on its own.
            if isinstance(func.value, ast.Call) or self.is_cheap_value(func.value, ctx.scope):
                return CHEAP
            if func.attr in _STR_ONLY_METHODS:
                return CHEAP
        return CallCost("unknown", _describe(call))

    def _by_qualname(self, target: str, call: ast.Call) -> CallCost | None:
        if target in EXPENSIVE or target in SLOW_IN_CATALOGUED or target.endswith(_SLOW_SUFFIXES):
            return CallCost("slow", f"{target.removeprefix('builtins.')}()")
        if target.startswith("builtins."):
            return CHEAP
        last = target.rsplit(".", 1)[-1]
        if last.endswith(_EXCEPTION_SUFFIXES):
            return CHEAP
        if _in_modules(target, CHEAP_MODULES) or _in_modules(target, CATALOGED_MODULES):
            return CHEAP
        owner = target.rsplit(".", 1)[0]
        if self.model.is_pydantic_base(owner) or self.model.is_pydantic_base(target):
            return None if self._class_scope_named(owner) else CHEAP
        return None

    def _local_definition(self, binding: Binding) -> CallCost:
        node = binding.node
        if isinstance(node, ast.AsyncFunctionDef):
            return CHEAP
        if isinstance(node, ast.FunctionDef):
            return CallCost("local", f"{node.name}()", node)
        if isinstance(node, ast.ClassDef):
            scope = self.model.classes.get(node)
            if scope is None or scope.is_pydantic or node.name.endswith(_EXCEPTION_SUFFIXES):
                return CHEAP
            init = scope.bindings.get("__init__")
            if init is not None and isinstance(init.node, ast.FunctionDef):
                return CallCost("local", f"{node.name}()", init.node)
            return CHEAP
        return CHEAP

    def _class_scope_named(self, qualname: str):
        found = self.model.class_named(qualname)
        return found[1] if found is not None else None

    def _local_method(self, func: ast.Attribute, scope: Scope) -> CallCost | None:
        receiver_type = self.model.infer_type(func.value, scope)
        if receiver_type is None:
            return None
        class_scope = self._class_scope_named(receiver_type)
        if class_scope is None:
            return CHEAP if self._cheap_type(receiver_type) else None
        method = class_scope.bindings.get(func.attr)
        if method is not None and isinstance(method.node, ast.FunctionDef):
            return CallCost("local", f"{ast.unparse(func)}()", method.node)
        if method is not None and isinstance(method.node, ast.AsyncFunctionDef):
            return CHEAP
        if class_scope.is_pydantic:  # model_dump(), model_copy(), ...
            return CHEAP
        return None

    def _cheap_type(self, type_: str) -> bool:
        return (
            type_.startswith("builtins.")
            or self.model.is_pydantic_base(type_)
            or _in_modules(type_, CHEAP_MODULES)
        )

    def is_cheap_value(self, expr: ast.expr, scope: Scope, depth: int = 0) -> bool:
        """Whether methods called on `expr` are cheap, judged from where the value came from."""
        if depth > 8 or id(expr) in self._in_progress:
            return False
        self._in_progress.add(id(expr))
        try:
            return self._is_cheap_value(expr, scope, depth)
        finally:
            self._in_progress.discard(id(expr))

    def _is_cheap_value(self, expr: ast.expr, scope: Scope, depth: int) -> bool:
        if isinstance(expr, (ast.Constant, ast.JoinedStr, ast.List, ast.Dict, ast.Set, ast.Tuple,
                             ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)):
            return True
        if isinstance(expr, ast.Attribute) and self._inherited_from_cheap_base(expr, scope):
            return True
        if isinstance(expr, (ast.Attribute, ast.Subscript)):
            return self.is_cheap_value(expr.value, scope, depth + 1)
        if isinstance(expr, ast.BinOp):
            return self.is_cheap_value(expr.left, scope, depth + 1) and self.is_cheap_value(
                expr.right, scope, depth + 1
            )
        if isinstance(expr, ast.Call):
            ctx = CallContext(scope, scope.enclosing_function(), self.model.resolve(expr.func, scope), False)
            cost = self.judge(expr, ctx)
            return cost.kind == "cheap"
        if isinstance(expr, ast.Name):
            binding = scope.lookup(expr.id)
            if binding is None:
                return False
            if binding.kind == "import":
                return _in_modules(binding.qualname or "", CHEAP_MODULES)
            if binding.kind != "value":
                return False
            if binding.type is not None and self._cheap_type(binding.type):
                return True
            if isinstance(binding.node, ast.arg):
                return self._cheap_parameter(binding, scope)
            if binding.value is not None and binding.value is not expr:
                return self.is_cheap_value(binding.value, scope, depth + 1)
        return False

    def _inherited_from_cheap_base(self, expr: ast.Attribute, scope: Scope) -> bool:
        """`self.env` in a subclass of `Jinja2Templates` that never sets `env`: the
        attribute is the library's, and the library is one judged cheap."""
        if not (isinstance(expr.value, ast.Name) and expr.value.id == "self"):
            return False
        function = scope.enclosing_function()
        owner = function.class_scope if isinstance(function, FunctionScope) else None
        if owner is None or not owner.base_qualnames or expr.attr in owner.attribute_types:
            return False
        if expr.attr in owner.bindings:
            return False
        return all(_in_modules(base, CHEAP_MODULES) for base in owner.base_qualnames)

    def _cheap_parameter(self, binding: Binding, scope: Scope) -> bool:
        """A route's or dependency's parameter holds request data unless it is injected."""
        function = scope.enclosing_function()
        if not isinstance(function, FunctionScope) or function.node is None:
            return False
        if self.model.role_of(function.node) is None:
            return False
        params = function.node.args.posonlyargs + function.node.args.args
        if function.class_scope is not None and params and params[0] is binding.node:
            return False  # a method's `self`: the object, not request data
        for expr in (binding.value, binding.node.annotation):
            if expr is not None and self._mentions_depends(expr, function.parent or self.model.module):
                return False
        # FastAPI fills every other parameter from the request: path, query, body
        # (Pydantic models), or the Request/Response/BackgroundTasks objects.
        return True

    def _mentions_depends(self, expr: ast.expr, scope: Scope, depth: int = 0) -> bool:
        """`Depends(...)` in a default or annotation, also through an alias such as
        `SessionDep = Annotated[Session, Depends(get_db)]`."""
        for node in ast.walk(expr):
            if isinstance(node, ast.Call) and self.model.resolve(node.func, scope) in DEPENDS_FUNCTIONS:
                return True
            if isinstance(node, ast.Name) and depth < 4:
                binding = scope.lookup(node.id)
                if binding is not None and binding.kind == "value" and binding.value is not None:
                    if self._mentions_depends(binding.value, scope, depth + 1):
                        return True
        return False
