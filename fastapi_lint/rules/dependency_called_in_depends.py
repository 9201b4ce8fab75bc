"""FPI600: `Depends(get_db())`: the dependency is called where it is declared."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..fixes import Applicability, Edit, Fix
from ..semantic.names import DEPENDS_FUNCTIONS
from ..semantic.scopes import Scope
from .base import Rule

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass(frozen=True)
class _Called:
    """What calling the function gives FastAPI instead of a callable."""

    detail: str  # what FastAPI gets, and what follows
    fixable: bool  # the function itself is the dependency: dropping `()` is the fix
    safe: bool = True


class DependencyCalledInDepends(Rule):
    """## What it does
    Checks for `Depends(...)` and `Security(...)` (also inside `Annotated[...]`) whose
    argument is a *call* of a function that is itself a dependency, not a dependency
    factory: `Depends(get_db())` instead of `Depends(get_db)`.

    The called function is reported when it is known (defined in this module or, in a
    whole-project run, in another module of the project) to be:

    - a generator or async generator function (`def get_db(): ... yield db`): calling it
      gives a generator object;
    - an `async def` function: calling it gives a coroutine object;
    - a function whose parameters only FastAPI fills (`Depends()`, `Query()`, `Header()`,
      a `Request`, ...) and that returns only literals or nothing: calling it runs it once,
      with the parameters' default markers (`Depends(...)`, `Header()`) as their values.

    Dependency factories are not reported: `Depends(RateLimiter(times=2))` (a class whose
    instances are called by FastAPI), `Depends(require_role("admin"))` where
    `require_role` returns an inner function, or any function of unknown kind (imported
    from a library).

    ## Why is this bad?
    `Depends()` takes the callable FastAPI should call on every request. With the
    parentheses, the function runs once, when the module is imported, and FastAPI gets its
    return value. Measured on FastAPI 0.165.0: a generator object, an async generator
    object, a coroutine object or a plain value is not callable, and the route decorator
    raises `TypeError: <generator object get_db at 0x...> is not a callable object`: the
    application cannot even be imported. In an `Annotated` alias
    (`Db = Annotated[Session, Depends(get_db())]`) the error is raised by the first route
    that uses the alias. Calling an `async def` function also leaves a coroutine that is
    never awaited. A function that returned `None` gives `Depends(None)`, which FastAPI
    reads as "the parameter's annotation is the dependency": with no annotation, every
    request to the route answers `422` (it asks for `args` and `kwargs` query parameters),
    with `dict` the import fails, with a class FastAPI builds one from the request.

    ## Example
    ```python
    from fastapi import Depends, FastAPI

    app = FastAPI()


    def get_db():
        db = {"items": []}
        yield db


    @app.get("/items")
    def read_items(db: dict = Depends(get_db())):
        return db["items"]
    ```

    Use instead:
    ```python
    from fastapi import Depends, FastAPI

    app = FastAPI()


    def get_db():
        db = {"items": []}
        yield db


    @app.get("/items")
    def read_items(db: dict = Depends(get_db)):
        return db["items"]
    ```

    ## Fix safety
    The fix removes the empty parentheses (`Depends(get_db())` becomes `Depends(get_db)`)
    when the function is defined in this module without decorators and the call has no
    arguments. For a generator or `async def` function it is safe: the code it replaces
    cannot run (the application fails at import), and after it FastAPI calls the
    dependency per request. For a function with FastAPI parameters it is unsafe: when it
    returned `None`, the route did run (with its annotation as the dependency) and now runs
    the function instead. A call with arguments, or of a decorated function or one of
    another module, gets no fix.

    ## References
    - [FastAPI: Dependencies](https://fastapi.tiangolo.com/tutorial/dependencies/)
    - [FastAPI: Advanced Dependencies (parameterized dependencies)](https://fastapi.tiangolo.com/advanced/advanced-dependencies/)
    """

    code = "FPI600"
    name = "dependency-called-in-depends"
    message = "Dependency called inside `Depends()`: FastAPI gets its return value, not the dependency"

    def __init__(self, checker, option_values) -> None:
        super().__init__(checker, option_values)
        self._candidates: list[tuple[ast.Call, ast.Call, str, Scope]] = []

    def visit_call(self, call: ast.Call, ctx) -> None:
        if ctx.target not in DEPENDS_FUNCTIONS:
            return
        argument = call.args[0] if call.args else next(
            (k.value for k in call.keywords if k.arg == "dependency"), None
        )
        if isinstance(argument, ast.Call):
            marker = ctx.target.rpartition(".")[2]
            self._candidates.append((call, argument, marker, ctx.scope))

    def visit_module_end(self) -> None:
        for depends, inner, marker, scope in self._candidates:
            called = self._called(inner, scope)
            if called is None:
                continue
            name = ast.unparse(inner.func)
            message = f"`{name}` is called inside `{marker}()`: {called.detail}; pass `{name}` itself"
            fix = self._fix(inner, called.safe) if called.fixable and not inner.args and not inner.keywords else None
            self.report(inner, message, fix=fix)

    def _called(self, inner: ast.Call, scope: Scope) -> _Called | None:
        func = inner.func
        if isinstance(func, ast.Name):
            binding = scope.lookup(func.id)
            if binding is not None and binding.kind == "function" and isinstance(binding.node, _FUNCTIONS):
                return self._local(binding.node)
        target = self.model.resolve(func, scope)
        if target is None or self.model.is_local(target):
            return None
        return self._imported(target)

    def _local(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> _Called | None:
        function = self.model.function_scope(node)
        if function is None:
            return None
        if node.decorator_list:
            # `@contextmanager`, `@lru_cache`...: what a call returns depends on the decorator.
            return None
        found = _kind(function.yields, function.is_async, fixable=True)
        if found is not None:
            return found
        if self.model._has_fastapi_signature(node) and not _may_return_callable(node):
            return _Called(
                "it runs once at import, with its parameters' markers as values, and FastAPI gets "
                "what it returned instead of a dependency", True, safe=False,
            )
        return None

    def _imported(self, target: str) -> _Called | None:
        project = getattr(self.model.project, "project", None)
        if project is None:
            return None
        summary = project.callable_summary(target)
        if summary is None or isinstance(summary, str):
            return None
        return _kind(summary.yields, summary.is_async, fixable=False)

    def _fix(self, inner: ast.Call, safe: bool) -> Fix:
        lines = self.checker.lines
        start = lines.location(inner.func.end_lineno, inner.func.end_col_offset)
        end = lines.location(inner.end_lineno, inner.end_col_offset)
        name = ast.unparse(inner.func)
        applicability = Applicability.SAFE if safe else Applicability.UNSAFE
        return Fix(f"Pass `{name}` instead of calling it", applicability, (Edit("", start, end),))


def _kind(yields: int, is_async: bool, *, fixable: bool) -> _Called | None:
    if yields:
        what = "an async generator object" if is_async else "a generator object"
    elif is_async:
        what = "a coroutine object (never awaited)"
    else:
        return None
    return _Called(f"FastAPI gets {what}, which is not callable: the route fails with `TypeError` at import", fixable)


def _may_return_callable(node: ast.AST) -> bool:
    """A factory, or unknown: it returns something other than literals and `None`."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        if isinstance(child, _NESTED):
            continue
        if isinstance(child, ast.Return) and child.value is not None:
            if not isinstance(child.value, (ast.Constant, ast.Dict, ast.List, ast.Tuple, ast.Set, ast.JoinedStr)):
                return True  # an inner function, a partial, a value of unknown kind
        stack.extend(ast.iter_child_nodes(child))
    return False
