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

from . import catalog
from .fastapi_model import RouterObject, Route
from .names import PYDANTIC_BASES, canonical
from .scopes import Binding, ClassScope, FunctionScope, Scope

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


@dataclass
class SemanticModel:
    filename: str
    module: Scope = field(init=False)
    routers: list[RouterObject] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    functions: list[FunctionScope] = field(default_factory=list)
    classes: dict[ast.ClassDef, ClassScope] = field(default_factory=dict)
    # FunctionDef nodes used as route handlers, dependencies, or other FastAPI callbacks.
    route_handlers: dict[ast.AST, list[Route]] = field(default_factory=dict)
    dependencies: set[ast.AST] = field(default_factory=set)
    callbacks: set[ast.AST] = field(default_factory=set)
    # Functions passed by reference to calls that may require a coroutine function.
    passed_by_reference: set[ast.AST] = field(default_factory=set)
    # Names given to Depends() that were not bound yet when seen (resolved at module end).
    late_dependency_names: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.module = Scope("module", None, None)

    # ------------------------------------------------------------------ names

    def local_qualname(self, name: str) -> str:
        return f"{LOCAL_PREFIX}.{name}"

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
                    return cls.attribute_types.get(expr.attr)
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
        if isinstance(expr, ast.Await):
            return None
        return None

    def call_result_type(self, call: ast.Call, scope: Scope) -> str | None:
        func = call.func
        target = self.resolve(func, scope)
        if target is not None:
            known = catalog.RESULT_TYPES.get(target)
            if known is not None:
                return known
            binding = self.binding_of(func, scope)
            if binding is not None and binding.kind == "class":
                return binding.qualname
            if binding is not None and binding.kind == "function":
                return None
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

    def annotation_type(self, annotation: ast.expr | None, scope: Scope) -> str | None:
        """The class an annotation names: `Session`, `Optional[Session]`, `Annotated[Session, ...]`."""
        if annotation is None:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            for side in (annotation.left, annotation.right):
                if not (isinstance(side, ast.Constant) and side.value is None):
                    found = self.annotation_type(side, scope)
                    if found is not None:
                        return found
            return None
        if isinstance(annotation, ast.Subscript):
            outer = self.resolve(annotation.value, scope)
            args = annotation.slice
            elements = args.elts if isinstance(args, ast.Tuple) else [args]
            if outer in ("typing.Annotated", "typing.Optional"):
                return self.annotation_type(elements[0], scope)
            if outer == "typing.Union":
                for element in elements:
                    if not (isinstance(element, ast.Constant) and element.value is None):
                        return self.annotation_type(element, scope)
                return None
            if outer is not None and outer.startswith("builtins."):
                return outer
            return None
        target = self.resolve(annotation, scope)
        if target is not None and target.startswith("typing."):
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
        return any(scope.is_pydantic and self.class_qualname(node) == qualname
                   for node, scope in self.classes.items())

    def class_qualname(self, node: ast.ClassDef) -> str:
        return self.local_qualname(node.name)

    def pydantic_classes(self) -> list[tuple[ast.ClassDef, ClassScope]]:
        return [(node, scope) for node, scope in self.classes.items() if scope.is_pydantic]

    # ------------------------------------------------------------------ FastAPI

    def role_of(self, node: ast.AST) -> str | None:
        """"route", "dependency" or "callback" (exception handler, event handler, middleware)."""
        if node in self.route_handlers:
            return "route"
        if node in self.dependencies:
            return "dependency"
        if node in self.callbacks:
            return "callback"
        # `@router.get(...)` on a router this module cannot see (imported from another
        # module, or built by a factory) is still a route.
        for decorator in getattr(node, "decorator_list", ()):
            func = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(func, ast.Attribute) and isinstance(decorator, ast.Call):
                if func.attr in ROUTE_DECORATOR_NAMES:
                    return "route"
                if func.attr in CALLBACK_DECORATOR_NAMES:
                    return "callback"
        if self._has_fastapi_signature(node):
            return "injected"
        return None

    def _has_fastapi_signature(self, node: ast.AST) -> bool:
        args = getattr(node, "args", None)
        if args is None:
            return False
        function_scope = next((f for f in self.functions if f.node is node), None)
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
