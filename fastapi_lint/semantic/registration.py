"""FastAPI registration, as the checker's walk meets it.

Apps and routers are created where `FastAPI(...)` / `APIRouter(...)` is called; route
decorators, `add_api_route`, `include_router` and `mount` append events to them in the
order the module runs them; `Depends(...)` marks dependencies. This is a mixin of the
`Checker`: it reads the walk's current scope (`self.scope`) and fills `self.model`.
"""

from __future__ import annotations

import ast

from . import fastapi_model as fm
from .model import CALLBACK_DECORATOR_NAMES
from .names import FASTAPI_APP_CLASSES, FASTAPI_ROUTER_CLASSES, MIDDLEWARE_WRAPPERS, STARLETTE_APP_CLASSES

# What an application runs when it is given these (keyword -> how the served code names it).
_APP_CALLBACK_KEYWORDS = {
    "lifespan": "lifespan", "on_startup": "startup handler", "on_shutdown": "shutdown handler",
    "exception_handlers": "exception handler", "middleware": "middleware",
}
CALLBACK_KINDS = {"exception_handler": "exception handler", "on_event": "event handler", "middleware": "middleware"}
# `app.add_event_handler("startup", f)`: (index of the callable, its keyword, its kind).
_APP_CALLBACK_METHODS = {
    "add_event_handler": (1, "func", "event handler"),
    "add_exception_handler": (1, "handler", "exception handler"),
    "add_middleware": (0, "middleware_class", "middleware"),
}


class FastAPIRegistration:
    def _router_class_kind(self, qualname: str | None) -> str | None:
        """"app" / "router" for FastAPI, APIRouter and their subclasses (defined in this
        module, or in another module of the project when there is one)."""
        if qualname is None:
            return None
        if qualname in FASTAPI_APP_CLASSES:
            return "app"
        if qualname in FASTAPI_ROUTER_CLASSES:
            return "router"
        found = self.model.class_named(qualname)
        if found is not None:
            for base in found[1].base_qualnames:
                kind = self._router_class_kind(base)
                if kind:
                    return kind
            return None
        if self.model.project is not None and not self.model.is_local(qualname):
            if self._project_router_classes is None:
                self._project_router_classes = self.model.project.project.router_classes()
            return self._project_router_classes.get(qualname)
        return None

    def _router_of(self, expr: ast.expr) -> fm.RouterObject | None:
        """The app or router object `expr` evaluates to, creating it at its construction."""
        if isinstance(expr, ast.Name):
            binding = self.scope.lookup(expr.id)
            return binding.router if binding is not None else None
        if isinstance(expr, ast.Attribute):
            if expr.attr == "router":  # `app.router` is the app's own router
                owner = self._router_of(expr.value)
                if owner is not None and owner.kind == "app":
                    return owner
            if isinstance(expr.value, ast.Name):
                cls = self.model.self_class(expr.value, self.scope)
                if cls is not None:
                    return cls.attribute_routers.get(expr.attr)
            return None
        if isinstance(expr, ast.Call):
            kind = self._router_class_kind(self.model.resolve(expr.func, self.scope))
            if kind is None:
                return None
            keywords = {k.arg: k.value for k in expr.keywords if k.arg}
            name = ast.unparse(expr.func)
            # `FastAPI(webhooks=router)`: the router's routes only appear in OpenAPI.
            webhooks = self._router_of(keywords["webhooks"]) if "webhooks" in keywords else None
            if webhooks is not None:
                webhooks.callback_only = True
            self._mark_callback_routers(keywords.get("callbacks"))
            obj = self._new_router(kind, name, expr, keywords)
            if any(k.arg is None for k in expr.keywords):
                # `FastAPI(**settings)`: documentation URLs and prefix are unknown.
                obj.builtin_paths = ()
                if "prefix" not in keywords:
                    obj.prefix = None
            return obj
        return None

    def _new_router(self, kind: str, name: str, node: ast.AST, keywords: dict, opaque: bool = False) -> fm.RouterObject:
        obj = fm.RouterObject(kind, name, node, keywords, opaque=opaque, scope=self.scope)
        if kind == "router":
            obj.prefix = self._prefix_value(keywords.get("prefix"))
        else:
            obj.builtin_paths = self._builtin_paths(keywords)
        self.model.routers.append(obj)
        return obj

    def _prefix_value(self, expr: ast.expr | None) -> str | None:
        if expr is None:
            return ""
        return self.constant_str(expr)

    def _builtin_paths(self, keywords: dict[str, ast.expr]) -> tuple[tuple[str, str], ...]:
        """FastAPI.setup(): openapi, then docs (+ oauth2 redirect) and redoc, if enabled.

        Pairs of (the keyword that sets it, path)."""
        def setting(name: str, default: str) -> str | None | bool:
            if name not in keywords:
                return default
            value = keywords[name]
            if isinstance(value, ast.Constant) and value.value is None:
                return None
            text = self.constant_str(value)
            return text if text is not None else False  # False: unknown

        openapi = setting("openapi_url", "/openapi.json")
        if not openapi:
            return ()
        paths = [("openapi_url", openapi)]
        docs = setting("docs_url", "/docs")
        if docs:
            paths.append(("docs_url", docs))
            redirect = setting("swagger_ui_oauth2_redirect_url", "/docs/oauth2-redirect")
            if redirect:
                paths.append(("swagger_ui_oauth2_redirect_url", redirect))
        redoc = setting("redoc_url", "/redoc")
        if redoc:
            paths.append(("redoc_url", redoc))
        return tuple(paths)

    def constant_str(self, expr: ast.expr | None) -> str | None:
        """A string known statically: a literal, a module constant, or their concatenation."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value
        if isinstance(expr, ast.Name):
            binding = self.scope.lookup(expr.id)
            if binding is not None and binding.kind == "value" and binding.value is not None:
                if binding.value is not expr:
                    return self.constant_str(binding.value)
            return None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left, right = self.constant_str(expr.left), self.constant_str(expr.right)
            if left is not None and right is not None:
                return left + right
        return None

    def _register_decorators(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        # Decorators apply bottom-up: the one nearest the `def` registers its route first.
        for decorator in reversed(node.decorator_list):
            call = decorator if isinstance(decorator, ast.Call) else None
            func = call.func if call is not None else decorator
            if not isinstance(func, ast.Attribute):
                continue
            owner = self._router_of(func.value)
            if owner is None:
                continue
            if func.attr in CALLBACK_DECORATOR_NAMES:
                self.model.callbacks[node] = func.attr
                continue
            if call is None:
                continue
            route = self._route_from_call(owner, func.attr, call, path_index=0, handler=node, node=decorator)
            if route is not None:
                self.model.route_handlers.setdefault(node, []).append(route)

    def _route_from_call(
        self, owner: fm.RouterObject, attr: str, call: ast.Call, *, path_index: int,
        handler: ast.AST | None, node: ast.AST,
    ) -> fm.Route | None:
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        if attr in fm.HTTP_METHOD_DECORATORS or attr in ("api_route", "add_api_route"):
            kind = "http"
        elif attr in fm.STARLETTE_ROUTE_METHODS:
            kind = "http"
        elif attr in ("websocket", "add_api_websocket_route") or attr in fm.STARLETTE_WEBSOCKET_METHODS:
            kind = "websocket"
        else:
            return None
        path_expr = call.args[path_index] if len(call.args) > path_index else keywords.get("path")
        if attr in fm.HTTP_METHOD_DECORATORS:
            methods = frozenset({fm.HTTP_METHOD_DECORATORS[attr]})
        elif attr in fm.STARLETTE_ROUTE_METHODS:
            # Starlette's Route: GET by default, and HEAD whenever GET is accepted.
            index = fm.STARLETTE_ROUTE_METHODS[attr]
            methods_expr = call.args[index] if len(call.args) > index else keywords.get("methods")
            methods = self._methods_value(methods_expr)
            if "GET" in methods:
                methods = methods | {"HEAD"}
        elif kind == "http":
            methods = self._methods_value(keywords.get("methods"))
        else:
            methods = frozenset()
        self._mark_callback_routers(keywords.get("callbacks"))
        route = fm.Route(owner, kind, methods, self.constant_str(path_expr), node, handler, keywords)
        route.has_star_kwargs = any(k.arg is None for k in call.keywords)
        route.own_prefix = attr not in fm.STARLETTE_ROUTE_METHODS and attr not in fm.STARLETTE_WEBSOCKET_METHODS
        route.scope = self.scope
        owner.events.append(route)
        self.model.routes.append(route)
        return route

    def _note_served_callbacks(self, call: ast.Call, target: str | None) -> None:
        """Callables an application runs for it (served code, see `project/serving.py`):
        `FastAPI(lifespan=..., exception_handlers={...}, middleware=[Middleware(M)])`,
        `app.add_event_handler(...)`, `app.add_exception_handler(...)`, `app.add_middleware(M)`,
        `app.middleware("http")(f)`.
        Recorded as written, resolved once the module is known (`served_callbacks`)."""
        found: list[tuple[ast.expr, str]] = []
        if target in STARLETTE_APP_CLASSES or self._router_class_kind(target):
            for keyword in call.keywords:
                kind = _APP_CALLBACK_KEYWORDS.get(keyword.arg or "")
                if kind is not None:
                    found.extend((expr, kind) for expr in _callables_in(keyword.value))
        elif target in MIDDLEWARE_WRAPPERS and call.args:
            found.append((call.args[0], "middleware"))
        elif isinstance(call.func, ast.Call) and isinstance(call.func.func, ast.Attribute) and call.args:
            # `app.middleware("http")(add_process_time)`: the decorator, applied by hand.
            decorator = call.func.func
            if decorator.attr in CALLBACK_DECORATOR_NAMES and self._router_of(decorator.value) is not None:
                found.append((call.args[0], CALLBACK_KINDS[decorator.attr]))
        elif isinstance(call.func, ast.Attribute) and call.func.attr in _APP_CALLBACK_METHODS:
            if self._router_of(call.func.value) is not None:
                index, name, kind = _APP_CALLBACK_METHODS[call.func.attr]
                expr = call.args[index] if len(call.args) > index else next(
                    (k.value for k in call.keywords if k.arg == name), None
                )
                if expr is not None:
                    found.append((expr, kind))
        for expr, kind in found:
            if isinstance(expr, (ast.Name, ast.Attribute)):
                self.model.served_callbacks.append((expr, self.scope, kind))

    def _mark_callback_routers(self, expr: ast.expr | None) -> None:
        """`callbacks=router.routes` (also inside a list or a sum): those routes only document."""
        if expr is None:
            return
        for node in ast.walk(expr):
            if isinstance(node, ast.Attribute) and node.attr == "routes":
                callback_router = self._router_of(node.value)
                if callback_router is not None:
                    callback_router.callback_only = True

    def _methods_value(self, expr: ast.expr | None) -> frozenset[str]:
        if expr is None:
            return frozenset({"GET"})
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            methods = [self.constant_str(e) for e in expr.elts]
            if all(m is not None for m in methods):
                return frozenset(m.upper() for m in methods)
        return frozenset()  # unknown: matches nothing, so never shadows or is reported

    def _register_router_call(self, call: ast.Call) -> None:
        func = call.func
        assert isinstance(func, ast.Attribute)
        if func.attr not in ("include_router", "mount", "add_api_route", "add_api_websocket_route",
                             "add_route", "add_websocket_route"):
            return
        owner = self._router_of(func.value)
        if owner is None:
            return
        if func.attr == "include_router":
            child_expr = call.args[0] if call.args else next(
                (k.value for k in call.keywords if k.arg == "router"), None
            )
            child = self._router_of(child_expr) if child_expr is not None else None
            prefix_expr = next((k.value for k in call.keywords if k.arg == "prefix"), None)
            self._mark_callback_routers(next((k.value for k in call.keywords if k.arg == "callbacks"), None))
            prefix = self._prefix_value(prefix_expr)
            if prefix_expr is None and any(k.arg is None for k in call.keywords):
                prefix = None  # `**options` may carry a prefix
            owner.events.append(fm.Include(owner, child, prefix, call, scope=self.scope))
        elif func.attr == "mount":
            path_expr = call.args[0] if call.args else next(
                (k.value for k in call.keywords if k.arg == "path"), None
            )
            owner.events.append(fm.Mount(owner, self.constant_str(path_expr), call, scope=self.scope))
        else:
            endpoint = call.args[1] if len(call.args) > 1 else next(
                (k.value for k in call.keywords if k.arg == "endpoint"), None
            )
            self._register_endpoint(owner, func.attr, call, call, endpoint)

    def _register_endpoint(self, owner: fm.RouterObject, attr: str, call: ast.Call, node: ast.AST,
                           endpoint: ast.expr | None) -> None:
        """A route registered with its endpoint as an argument (`add_api_route`, a route
        decorator applied by hand): its handler when the endpoint names one (a function
        or class here, a method of a value of a class here), what the application will
        run otherwise (see `_endpoint_parts`)."""
        handlers, factories, computed = self._endpoint_parts(endpoint)
        route = self._route_from_call(owner, attr, call, path_index=0,
                                      handler=handlers[0] if len(handlers) == 1 else None, node=node)
        if route is None:
            return
        for handler in handlers:
            self.model.route_handlers.setdefault(handler, []).append(route)
        for factory in factories:
            self.model.served_callbacks.append((factory, self.scope, "endpoint factory"))
        if computed:
            self.model.computed_endpoints.append(node)

    def _endpoint_parts(self, expr: ast.expr | None) -> tuple[list[ast.AST], list[ast.expr], bool]:
        """(handlers, factories, computed) of an endpoint expression. Handlers: functions,
        classes and methods of this module it names. Factories: functions it calls to make
        the endpoint (`perform_health_check(runner)` returning an inner `async def`): what
        they define is what the application runs. Computed: an endpoint the analysis
        cannot name (a parameter, a loop variable, an item of a container, a method of
        one, the result of a call it cannot follow). Imported names are neither: their
        modules' summaries say what they are."""
        if expr is None or isinstance(expr, (ast.Lambda, ast.Constant)):
            return [], [], False
        if isinstance(expr, ast.IfExp):
            body, orelse = self._endpoint_parts(expr.body), self._endpoint_parts(expr.orelse)
            return body[0] + orelse[0], body[1] + orelse[1], body[2] or orelse[2]
        if isinstance(expr, ast.Call):
            target = self.model.resolve(expr.func, self.scope)
            if target == "functools.partial" and expr.args:
                return self._endpoint_parts(expr.args[0])
            if isinstance(expr.func, (ast.Name, ast.Attribute)) and self._names_function(expr.func):
                return [], [expr.func], False
            return [], [], True
        if isinstance(expr, ast.Name):
            handler = self._definition_of(expr)
            if handler is not None:
                return [handler], [], False
        elif isinstance(expr, ast.Attribute):
            method = self._method_of(expr)
            if method is not None:
                return [method], [], False
        else:
            return [], [], True
        return [], [], not self._names_function(expr)

    def _names_function(self, expr: ast.expr) -> bool:
        """A function or class of this module, an imported name, or an attribute of one
        (`views.health`): something a summary describes. Not a parameter or a value."""
        root = expr
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name):
            return False
        binding = self.scope.lookup(root.id)
        if binding is None:
            return True  # bound later in the module, or a builtin
        return binding.kind in ("function", "class", "import")

    def _note_route_applied_by_hand(self, call: ast.Call) -> None:
        """`app.get(path)(handler)`, as FastAPI's decorator does; and
        `getattr(app, method)(path)(handler)`, a decorator chosen at run time, whose route
        the analysis cannot know: its endpoint is recorded as computed."""
        decorator = call.func
        if not isinstance(decorator, ast.Call) or len(call.args) != 1:
            return
        func = decorator.func
        if isinstance(func, ast.Attribute):
            if func.attr not in fm.HTTP_METHOD_DECORATORS and func.attr not in ("api_route", "websocket"):
                return
            owner = self._router_of(func.value)
            if owner is not None:
                self._register_endpoint(owner, func.attr, decorator, call, call.args[0])
        elif (
            isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "getattr"
            and len(func.args) >= 2 and not isinstance(func.args[1], ast.Constant)
            and self.scope.lookup("getattr") is None and self._router_of(func.args[0]) is not None
        ):
            self.model.computed_endpoints.append(call)

    def _definition_of(self, expr: ast.expr | None) -> ast.AST | None:
        if isinstance(expr, ast.Name):
            binding = self.scope.lookup(expr.id)
            if binding is not None and binding.kind in ("function", "class"):
                return binding.node
        return None

    def _register_dependency(self, call: ast.Call) -> None:
        target = call.args[0] if call.args else next(
            (k.value for k in call.keywords if k.arg == "dependency"), None
        )
        if target is not None:
            self._register_dependency_target(target)

    def _register_dependency_target(self, target: ast.expr) -> None:
        if isinstance(target, ast.IfExp):  # `Depends(a if flag else b)`: both may run
            self._register_dependency_target(target.body)
            self._register_dependency_target(target.orelse)
            return
        if isinstance(target, ast.Call):
            # `Depends(RoleChecker("admin"))`: FastAPI calls the instance's `__call__`.
            instance_type = self.model.infer_type(target, self.scope)
            method = self._class_method(instance_type, "__call__") if instance_type else None
            if method is not None:
                self.model.dependencies.add(method)
            return
        if isinstance(target, ast.Attribute):
            # `Depends(service.method)` on an instance of a class of this module.
            method = self._method_of(target)
            if method is not None:
                self.model.dependencies.add(method)
            else:  # `Depends(deps.get_db)`: a function of another module
                self._note_imported_name(target, self.model.dependency_names)
            return
        if not isinstance(target, ast.Name):
            return
        binding = self.scope.lookup(target.id)
        if binding is None:
            self.model.late_dependency_names.add(target.id)
        elif binding.kind == "import" and binding.qualname:
            self.model.dependency_names.add(binding.qualname)
        elif binding.kind == "function":
            self.model.dependencies.add(binding.node)
        elif binding.kind == "value" and binding.type:
            # `Depends(checker)` with `checker = Checker(...)`: FastAPI calls its __call__.
            method = self._class_method(binding.type, "__call__")
            if method is not None:
                self.model.dependencies.add(method)

    def _method_of(self, expr: ast.Attribute) -> ast.AST | None:
        owner_type = self.model.infer_type(expr.value, self.scope)
        return self._class_method(owner_type, expr.attr) if owner_type else None

    def _class_method(self, class_qualname: str, name: str) -> ast.AST | None:
        found = self.model.class_named(class_qualname)
        if found is not None:
            method = found[1].bindings.get(name)
            if method is not None and method.kind == "function":
                return method.node
        return None

    def _note_functions_passed(self, call: ast.Call, target: str | None) -> None:
        """Functions passed by reference: the callee may require a coroutine function.

        `BackgroundTasks.add_task` accepts both (it runs a plain `def` in the threadpool),
        so passing a function there says nothing.
        """
        if isinstance(call.func, ast.Attribute) and call.func.attr == "add_task":
            return
        pending = [*call.args, *(k.value for k in call.keywords)]
        while pending:
            arg = pending.pop()
            # Also inside literal containers: `FastAPI(exception_handlers={500: handler})`.
            if isinstance(arg, (ast.List, ast.Tuple, ast.Set)):
                pending.extend(arg.elts)
            elif isinstance(arg, ast.Dict):
                pending.extend(v for v in arg.values if v is not None)
            elif isinstance(arg, ast.Starred):
                pending.append(arg.value)
            else:
                definition = self._definition_of(arg)
                if isinstance(definition, ast.AsyncFunctionDef):
                    self.model.passed_by_reference.add(definition)
                elif definition is None:
                    self._note_imported_name(arg, self.model.referenced_names)

    def _note_imported_name(self, expr: ast.expr, names: set[str]) -> None:
        """Record the qualname of `name` or `module.name` when it comes from an import."""
        root = expr
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name):
            return
        binding = self.scope.lookup(root.id)
        if binding is not None and binding.kind == "import":
            qualname = self.model.resolve(expr, self.scope)
            if qualname:
                names.add(qualname)

    def _note_dependency_override(self, target: ast.expr, value: ast.expr) -> None:
        """`app.dependency_overrides[dep] = override`: the override is a dependency."""
        if (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Attribute)
            and target.value.attr == "dependency_overrides"
        ):
            definition = self._definition_of(value)
            if definition is not None:
                self.model.dependencies.add(definition)

    def _resolve_late_dependencies(self) -> None:
        for name in self.model.late_dependency_names:
            binding = self.model.module.bindings.get(name)
            if binding is not None and binding.kind == "function":
                self.model.dependencies.add(binding.node)


def _callables_in(expr: ast.expr) -> list[ast.expr]:
    """The callables a keyword's value names: itself, the elements of a list, the values of a
    dict (`exception_handlers={404: not_found}`), the class of `Middleware(M, ...)`."""
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return [inner for element in expr.elts for inner in _callables_in(element)]
    if isinstance(expr, ast.Dict):
        return [inner for value in expr.values if value is not None for inner in _callables_in(value)]
    if isinstance(expr, ast.Call) and expr.args:  # `Middleware(M, ...)`: the class runs
        return [expr.args[0]]
    return [expr]
