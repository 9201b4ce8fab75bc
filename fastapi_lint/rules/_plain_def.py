"""FPI120's fix: `async def` -> `def`, so that FastAPI runs the function in its threadpool.

Removing `async ` is correct only when nothing depends on the function being a coroutine
function. What this module can see is checked, and in a project what other modules'
summaries say of it (`_project_uses.py`); a file checked alone is judged alone:

- FastAPI itself: routes, dependencies (`Depends`/`Security`, also `dependency_overrides`)
  and exception handlers accept both kinds and run a plain `def` in the threadpool. Not
  websocket endpoints (FastAPI awaits them), nor `on_event` handlers (a plain `def` one
  still runs on the event loop) or `@app.middleware` functions (awaited).
- Every other decorator may wrap the function in something that awaits it: no fix.
- Every reference to the function must be one of those registrations; anything else
  (`await handler()`, `asyncio.create_task(handler())`, passing it around) means no fix.
  An `async def __call__` of a dependency class is judged through the class's instances.
  In a project, so are the other modules' imports, calls and references of the function
  (or of the class, for `__call__`).
- The body must not need the event loop's thread: no `asyncio`/`anyio`/`trio` API
  (`asyncio.get_running_loop()`, `create_task()` raise in a worker thread), and no
  `ContextVar.set()`, whose value a sync dependency sets in a copy of the context that the
  endpoint never sees.
"""

from __future__ import annotations

import ast

from ..fixes import Applicability, Edit, Fix
from ..semantic.model import ROUTE_DECORATOR_NAMES
from ..semantic.names import DEPENDS_FUNCTIONS
from ._await_sites import SourceText, parent_map
from ._project_uses import used_in_other_modules

_REGISTRATION_DECORATORS = (ROUTE_DECORATOR_NAMES - {"websocket"}) | {"exception_handler"}
# `app.add_api_route(path, endpoint)`, `app.add_exception_handler(exc, handler)`.
_REGISTRATION_METHODS = {"add_api_route": ("endpoint", 1), "add_exception_handler": ("handler", 1)}
_LOOP_BOUND_MODULES = ("asyncio", "anyio", "trio", "sniffio")


class PlainDefFixer:
    def __init__(self, rule) -> None:
        self.rule = rule
        self.model = rule.model
        self.tree = rule.checker.tree
        self._parents: dict[int, ast.AST] | None = None
        self._text: SourceText | None = None

    @property
    def parents(self) -> dict[int, ast.AST]:
        if self._parents is None:
            self._parents = parent_map(self.tree)
        return self._parents

    def fix_for(self, function) -> Fix | None:
        node = function.node
        if not isinstance(node, ast.AsyncFunctionDef) or not self._registrations_allow(node):
            return None
        if not self._references_allow(node) or not self._body_allows(node, function):
            return None
        if self._used_elsewhere(function):
            return None
        edit = self._remove_async_keyword(node)
        if edit is None:
            return None
        return Fix("Make it a plain `def`", Applicability.UNSAFE, (edit,))

    # ------------------------------------------------------------------ registrations

    def _registrations_allow(self, node: ast.AsyncFunctionDef) -> bool:
        for route in self.model.route_handlers.get(node, ()):
            if route.kind != "http":
                return False
        return only_registration_decorators(node)

    # ------------------------------------------------------------------ references

    def _references_allow(self, node: ast.AsyncFunctionDef) -> bool:
        owner = self.parents.get(id(node))
        if isinstance(owner, ast.ClassDef):
            return node.name == "__call__" and self._instances_only_injected(owner)
        return all(self._is_registration(use) for use in self._loads_of(node.name))

    def _used_elsewhere(self, function) -> bool:
        context = self.model.project
        if context is None:
            return False  # a file checked alone: what it shows is all there is
        qualname = self.model.scope_qualname(function)
        if qualname is None:
            return True
        watched = {qualname}
        if function.name == "__call__":  # instances of the class may be awaited elsewhere
            watched.add(qualname.rpartition(".")[0])
        return used_in_other_modules(context, watched)

    def _loads_of(self, name: str) -> list[ast.Name]:
        return [
            node for node in ast.walk(self.tree)
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
        ]

    def _is_registration(self, use: ast.expr) -> bool:
        parent = self.parents.get(id(use))
        if isinstance(parent, ast.keyword):
            call = self.parents.get(id(parent))
            if parent.arg == "dependency":
                return self._is_depends(call)
            method = _REGISTRATION_METHODS.get(_method_name(call))
            return method is not None and parent.arg == method[0]
        if isinstance(parent, ast.Call) and use in parent.args:
            if self._is_depends(parent):
                return parent.args[0] is use
            method = _REGISTRATION_METHODS.get(_method_name(parent))
            if method is not None:
                return len(parent.args) > method[1] and parent.args[method[1]] is use
            # `app.get("/items")(handler)`
            decorator = parent.func
            return isinstance(decorator, ast.Call) and _method_name(decorator) in _REGISTRATION_DECORATORS
        if isinstance(parent, ast.Dict) and use in parent.values:
            keyword = self.parents.get(id(parent))
            return isinstance(keyword, ast.keyword) and keyword.arg == "exception_handlers"
        # `app.dependency_overrides[dependency] = override`
        if isinstance(parent, ast.Subscript) and parent.slice is use:
            return _is_overrides(parent.value)
        if isinstance(parent, ast.Assign) and parent.value is use:
            return all(isinstance(t, ast.Subscript) and _is_overrides(t.value) for t in parent.targets)
        return False

    def _is_depends(self, call: ast.AST | None) -> bool:
        return isinstance(call, ast.Call) and self.model.resolve(call.func, self.model.module) in DEPENDS_FUNCTIONS

    def _instances_only_injected(self, cls: ast.ClassDef) -> bool:
        """`checker = RoleChecker("admin")` used only as `Depends(checker)` (or
        `Depends(RoleChecker("admin"))`): FastAPI is the only caller of `__call__`."""
        if self.parents.get(id(cls)) is not self.tree:
            return False
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Attribute) and node.attr == "__call__":
                return False
        for node in ast.walk(cls):  # `await self(...)`
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "self":
                return False
        for use in self._loads_of(cls.name):
            construction = self.parents.get(id(use))
            if not isinstance(construction, ast.Call) or construction.func is not use:
                return False
            if self._is_registration(construction):
                continue
            assignment = self.parents.get(id(construction))
            if not (
                isinstance(assignment, ast.Assign)
                and len(assignment.targets) == 1
                and isinstance(assignment.targets[0], ast.Name)
                and all(self._is_registration(n) for n in self._loads_of(assignment.targets[0].id))
            ):
                return False
        return True

    # ------------------------------------------------------------------ body

    def _body_allows(self, node: ast.AsyncFunctionDef, function) -> bool:
        for sub in _own_body_nodes(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                binding = function.lookup(sub.id)
                if binding is not None and binding.kind == "import" and _root(binding.qualname) in _LOOP_BOUND_MODULES:
                    return False
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "set":
                if self._is_context_var(sub.func.value, function):
                    return False
        return True

    def _is_context_var(self, expr: ast.expr, function) -> bool:
        if not isinstance(expr, ast.Name):
            return False
        binding = function.lookup(expr.id)
        value = getattr(binding, "value", None)
        if not isinstance(value, ast.Call):
            return False
        return self.model.resolve(value.func, self.model.module) == "contextvars.ContextVar"

    # ------------------------------------------------------------------ the edit

    def _remove_async_keyword(self, node: ast.AsyncFunctionDef) -> Edit | None:
        """Delete `async` and the blanks after it, when `def` follows on the same line."""
        if self._text is None:
            self._text = SourceText(self.rule.checker.lines)
        text = self._text
        start = text.start(node)
        if not text.text.startswith("async", start):
            return None
        index = start + len("async")
        while index < len(text.text) and text.text[index] in " \t":
            index += 1
        if index == start + len("async") or not text.text.startswith("def", index):
            return None
        return Edit("", text.location(start), text.location(index))


def _own_body_nodes(node: ast.AsyncFunctionDef):
    """Nodes of the function's body, not of nested `async def`s (which stay async)."""
    pending = list(node.body)
    while pending:
        current = pending.pop()
        yield current
        if isinstance(current, ast.AsyncFunctionDef):
            continue
        pending.extend(ast.iter_child_nodes(current))


def _root(qualname: str | None) -> str:
    return (qualname or "").split(".")[0]


def _method_name(call: ast.AST | None) -> str | None:
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _is_overrides(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Attribute) and expr.attr == "dependency_overrides"


def only_registration_decorators(node: ast.AST, also: frozenset[str] = frozenset()) -> bool:
    """Every decorator of `node` registers it (`@app.get(...)`, `@router.post(...)`, and the
    method names in `also`): none wraps it in something that may await it."""
    for decorator in getattr(node, "decorator_list", ()):
        func = decorator.func if isinstance(decorator, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and (func.attr in _REGISTRATION_DECORATORS or func.attr in also)):
            return False
    return True
