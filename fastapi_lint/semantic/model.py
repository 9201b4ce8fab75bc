"""The per-file semantic model shared by every rule.

It answers the questions rules ask: what does this expression name (canonical qualname),
what class is this value an instance of, which functions are FastAPI routes or
dependencies, which classes are Pydantic models, which apps and routers exist and what
did they register in which order. The checker fills it during its single walk.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from typing import Any

from . import catalog
from .fastapi_model import RouterObject, Route
from .names import PYDANTIC_BASES, canonical
from .run_once import declared_persistent, is_lazy_guard, is_memoised, looked_up_names
from .scopes import Binding, ClassScope, FunctionScope, Scope
from ..source import parse_module

LOCAL_PREFIX = "<module>"
ROUTE_DECORATOR_NAMES = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route", "websocket"}
)
CALLBACK_DECORATOR_NAMES = frozenset({"exception_handler", "on_event", "middleware"})
# Parameters only FastAPI fills: a function declaring one is an endpoint or a dependency,
# even when the module that registers it is another one.
FASTAPI_PARAM_FUNCTIONS = frozenset(
    f"fastapi.{name}"
    for name in ("Query", "Path", "Body", "Header", "Cookie", "Form", "File", "Depends", "Security")
)
FASTAPI_INJECTED_TYPES = frozenset(
    {
        "starlette.requests.Request",
        "starlette.websockets.WebSocket",
        "starlette.requests.HTTPConnection",
        "starlette.background.BackgroundTasks",
        "fastapi.security.SecurityScopes",
    }
)
_BUILTIN_NAMES = frozenset(dir(builtins))
HTTP_EXCEPTION_CLASSES = frozenset({"fastapi.HTTPException", "starlette.exceptions.HTTPException"})
# `typing` names that are classes of values (file objects), not type constructors.
_TYPING_FILE_CLASSES = frozenset({"typing.IO", "typing.TextIO", "typing.BinaryIO"})
# `@property`, `@functools.cached_property`: reading the attribute calls the method.
_PROPERTY_DECORATORS = frozenset({"builtins.property", "functools.cached_property"})
# Return annotations of generator dependencies: the first argument is what is injected.
_YIELDING_ANNOTATIONS = frozenset(
    f"{module}.{name}"
    for module in ("typing", "collections.abc")
    for name in ("Generator", "Iterator", "Iterable", "AsyncGenerator", "AsyncIterator", "AsyncIterable")
)


@dataclass
class SemanticModel:
    filename: str
    module: Scope = field(init=False)
    routers: list[RouterObject] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    functions: list[FunctionScope] = field(default_factory=list)
    _function_scopes: dict[ast.AST, FunctionScope] = field(default_factory=dict, repr=False)
    # id(call) -> the `if`s of its own function whose body it is in, and the early-exit
    # `if`s it follows (as `(if, the statements after it)`), outermost first (recorded by
    # the checker's walk; calls under or after no `if` are not in it).
    call_guards: dict[int, list] = field(default_factory=dict, repr=False)
    # id(call) -> the `with` statement and the item whose context expression the call is
    # (`with subprocess.Popen(...) as p:`): what leaving the block does is the object's
    # `__exit__` (recorded by the checker's walk before the call is visited).
    with_items: dict[int, tuple[ast.With | ast.AsyncWith, ast.withitem]] = field(default_factory=dict, repr=False)
    may_walrus: bool = True  # `:=` may be written in the module (set by the checker)
    # What the rules work out once per module and share, by key (the fixers' "does this
    # module use `run_in_threadpool`", asked by every blocking rule).
    rule_cache: dict[str, object] = field(default_factory=dict, repr=False)
    _lazy_guards: dict[tuple[int, bool], bool] = field(default_factory=dict, repr=False)  # (id(if), early exit)
    _persistent: dict[ast.AST, set[str]] = field(default_factory=dict, repr=False)  # by function node
    _looked_up: dict[ast.AST, dict[str, str]] = field(default_factory=dict, repr=False)  # by function node
    # `role_of`'s last resort, by function node: several rules ask for every function.
    _injected: dict[ast.AST, bool] = field(default_factory=dict, repr=False)
    # The functions and classes with `raise HTTPException(...)` in them (nested scopes
    # included), as the checker's walk found them; None until the walk is done.
    http_raisers: set[ast.AST] | None = field(default=None, repr=False)
    classes: dict[ast.ClassDef, ClassScope] = field(default_factory=dict)
    _classes_by_qualname: dict[str, tuple[ast.ClassDef, ClassScope]] = field(default_factory=dict, repr=False)
    # FunctionDef nodes used as route handlers, dependencies, or other FastAPI callbacks.
    route_handlers: dict[ast.AST, list[Route]] = field(default_factory=dict)
    dependencies: set[ast.AST] = field(default_factory=set)
    # Other functions FastAPI calls, with how they were registered: "exception_handler",
    # "on_event" or "middleware" (each runs differently, see FPI120).
    callbacks: dict[ast.AST, str] = field(default_factory=dict)
    # Functions passed by reference to calls that may require a coroutine function.
    passed_by_reference: set[ast.AST] = field(default_factory=set)
    # Names given to Depends() that were not bound yet when seen (resolved at module end).
    late_dependency_names: set[str] = field(default_factory=set)
    # Whole-project analysis (`fastapi_lint.project`): the file's dotted module name, and
    # the project's view (None: single-file mode, local names start with `<module>.`).
    module_name: str | None = None
    is_package: bool = False
    project: Any = None
    # Qualnames of imported functions this module uses as dependencies or passes by
    # reference (the project gives them their role in their own module).
    dependency_names: set[str] = field(default_factory=set)
    referenced_names: set[str] = field(default_factory=set)
    # Callables an application is given to run (lifespan, handlers, middleware classes), as
    # written: (expression, the scope it is written in, kind). See `project/serving.py`.
    served_callbacks: list[tuple[ast.expr, Scope, str]] = field(default_factory=list)
    # Registrations of endpoints computed at run time (`app.add_api_route(path, make(x))`,
    # `getattr(app, method)(path)(handler)`): the application serves functions the
    # analysis cannot name. See `Serving.has_computed_endpoints`.
    computed_endpoints: list[ast.AST] = field(default_factory=list)
    # Roles given by other modules of the project (a dependency used in another module).
    project_roles: dict[ast.AST, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.module = Scope("module", None, None)

    # ------------------------------------------------------------------ names

    def local_qualname(self, name: str) -> str:
        return f"{self.module_name or LOCAL_PREFIX}.{name}"

    def is_local(self, qualname: str | None) -> bool:
        """Whether `qualname` names something defined at this module's top level."""
        return qualname is not None and qualname.rpartition(".")[0] == (self.module_name or LOCAL_PREFIX)

    def absolute_import(self, level: int, module: str | None) -> str:
        """The module `from <level dots><module> import ...` names. Without a module name
        (single-file mode), or beyond the top-level package, it stays relative (`..x`)."""
        if not level:
            return module or ""
        package = (self.module_name or "").split(".") if self.module_name else None
        if package is not None and not self.is_package:
            package = package[:-1]
        if package is None or level - 1 >= len(package):
            return "." * level + (module or "")
        base = package[: len(package) - (level - 1)]
        return ".".join([*base, module] if module else base)

    def scope_qualname(self, scope: Scope) -> str | None:
        """`module.function`, `module.Class.method`, `module.outer.<locals>.inner`."""
        parts: list[str] = []
        current: Scope | None = scope
        while current is not None and current.kind != "module":
            name = getattr(current.node, "name", None)
            if name is None:  # a lambda
                return None
            parts.append(name)
            if isinstance(current.parent, FunctionScope):
                parts.append("<locals>")
            current = current.parent
        if not parts:
            return None
        return ".".join([self.module_name or LOCAL_PREFIX, *reversed(parts)])

    def resolve(self, expr: ast.expr, scope: Scope) -> str | None:
        """The canonical dotted name `expr` stands for, when it is a module or object path.

        `requests.get` -> "requests.get"; `s.get` with `s = requests.Session()` ->
        "requests.Session.get" (a method of an instance is named after its class).
        """
        if isinstance(expr, ast.Name):
            binding = scope.lookup(expr.id)
            if binding is None:
                if expr.id in _BUILTIN_NAMES:
                    return f"builtins.{expr.id}"
                return None
            if binding.kind in ("import", "function", "class"):
                return binding.qualname
            return None
        if isinstance(expr, ast.Attribute):
            if isinstance(expr.value, ast.Attribute):
                # `self.http.get`, `Path(x).parent.read_text`: the attribute's own type
                # names the method better than the attribute path does.
                value_type = self.infer_type(expr.value, scope)
                if value_type is not None:
                    return canonical(f"{value_type}.{expr.attr}")
            base = self.resolve(expr.value, scope)
            if base is not None:
                return canonical(f"{base}.{expr.attr}")
            value_type = self.infer_type(expr.value, scope)
            if value_type is not None:
                return canonical(f"{value_type}.{expr.attr}")
        return None

    def binding_of(self, expr: ast.expr, scope: Scope) -> Binding | None:
        if isinstance(expr, ast.Name):
            return scope.lookup(expr.id)
        return None

    # ------------------------------------------------------------------ types

    def infer_type(self, expr: ast.expr, scope: Scope) -> str | None:
        """The canonical class of the value `expr` evaluates to, when it can be known."""
        if isinstance(expr, ast.Name):
            binding = scope.lookup(expr.id)
            if binding is not None and binding.kind == "value":
                return binding.type
            return None
        if isinstance(expr, ast.Attribute):
            if isinstance(expr.value, ast.Name):
                cls = self.self_class(expr.value, scope)
                if cls is not None:
                    return cls.attribute_types.get(expr.attr) or self._property_type(cls, expr.attr)
            owner_type = self.infer_type(expr.value, scope)
            if owner_type is not None:
                return catalog.RESULT_TYPES.get(f"{owner_type}.{expr.attr}")
            return None
        if isinstance(expr, ast.Call):
            return self.call_result_type(expr, scope)
        if isinstance(expr, (ast.List, ast.ListComp)):
            return "builtins.list"
        if isinstance(expr, (ast.Dict, ast.DictComp)):
            return "builtins.dict"
        if isinstance(expr, (ast.Set, ast.SetComp)):
            return "builtins.set"
        if isinstance(expr, ast.Tuple):
            return "builtins.tuple"
        if isinstance(expr, ast.JoinedStr):
            return "builtins.str"
        if isinstance(expr, ast.Constant):
            return f"builtins.{type(expr.value).__name__}" if expr.value is not None else None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            left = self.infer_type(expr.left, scope)
            if left == "pathlib.Path":
                return left
        if isinstance(expr, ast.IfExp):
            # `Client() if enabled else None`: a Client whenever it is used; two branches
            # of different types leave the value unknown.
            types = {self.infer_type(b, scope) for b in _value_branches(expr)}
            return types.pop() if len(types) == 1 else None
        if isinstance(expr, ast.Await):
            return None
        return None

    def _property_type(self, cls: Scope, name: str) -> str | None:
        """`self.client` where the class defines `@property def client(self) -> BaseClient`
        (the getter: with a `@client.setter`, the name's last binding is the setter)."""
        binding = cls.bindings.get(name)
        if binding is None or binding.kind != "function":
            return None
        for node in getattr(cls.node, "body", ()):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name and any(
                self.resolve(d, cls) in _PROPERTY_DECORATORS for d in node.decorator_list
            ):
                return self.function_result_type(node, cls)
        return None

    def call_result_type(self, call: ast.Call, scope: Scope) -> str | None:
        func = call.func
        target = self.resolve(func, scope)
        if target is not None:
            known = catalog.RESULT_TYPES.get(target)
            if known == "sqlalchemy.orm.sessionmaker" and self._makes_async_sessions(call, scope):
                return "sqlalchemy.ext.asyncio.async_sessionmaker"
            if known is not None:
                return known
            binding = self.binding_of(func, scope)
            if binding is not None and binding.kind == "class":
                return binding.qualname
            if binding is not None and binding.kind == "function":
                # `node_path = _safe_path(...)` with `def _safe_path(...) -> Path`.
                return self.function_result_type(binding.node, scope)
            if binding is not None and binding.kind == "import" and self.project is not None:
                # `self._client = create_bedrock_client(config)`, imported from another module
                # of the project and annotated `-> BaseClient`.
                found = self.project.function_result_type(target)
                if found is not None:
                    return found
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                # `self._get_client(model)` with `def _get_client(self, model) -> Model`.
                cls = self.self_class(func.value, scope)
                method = cls.bindings.get(func.attr) if cls is not None else None
                if method is not None and method.kind == "function":
                    found = self.function_result_type(method.node, cls)
                    if found is not None:
                        return found
            last = target.rsplit(".", 1)[-1]
            if target.startswith("builtins.") and last in catalog.BUILTIN_TYPES:
                return target
            # Classes are named in CapWords; calling one makes an instance of it.
            if last[:1].isupper() and not last.isupper() and not target.startswith("builtins."):
                return target
            return None
        # Calling an instance: `SessionLocal()` where `SessionLocal = sessionmaker(...)`.
        callee_type = self.infer_type(func, scope)
        if callee_type is not None:
            return catalog.RESULT_TYPES.get(f"{callee_type}.__call__")
        return None

    def _makes_async_sessions(self, call: ast.Call, scope: Scope) -> bool:
        """`sessionmaker(engine, class_=AsyncSession)`: the 1.4-era spelling of async_sessionmaker."""
        class_ = next((k.value for k in call.keywords if k.arg == "class_"), None)
        return class_ is not None and self.resolve(class_, scope) == "sqlalchemy.ext.asyncio.AsyncSession"

    def dependency_result_type(self, depends_call: ast.Call, scope: Scope) -> str | None:
        """What `Depends(get_db)` injects, from `get_db`'s return annotation.

        `-> Session`, `-> Generator[Session, None, None]`, `-> Iterator[Session]` (and the
        async forms) give `Session`; a class used as a dependency gives an instance of it.
        """
        dependency = depends_call.args[0] if depends_call.args else next(
            (k.value for k in depends_call.keywords if k.arg == "dependency"), None
        )
        if not isinstance(dependency, ast.Name):
            return None
        binding = scope.lookup(dependency.id)
        if binding is None:
            return None
        if binding.kind == "class":
            return binding.qualname
        if binding.kind == "import" and self.project is not None:
            # `Depends(get_db)` with `get_db` imported from another module of the project.
            return self.project.function_result_type(binding.qualname)
        if binding.kind != "function":
            return None
        return self.function_result_type(binding.node, scope)

    def function_result_type(self, function: ast.AST, scope: Scope) -> str | None:
        """What calling (or injecting) `function` gives, from its return annotation; for a
        generator, what it yields."""
        returns = getattr(function, "returns", None)
        if returns is None:
            return None
        if isinstance(returns, ast.Subscript) and self.resolve(returns.value, scope) in _YIELDING_ANNOTATIONS:
            elements = returns.slice.elts if isinstance(returns.slice, ast.Tuple) else [returns.slice]
            return self.annotation_type(elements[0], scope)
        return self.annotation_type(returns, scope)

    def annotation_type(self, annotation: ast.expr | None, scope: Scope, depth: int = 0) -> str | None:
        """The class an annotation names: `Session`, `Optional[Session]`, `Annotated[Session, ...]`.

        Type aliases are followed: `SessionDep = Annotated[Session, Depends(get_db)]`.
        """
        if annotation is None or depth > 5:
            return None
        if isinstance(annotation, ast.Name):
            binding = scope.lookup(annotation.id)
            if binding is not None and binding.kind == "value" and isinstance(binding.value, ast.Subscript):
                return self.annotation_type(binding.value, scope, depth + 1)
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = parse_module(annotation.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            for side in (annotation.left, annotation.right):
                if not _is_none(side):
                    found = self.annotation_type(side, scope, depth + 1)
                    if found is not None:
                        return found
            return None
        if isinstance(annotation, ast.Subscript):
            outer = self.resolve(annotation.value, scope)
            args = annotation.slice
            elements = args.elts if isinstance(args, ast.Tuple) else [args]
            if outer in ("typing.Annotated", "typing.Optional"):
                return self.annotation_type(elements[0], scope, depth + 1)
            if outer == "typing.Union":
                for element in elements:
                    if not _is_none(element):
                        return self.annotation_type(element, scope, depth + 1)
                return None
            if outer is not None and (outer.startswith("builtins.") or outer in _TYPING_FILE_CLASSES):
                return outer  # `list[str]`, `IO[bytes]`
            return None
        target = self.resolve(annotation, scope)
        if target is not None and target.startswith("typing.") and target not in _TYPING_FILE_CLASSES:
            return None
        return target

    def self_class(self, name: ast.Name, scope: Scope) -> ClassScope | None:
        """The class of `self` when `name` is the first parameter of a method."""
        function = scope.enclosing_function()
        if function is None or function.class_scope is None:
            return None
        node = function.node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        params = node.args.posonlyargs + node.args.args
        if params and params[0].arg == name.id:
            if any(self.resolve(d, scope) in ("builtins.staticmethod",) for d in node.decorator_list):
                return None
            return function.class_scope
        return None

    # ------------------------------------------------------------------ classes

    def is_pydantic_base(self, qualname: str | None) -> bool:
        if qualname is None:
            return False
        if qualname in PYDANTIC_BASES:
            return True
        found = self.class_named(qualname)
        if found is not None and found[1].is_pydantic:
            return True
        # A project base class from another module, at any depth.
        return self.project is not None and not self.is_local(qualname) and self.project.is_pydantic_class(qualname)

    def class_qualname(self, node: ast.ClassDef) -> str:
        return self.local_qualname(node.name)

    def add_function(self, scope: FunctionScope) -> None:
        self.functions.append(scope)
        self._function_scopes[scope.node] = scope

    def function_scope(self, node: ast.AST) -> FunctionScope | None:
        """The scope of a `def`/`async def` node of this module."""
        return self._function_scopes.get(node)

    def runs_once(self, call: ast.Call, function: FunctionScope | None) -> bool:
        """Whether `call` runs once, not on every call of `function` (`run_once.py`)."""
        if function is None or function.kind == "lambda":
            return False
        guards = self.call_guards.get(id(call))
        if not guards:
            return False
        node = function.node
        owner = function.class_scope
        shared_self = owner is not None and isinstance(owner.node, ast.ClassDef) and any(
            isinstance(item, ast.FunctionDef) and item.name == "__new__" for item in owner.node.body
        )
        for guard in guards:
            # An `if` guards its body; an early-exit `if` (with the statements after it)
            # guards what follows it.
            statement, assigning = guard if isinstance(guard, tuple) else (guard, None)
            key = (id(statement), assigning is not None)
            found = self._lazy_guards.get(key)
            if found is None:
                found = self._lazy_guards[key] = is_lazy_guard(
                    statement,
                    lambda: self._function_fact(self._persistent, node, declared_persistent),
                    shared_self,
                    self.may_walrus,
                    assigning,
                    lambda: self._function_fact(self._looked_up, node, looked_up_names),
                    _passed_in(node, method=owner is not None),
                )
            if found:
                return True
        return False

    @staticmethod
    def _function_fact(memo: dict, node: ast.AST, compute):
        """`compute(node)`, once per function: each walks the whole function."""
        found = memo.get(node)
        if found is None:
            found = memo[node] = compute(node)
        return found

    def is_memoised(self, function: FunctionScope) -> bool:
        """`@functools.cache` / `@lru_cache(...)`: its body runs once per arguments."""
        decorators = getattr(function.node, "decorator_list", ())
        scope = function.parent or self.module
        return is_memoised(
            self.resolve(d.func if isinstance(d, ast.Call) else d, scope) for d in decorators
        )

    def add_class(self, node: ast.ClassDef, scope: ClassScope) -> None:
        self.classes[node] = scope
        self._classes_by_qualname[self.class_qualname(node)] = (node, scope)

    def decorated_type(self, qualname: str | None) -> str | None:
        """What the function `qualname` became when a decorator of `catalog.DECORATED_TYPES`
        replaced it (`@job(queue) def f` is an rq job, with a blocking `f.delay`)."""
        if qualname is None:
            return None
        if not self.is_local(qualname):
            return self.project.decorated_type(qualname) if self.project is not None else None
        binding = self.module.bindings.get(qualname.rpartition(".")[2])
        if binding is None or binding.kind != "function":
            return None
        return self.function_decorated_type(binding.node)

    def function_decorated_type(self, node: ast.AST | None) -> str | None:
        for decorator in getattr(node, "decorator_list", ()):
            func = decorator.func if isinstance(decorator, ast.Call) else decorator
            found = catalog.DECORATED_TYPES.get(self.resolve(func, self.module) or "")
            if found is not None:
                return found
        return None

    def class_named(self, qualname: str | None) -> tuple[ast.ClassDef, ClassScope] | None:
        """The class of this module called `qualname` (the last one, if redefined)."""
        return self._classes_by_qualname.get(qualname) if qualname else None

    # ------------------------------------------------------------------ FastAPI

    def role_of(self, node: ast.AST) -> str | None:
        """"route", "dependency" or "callback" (exception handler, event handler, middleware)."""
        if node in self.route_handlers:
            return "route"
        if node in self.dependencies:
            return "dependency"
        if node in self.callbacks:
            return "callback"
        if node in self.project_roles:
            return self.project_roles[node]
        # `@router.get(...)` on a router this module cannot see (imported from another
        # module, or built by a factory) is still a route.
        for decorator in getattr(node, "decorator_list", ()):
            func = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(func, ast.Attribute) and isinstance(decorator, ast.Call):
                if func.attr in ROUTE_DECORATOR_NAMES:
                    return "route"
                if func.attr in CALLBACK_DECORATOR_NAMES:
                    return "callback"
        injected = self._injected.get(node)
        if injected is None:
            injected = self._injected[node] = self._has_fastapi_signature(node) or self._raises_http_exception(node)
        return "injected" if injected else None

    def callback_kind(self, node: ast.AST) -> str | None:
        """How a FastAPI callback was registered: "exception_handler", "on_event", "middleware"."""
        if node in self.callbacks:
            return self.callbacks[node]
        for decorator in getattr(node, "decorator_list", ()):
            if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute):
                if decorator.func.attr in CALLBACK_DECORATOR_NAMES:
                    return decorator.func.attr
        return None

    def _raises_http_exception(self, node: ast.AST) -> bool:
        """`raise HTTPException(...)` in its own body: only FastAPI turns that into a response,
        so the function is an endpoint or a dependency, registered in some other module."""
        if self.http_raisers is not None:
            return node in self.http_raisers
        function_scope = self.function_scope(node)  # asked during the walk: look
        scope = function_scope if function_scope is not None else self.module
        for sub in ast.walk(node):
            if isinstance(sub, ast.Raise) and isinstance(sub.exc, ast.Call):
                if self.resolve(sub.exc.func, scope) in HTTP_EXCEPTION_CLASSES:
                    return True
        return False

    def _has_fastapi_signature(self, node: ast.AST) -> bool:
        args = getattr(node, "args", None)
        if args is None:
            return False
        function_scope = self.function_scope(node)
        scope = function_scope.parent if function_scope and function_scope.parent else self.module
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        for expr in [*args.defaults, *args.kw_defaults, *(p.annotation for p in params)]:
            if expr is None:
                continue
            for sub in ast.walk(expr):
                if isinstance(sub, ast.Call) and self.resolve(sub.func, scope) in FASTAPI_PARAM_FUNCTIONS:
                    return True
                if isinstance(sub, (ast.Name, ast.Attribute)) and self.resolve(sub, scope) in FASTAPI_INJECTED_TYPES:
                    return True
        return False

    def root_routers(self) -> list[RouterObject]:
        """Apps, and routers not included anywhere in this module: each is analysed whole."""
        included = {
            id(event.child)
            for obj in self.routers
            for event in obj.events
            if getattr(event, "child", None) is not None
        }
        return [obj for obj in self.routers if obj.kind == "app" or id(obj) not in included]


def _passed_in(node: ast.AST, *, method: bool) -> frozenset[str]:
    """A function's parameter names, less a method's first (`self`, `cls`: judged apart
    by `run_once.py`)."""
    args = getattr(node, "args", None)
    if args is None:
        return frozenset()
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    names = positional[1:] if method else positional
    names += [a.arg for a in (*args.kwonlyargs, args.vararg, args.kwarg) if a is not None]
    return frozenset(names)


def _is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


def _value_branches(expr: ast.IfExp) -> list[ast.expr]:
    """The branches of `a if c else b` that are not a literal `None`."""
    return [b for b in (expr.body, expr.orelse) if not _is_none(b)]


def builds_instance(expr: ast.expr | None) -> bool:
    """`Helper()`, or `Helper() if enabled else None`: an instance the code makes itself."""
    if isinstance(expr, ast.IfExp):
        branches = _value_branches(expr)
        return bool(branches) and all(builds_instance(b) for b in branches)
    return isinstance(expr, ast.Call)
