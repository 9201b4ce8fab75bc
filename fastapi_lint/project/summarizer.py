"""Building a `ModuleSummary` from the checker's walk of a module (see `summary.py`)."""

from __future__ import annotations

import ast

from ..checker import Checker
from ..semantic import fastapi_model as fm
from ..semantic.blocking import FILE_IO, classify_blocking_call
from ..semantic.call_cost import CallCostJudge
from ..semantic.model import ROUTE_DECORATOR_NAMES
from ..semantic.registration import CALLBACK_KINDS
from ..rules._injected_defaults import signature as injected_signature
from ..rules._path_params import PathUses
from ..semantic.scopes import CallContext, FunctionScope
from ..test_code import is_test_path
from .summary import METHOD_BY_NAME, CallSummary, ClassSummary, FunctionSummary, ModuleSummary, RouterSummary

_MAX_TEXT = 60
# Calls that start their first argument as a task on the loop (asyncio, anyio, trio).
_TASK_STARTERS = frozenset({"create_task", "ensure_future", "start_soon", "run_coroutine_threadsafe"})
# Calls that run a coroutine on an event loop of their own (`asyncio.run(main())` in a sync
# helper): what they are given does not run on the server's loop, so it is not served.
_OWN_LOOP_RUNNERS = frozenset({"asyncio.run", "asyncio.runners.run", "anyio.run", "trio.run"})
# What `isinstance(file, ...)` tests when a function opens its argument only if it is a path.
_PATH_TYPES = frozenset({"os.PathLike", "pathlib.Path", "pathlib.PurePath", "builtins.str"})


def _answer_json(route: fm.Route) -> list | None:
    answer = fm.answer_of(route)
    return None if answer is None else [answer[0], sorted(answer[1])]


def _position(node: ast.AST) -> list[int]:
    """[line, column, end line, end column]; columns are `ast`'s UTF-8 byte offsets."""
    return [
        node.lineno, node.col_offset,
        getattr(node, "end_lineno", None) or node.lineno, getattr(node, "end_col_offset", None) or node.col_offset,
    ]


def _text(node: ast.AST) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


class Summarizer:
    def __init__(self, checker: Checker, path: str, judge_costs: bool) -> None:
        self.checker = checker
        self.model = checker.model
        self.judge = CallCostJudge(self.model) if judge_costs else None
        self.summary = ModuleSummary(self.model.module_name or "<module>", path, self.model.is_package)

    def build(self) -> ModuleSummary:
        self._names()
        for function in self.model.functions:
            self._function(function)
        for node, class_scope in self.model.classes.items():
            qualname = self.model.scope_qualname(class_scope)
            if qualname is not None:
                methods = [name for name, b in class_scope.bindings.items() if b.kind == "function"]
                self.summary.classes[qualname] = ClassSummary(
                    qualname, node.lineno, list(class_scope.base_qualnames), class_scope.is_pydantic, methods
                )
        index = {id(obj): i for i, obj in enumerate(self.model.routers)}
        for obj in self.model.routers:
            self.summary.routers.append(self._router(obj, index))
        self.summary.unmodelled_includes = self._unmodelled_includes()
        self.summary.computed_endpoints = sorted({node.lineno for node in self.model.computed_endpoints})
        # A test's application serves no one (`Serving.has_computed_endpoints` ignores it too).
        for line in [] if is_test_path(self.summary.path) else self.summary.computed_endpoints:
            self.summary.notes.append([line, "an endpoint computed at run time is registered here: async code "
                                             "no known entry reaches counts as served (see `async-scope`)"])
        self.summary.dependencies = sorted(self.model.dependency_names)
        self.summary.references = sorted(self.model.referenced_names)
        self._entries()
        self.summary.path_params = PathUses(self.model, self.checker.tree).to_json()
        return self.summary

    def _unmodelled_includes(self) -> int:
        recorded = {
            id(event.node) for obj in self.model.routers for event in obj.events
            if isinstance(event, fm.Include)
        }
        count = 0
        for node in self.checker.route_list_edits:
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr == "include_router" and id(node) not in recorded:
                    count += 1
                elif any(isinstance(a, ast.Attribute) and a.attr == "routes" for a in node.args):
                    count += 1
            else:  # `+= something.routes`
                count += 1
        return count

    # ------------------------------------------------------------------ names

    def _names(self) -> None:
        router_index = {id(obj): i for i, obj in enumerate(self.model.routers)}
        for name, binding in self.model.module.bindings.items():
            if binding.kind == "import":
                self.summary.names[name] = ["import", binding.qualname]
            elif binding.kind == "function" and (decorated := self.model.function_decorated_type(binding.node)):
                # `@job(queue) def f`: other modules see what the decorator made of it.
                self.summary.names[name] = ["function", decorated]
            elif binding.kind in ("function", "class"):
                self.summary.names[name] = [binding.kind]
            else:
                router = router_index.get(id(binding.router)) if binding.router is not None else None
                self.summary.names[name] = ["value", binding.type, router]
        for statement in self.checker.tree.body:
            if isinstance(statement, ast.ImportFrom) and any(a.name == "*" for a in statement.names):
                module = self.model.absolute_import(statement.level or 0, statement.module)
                self.summary.star_imports.append(module)
                self._note(statement, f"`from {module} import *`: the names it brings are not resolved")

    def _note(self, node: ast.AST, message: str) -> None:
        self.summary.notes.append([node.lineno, message])

    # ------------------------------------------------------------------ functions

    def _function(self, function: FunctionScope) -> None:
        qualname = self.model.scope_qualname(function)
        if qualname is None:
            return
        summary = FunctionSummary(
            qualname, _position(function.node), function.is_async, function.awaits, function.yields,
            self.model.role_of(function.node),
        )
        summary.reaches = self._reaches(function)
        summary.spawns = self._spawns(function)
        summary.memoised = self.model.is_memoised(function)
        summary.returns = self.model.function_result_type(function.node, function.parent or self.model.module)
        injected = injected_signature(self.model, function.node)
        summary.injected = injected.to_json() if injected is not None else None
        for record in function.calls:
            if record.awaited:
                if record.target and record.target not in self.summary.awaited:
                    self.summary.awaited.append(record.target)
                continue
            call = CallContext(function, function, record.target, False)
            found = self._call(record.call, call)
            if found is not None:
                found.once = self.model.runs_once(record.call, function)
                summary.calls.append(found)
        self.summary.functions[qualname] = summary
        self._external_routes(function, qualname)

    def _reaches(self, function: FunctionScope) -> list[str]:
        """What the function may run: the names it calls, and the names it passes to a call
        (`add_task(send_mail, ...)`, `asyncio.gather(*[f() ...])` is already a call)."""
        found: dict[str, None] = {}
        own_loop = {
            id(arg) for record in function.calls
            if record.target in _OWN_LOOP_RUNNERS or (
                isinstance(record.call.func, ast.Attribute) and record.call.func.attr == "run_until_complete"
            )
            for arg in record.call.args
        }
        for record in function.calls:
            if id(record.call) in own_loop:
                continue
            if record.target and not record.target.startswith("builtins."):
                found[record.target] = None
            elif record.target is None and isinstance(record.call.func, ast.Attribute):
                # `await storage.read_lease(...)` on an object of unknown type: some project
                # method of that name (see `serving.py`, which decides how many may match).
                found[f"{METHOD_BY_NAME}{record.call.func.attr}"] = None
            for arg in [*record.call.args, *(k.value for k in record.call.keywords)]:
                if id(arg) in own_loop:  # `anyio.run(fetch)`: runs on a loop of its own
                    continue
                if isinstance(arg, (ast.Name, ast.Attribute)):
                    name = self.model.resolve(arg, function)
                    if name and not name.startswith("builtins."):
                        found[name] = None
        for name in _returned_inner_functions(function.node):
            # A factory's endpoint (`return health`): it runs where the factory's result is
            # run (`add_api_route("/health", perform_health_check(runner))`).
            resolved = self.model.resolve(ast.Name(id=name, ctx=ast.Load()), function)
            if resolved:
                found[resolved] = None
        return list(found)

    def _spawns(self, function: FunctionScope) -> list[str]:
        """The project-looking functions it starts as tasks: `asyncio.create_task(poll())`,
        `loop.create_task(...)`, `asyncio.ensure_future(...)`, `tg.start_soon(worker, ...)`."""
        found: dict[str, None] = {}
        for record in function.calls:
            func = record.call.func
            if not (isinstance(func, ast.Attribute) and func.attr in _TASK_STARTERS) or not record.call.args:
                continue
            started = record.call.args[0]
            if isinstance(started, ast.Call):  # a coroutine object: the function it came from
                started = started.func
            if isinstance(started, (ast.Name, ast.Attribute)):
                name = self.model.resolve(started, function)
                if name and not name.startswith("builtins."):
                    found[name] = None
        return list(found)

    # ------------------------------------------------------------------ entries

    def _entries(self) -> None:
        """[qualname, kind, label] for each function this module hands to FastAPI."""
        entries = self.summary.entries
        for function in self.model.functions:
            qualname = self.model.scope_qualname(function)
            if qualname is None:
                continue
            role = self.model.role_of(function.node)
            short = qualname.removeprefix(self.summary.module + ".")
            if role == "route":
                routes = self.model.route_handlers.get(function.node) or []
                if not routes and any(r["handler"] == qualname for r in self.summary.external_routes):
                    continue  # on an imported router: the project labels it (`external_routes`)
                labels = [_route_label(route) for route in routes] or [self._decorator_label(function, short)]
                entries.extend([qualname, "route", label] for label in labels)
            elif role == "dependency":
                entries.append([qualname, "dependency", f"dependency `{short}`"])
            elif role == "callback":
                kind = CALLBACK_KINDS.get(self.model.callback_kind(function.node) or "", "callback")
                entries.append([qualname, kind, f"{kind} `{short}`"])
            elif role == "injected":  # FastAPI parameters: registered where this module cannot see
                entries.append([qualname, "endpoint", f"endpoint `{short}`"])
        for expr, scope, kind in self.model.served_callbacks:
            qualname = self.model.resolve(expr, scope)
            if qualname:
                short = qualname.rsplit(".", 1)[-1]
                label = f"an endpoint made by `{short}()`" if kind == "endpoint factory" else f"{kind} `{short}`"
                entries.append([qualname, kind, label])

    def _decorator_label(self, function: FunctionScope, short: str) -> str:
        """`@router.post("/limits")` on a router the model does not follow (a subclass of
        APIRouter from another module, one built in a function): the decorator's words."""
        for decorator in getattr(function.node, "decorator_list", ()):
            if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute):
                path = self.checker.constant_str(decorator.args[0]) if decorator.args else None
                method = fm.HTTP_METHOD_DECORATORS.get(decorator.func.attr)
                if method is not None and path is not None:  # the router's prefix is unknown
                    return f"route `{short}` (`{method} {path}` on its router)"
        return f"route `{short}`"

    def _call(self, call: ast.Call, ctx: CallContext) -> CallSummary | None:
        # The call's text (`ast.unparse`, the dearest part) only for a call that is kept:
        # most are judged cheap and dropped.
        blocking = classify_blocking_call(call, ctx, self.model)
        if blocking is not None and blocking.code == FILE_IO and self._opens_a_path_argument(call, ctx):
            # `elif isinstance(file, os.PathLike): open(file)` beside branches for bytes and
            # file objects: whether the helper touches a disk is the caller's choice, which
            # a chain from an `async def` does not show (litellm's callers pass buffers).
            display = _text(call.func)
            return CallSummary(_position(call), display, ctx.target, None, "unknown", display + "()", ctx.target)
        if blocking is not None:
            return CallSummary(
                _position(call), _text(call.func), ctx.target, [blocking.code, blocking.api], "blocking",
                f"{blocking.api}()", ctx.target,
            )
        if self.judge is None:
            if ctx.target is None:
                return None
            display = _text(call.func)
            return CallSummary(_position(call), display, ctx.target, None, "unknown", display + "()", ctx.target)
        cost = self.judge.judge(call, ctx)
        if cost.kind == "cheap":
            return None
        display = _text(call.func)
        callee = ctx.target
        if cost.kind == "local" and cost.local is not None:
            scope = self.model.function_scope(cost.local)
            callee = self.model.scope_qualname(scope) if scope is not None else callee
        return CallSummary(_position(call), display, ctx.target, None, cost.kind, cost.api, callee)

    def _opens_a_path_argument(self, call: ast.Call, ctx: CallContext) -> bool:
        """Whether `call` is in the body of an `if isinstance(param, <path type>)` on one of
        the function's own parameters, a branch that opens that parameter
        (`with open(str(file)) as f: f.read()`): a helper that dispatches on what it was
        given. A branch that opens some other file is evidence whatever the caller passes."""
        function = ctx.function
        args = getattr(getattr(function, "node", None), "args", None)
        if args is None:
            return False
        params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        for guard in self.model.call_guards.get(id(call), ()):
            if not isinstance(guard, ast.If) or not guard.body:
                continue
            test = guard.test
            if not (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance"
                    and len(test.args) == 2 and isinstance(test.args[0], ast.Name) and test.args[0].id in params):
                continue
            types = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
            inside = guard.body[0].lineno <= call.lineno <= (guard.body[-1].end_lineno or call.lineno)
            if inside and _branch_opens(guard, test.args[0].id) and any(
                self.model.resolve(t, ctx.scope) in _PATH_TYPES for t in types
            ):
                return True
        return False

    def _external_routes(self, function: FunctionScope, qualname: str) -> None:
        """`@router.get(...)` where `router` was imported from another module, or built
        here from a class imported from another (`router = APIRouter()` with aim's own
        `APIRouter` subclass: the project decides whether that class is a router)."""
        for decorator in getattr(function.node, "decorator_list", ()):
            if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
                continue
            if decorator.func.attr not in ROUTE_DECORATOR_NAMES:
                continue
            scope = function.parent or self.model.module
            router = self._imported_name(decorator.func.value, scope)
            router_class = None if router is not None else self._imported_class_instance(decorator.func.value, scope)
            if router is None and router_class is None:
                continue
            attr = decorator.func.attr
            path_expr = decorator.args[0] if decorator.args else next(
                (k.value for k in decorator.keywords if k.arg == "path"), None
            )
            if attr in fm.HTTP_METHOD_DECORATORS:
                methods = [fm.HTTP_METHOD_DECORATORS[attr]]
            elif attr == "api_route":
                methods_expr = next((k.value for k in decorator.keywords if k.arg == "methods"), None)
                methods = sorted(self.checker._methods_value(methods_expr))
            else:
                methods = []
            self.summary.external_routes.append({
                "router": router, "kind": "websocket" if attr == "websocket" else "http",
                "methods": methods, "path": self.checker.constant_str(path_expr),
                "handler": qualname, "position": _position(decorator), "router_class": router_class,
            })

    def _imported_class_instance(self, expr: ast.expr, scope) -> str | None:
        """The imported class `expr`'s value was built from (`router = Router()`, `Router`
        imported), when the model made no router of it."""
        binding = scope.lookup(expr.id) if isinstance(expr, ast.Name) else None
        if binding is None or binding.kind != "value" or binding.router is not None:
            return None
        if not isinstance(binding.value, ast.Call):
            return None
        return self._imported_name(binding.value.func, scope)

    # ------------------------------------------------------------------ routers

    def _router(self, obj: fm.RouterObject, index: dict[int, int]) -> RouterSummary:
        summary = RouterSummary(
            obj.kind, obj.name, _position(obj.node), obj.prefix, [list(p) for p in obj.builtin_paths],
            obj.opaque, obj.callback_only, obj.scope is self.model.module,
        )
        for event in obj.events:
            same_scope = event.scope is obj.scope
            common = {
                "position": _position(event.node), "same_scope": same_scope,
                "branches": self._branches_of(event.node),
            }
            if isinstance(event, fm.Route):
                summary.events.append({
                    "type": "route", **common, "kind": event.kind, "methods": sorted(event.methods),
                    "path": event.path, "own_prefix": event.own_prefix, "handler": self._handler(event),
                    "custom_matching": fm.has_custom_matching(
                        self.model, fm.ResolvedRoute(event, "", event.methods, event.kind, event.node)
                    ),
                    "answer": _answer_json(event),
                })
                if event.path is None:
                    self._note(event.node, "a route whose path is not a constant string: left out")
            elif isinstance(event, fm.Include):
                child_index = index.get(id(event.child)) if event.child is not None else None
                child_name = None
                if event.child is None:
                    child_name = self._included_name(event)
                summary.events.append({
                    "type": "include", **common, "child": child_index, "child_name": child_name,
                    "prefix": event.prefix, "text": _text(event.node),
                })
                self._note_include(event, child_name, same_scope)
            elif isinstance(event, fm.Mount):
                summary.events.append({"type": "mount", **common, "path": event.path, "text": _text(event.node)})
        return summary

    def _handler(self, route: fm.Route) -> str | None:
        if route.handler is not None:
            scope = self.model.function_scope(route.handler)
            if scope is not None:
                return self.model.scope_qualname(scope)
            if isinstance(route.handler, ast.ClassDef):
                return self.model.local_qualname(route.handler.name)
            return None
        call = route.node
        if isinstance(call, ast.Call):  # `add_api_route("/x", views.handler)`
            endpoint = call.args[1] if len(call.args) > 1 else next(
                (k.value for k in call.keywords if k.arg == "endpoint"), None
            )
            if endpoint is not None:
                return self.model.resolve(endpoint, route.scope or self.model.module)
        return None

    def _included_name(self, include: fm.Include) -> str | None:
        """The qualname of an included router imported from another module."""
        call = include.node
        child = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "router"), None)
        if not isinstance(child, (ast.Name, ast.Attribute)):
            return None
        return self._imported_name(child, include.scope or self.model.module)

    def _imported_name(self, expr: ast.expr, scope) -> str | None:
        """The qualname of `expr` (`items.router`, `router`) when its first name is an import:
        an object of another module."""
        root = expr
        while isinstance(root, ast.Attribute):
            root = root.value
        binding = scope.lookup(root.id) if isinstance(root, ast.Name) else None
        if binding is None or binding.kind != "import":
            return None
        return self.model.resolve(expr, scope)

    def _note_include(self, include: fm.Include, child_name: str | None, same_scope: bool) -> None:
        text = _text(include.node)
        if include.child is None and child_name is None:
            self._note(include.node, f"`{text}`: {self._unresolved_router(include)}: not resolved")
        elif include.prefix is None:
            self._note(include.node, f"`{text}`: the prefix is not a constant string: its routes are left out")
        elif not same_scope:
            self._note(include.node, f"`{text}` runs in another function than the one that built the "
                                     "application: its place in the registration order is unknown")

    def _unresolved_router(self, include: fm.Include) -> str:
        call = include.node
        child = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "router"), None)
        if isinstance(child, ast.Call):
            return "the router is built by a call (a factory)"
        binding = (include.scope or self.model.module).lookup(child.id) if isinstance(child, ast.Name) else None
        if binding is not None and isinstance(binding.node, ast.arg):
            return "the router is a parameter"
        if binding is not None and binding.kind == "value" and binding.value is not None:
            return "the router is a loop variable or computed value"
        return "the included router is not one this project defines"

    def _branches_of(self, node: ast.AST) -> dict[str, str]:
        """The `if`/`match` branches `node` sits in, as `RegistrationBranches.positions`
        gives them, found by descending the statements that contain it (no parent map)."""
        found: dict[str, str] = {}
        body: list[ast.stmt] = self.checker.tree.body
        while body:
            statement = next((s for s in body if _contains(s, node)), None)
            if statement is None:
                break
            key = f"{statement.lineno}:{statement.col_offset}"
            if isinstance(statement, ast.If):
                branch = next((name for name in ("body", "orelse") if _inside(getattr(statement, name), node)), None)
                if branch is None:  # in the condition
                    break
                found[key], body = branch, getattr(statement, branch)
            elif isinstance(statement, ast.Match):
                case = next((c for c in statement.cases if _inside(c.body, node) or _contains(c.pattern, node)), None)
                if case is None:
                    break
                found[key] = f"case {case.pattern.lineno}:{case.pattern.col_offset}"
                body = case.body
            else:
                blocks = [getattr(statement, name, None) or [] for name in ("body", "orelse", "finalbody")]
                blocks += [handler.body for handler in getattr(statement, "handlers", ())]
                body = next((block for block in blocks if _inside(block, node)), [])
        return found




def _route_label(route: fm.Route) -> str:
    """`GET /items/{item_id}` as this module shows it (the project adds include prefixes)."""
    path = route.path if route.path is not None else "<path>"
    prefix = route.owner.prefix if route.own_prefix and route.owner.prefix else ""
    if route.kind == "websocket":
        return f"`WEBSOCKET {prefix}{path}`"
    methods = ",".join(sorted(route.methods - {"HEAD"})) or ",".join(sorted(route.methods)) or "HTTP"
    return f"`{methods} {prefix}{path}`"


def _start(node: ast.AST) -> tuple[int, int]:
    decorators = getattr(node, "decorator_list", None)
    first = decorators[0] if decorators else node
    return first.lineno, first.col_offset


def _contains(outer: ast.AST, node: ast.AST) -> bool:
    end = (getattr(outer, "end_lineno", None) or outer.lineno, getattr(outer, "end_col_offset", None) or 0)
    node_end = (getattr(node, "end_lineno", None) or node.lineno, getattr(node, "end_col_offset", None) or 0)
    return _start(outer) <= (node.lineno, node.col_offset) and node_end <= end


def _inside(block: list[ast.stmt], node: ast.AST) -> bool:
    return any(_contains(statement, node) for statement in block)


def _returned_inner_functions(node: ast.AST) -> list[str]:
    """The names of the functions defined in `node`'s body that its body returns
    (`def make(): async def endpoint(): ...; return endpoint`). Only the body's own
    statements are looked at: the shape of a factory, at the cost of one pass over them."""
    body = getattr(node, "body", None)
    if not isinstance(body, list):  # a lambda's body is an expression
        return []
    inner = {s.name for s in body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if not inner:
        return []
    return [s.value.id for s in body
            if isinstance(s, ast.Return) and isinstance(s.value, ast.Name) and s.value.id in inner]


def _branch_opens(guard: ast.If, name: str) -> bool:
    """Whether a call in the `if`'s body is given the variable `name` (or is its method)."""
    for statement in guard.body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                parts = [*node.args, *(k.value for k in node.keywords)]
                if isinstance(node.func, ast.Attribute):
                    parts.append(node.func.value)
                if any(isinstance(n, ast.Name) and n.id == name for part in parts for n in ast.walk(part)):
                    return True
    return False
