"""FPI121: an `async def` that is not a FastAPI route or dependency and never awaits."""

from __future__ import annotations

import ast

from ..semantic.scopes import FunctionScope
from ._async_functions import is_stub, never_awaits
from .base import Option, Rule

_ALWAYS_EXEMPT_DECORATORS = frozenset(
    {
        "abc.abstractmethod",
        "typing.overload",
        "typing.override",
        "contextlib.asynccontextmanager",
        # Async fixtures and tests run in an event loop that the test may rely on.
        "pytest.fixture",
        "pytest_asyncio.fixture",
    }
)


class AsyncFunctionNeverAwaits(Rule):
    """## What it does
    Checks for `async def` functions that never `await`, `async for` or `async with`,
    other than FastAPI route handlers, dependencies and callbacks (see FPI120 for those).

    ## Why is this bad?
    An `async def` that never awaits is a synchronous function that every caller must
    `await`. When FastAPI runs it (a background task, a callback), it runs on the event
    loop, so any slow work in it stalls every request; as a plain `def`, FastAPI and
    Starlette run it in the threadpool instead. It usually means an `await` was
    forgotten, or that the function was made `async` by habit.

    Not in the default selection: most `async def`s that never await are harmless
    (cheap work, or an interface that requires a coroutine), and on 15 real FastAPI
    applications 1 of 21 judged findings was worth changing. Select it to audit a code
    base; FPI120 (also opt-in) covers routes and dependencies that never await and may block.

    Not reported, because `async` is required or meaningful there: async generators,
    `@abstractmethod` and `@overload` functions, methods of classes that derive from
    another class (they may implement an async interface), async dunder methods
    (`__aenter__`, `__call__`, ...), stubs whose body is only `...`, `pass` or
    `raise NotImplementedError`, test functions (`test*`) and pytest fixtures (an async
    test may need the running loop even when it awaits nothing), functions passed by
    reference to a call (the callee may require a coroutine function, as ASGI's
    `receive`/`send` do; passing one to
    `BackgroundTasks.add_task`, which accepts both, does not count), functions whose
    signature only FastAPI can fill (`Depends()`, `Header()`, a `Request` parameter...:
    endpoints and dependencies registered in another module, FPI120's business), functions
    another module of a checked project registers as a route or dependency or passes by
    reference, and functions with a decorator listed in `ignore-decorators`.

    ## Example
    ```python
    async def render_receipt(order: dict) -> str:
        return f"Order {order['id']}: {order['total']}"
    ```

    Use instead:
    ```python
    def render_receipt(order: dict) -> str:
        return f"Order {order['id']}: {order['total']}"
    ```

    ## Options
    - `ignore-decorators`: decorators (qualified names such as `"celery.shared_task"`, or
      the dotted text written in the source such as `"app.task"`) whose functions must be
      `async def` whatever they do.

    ## References
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    - [Python: Coroutines and Tasks](https://docs.python.org/3/library/asyncio-task.html)
    """

    code = "FPI121"
    async_code = True
    # Measured on 15 real applications: 1 of 21 judged findings was right (its docs say so).
    default_enabled = False
    name = "async-function-never-awaits"
    options = (
        Option("ignore-decorators", [], "Decorators whose functions must stay `async def`."),
    )

    def visit_module_end(self) -> None:
        for function in self.model.functions:
            if not never_awaits(function) or self.model.role_of(function.node) is not None:
                continue
            if self._exempt(function):
                continue
            self.report_def(
                function.node,
                f"`async def {function.name}` never awaits: make it a plain `def` "
                f"(and drop the `await` at its call sites), or await what it was meant to",
            )

    def _exempt(self, function: FunctionScope) -> bool:
        node = function.node
        name = function.name
        if name.startswith("__") and name.endswith("__"):
            return True
        if name.startswith("test"):
            return True  # pytest collects `test*`: an async test may need the running loop
        if is_stub(node):
            return True
        if node in self.model.passed_by_reference:
            return True
        class_scope = function.class_scope
        if class_scope is not None:
            bases = [b for b in class_scope.node.bases if not (isinstance(b, ast.Name) and b.id == "object")]
            if bases:
                return True
        ignored = set(self.option_values.get("ignore-decorators", []))
        for decorator in node.decorator_list:
            expr = decorator.func if isinstance(decorator, ast.Call) else decorator
            qualname = self.model.resolve(expr, function.parent or self.model.module)
            if qualname in _ALWAYS_EXEMPT_DECORATORS or qualname in ignored:
                return True
            if ast.unparse(expr) in ignored:
                return True
        return False
