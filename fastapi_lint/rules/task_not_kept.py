"""FPI130: a task created on the event loop and thrown away at once."""

from __future__ import annotations

import ast

from ..noqa import inline_directive
from .base import Rule

TASK_FACTORIES = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
LOOP_GETTERS = frozenset({"asyncio.get_running_loop", "asyncio.get_event_loop", "asyncio.new_event_loop"})
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# ruff's rule for the same pattern (asyncio-dangling-task): a line that silences it was
# judged by its author already.
RUFF_EQUIVALENT = "RUF006"


class TaskNotKept(Rule):
    """## What it does
    Checks for `asyncio.create_task(...)`, `asyncio.ensure_future(...)` and
    `loop.create_task(...)` (on a loop from `asyncio.get_running_loop()` or
    `asyncio.get_event_loop()`) written as a statement of their own in an `async def`
    that runs on the event loop, so that nothing keeps the task they return.

    ## Why is this bad?
    The event loop keeps only weak references to tasks: as Python's documentation of
    `asyncio.create_task` warns, a task nobody references can disappear mid-execution.
    A task stays alive only through what refers to it: while it waits on a timer or a
    socket, the loop's callback holds it; while it waits on an object that only the task
    itself refers to, nothing does, and the garbage collector destroys it. Measured on
    Python 3.11 with FastAPI 0.165.0: a route that fires
    `asyncio.create_task(sync_to_crm(order_id, signal))`, where the task waits on a
    future only it holds, answers normally; at the next garbage collection the task is
    destroyed while pending (`Task was destroyed but it is pending!`), its `finally`
    block runs and the rest of its work never does. The same task added to a module-level
    set survives. A discarded task also hides its failure: an exception it raises is only
    logged, when the task is collected.

    Not reported: a task that is kept (`task = asyncio.create_task(...)`, added to a set
    or list, returned, passed to `asyncio.gather` or any other call, awaited), tasks of a
    task group (`tg.create_task(...)` in `async with asyncio.TaskGroup() as tg`: the group
    keeps them and waits for them), `background_tasks.add_task(...)`, and calls in a plain
    `def` or code no application serves (see `async-scope`). Unlike the other async
    rules, this one also reports in lifespan, startup and shutdown code by default: a task
    started there runs while the application serves (a poller, a cache warmer), and it is
    lost as easily as one a route starts. A line with `# noqa: RUF006` (ruff's
    `asyncio-dangling-task`, the same check without the served scope) is left alone too:
    its author has judged that task already.

    ## Example
    ```python
    import asyncio

    from fastapi import FastAPI

    app = FastAPI()


    async def sync_to_crm(order_id: int) -> None:
        ...


    @app.post("/orders/{order_id}/sync")
    async def sync_order(order_id: int):
        asyncio.create_task(sync_to_crm(order_id))
        return {"status": "scheduled"}
    ```

    Use instead:
    ```python
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    async def sync_to_crm(order_id: int) -> None:
        ...


    @app.post("/orders/{order_id}/sync")
    async def sync_order(order_id: int, background_tasks: BackgroundTasks):
        background_tasks.add_task(sync_to_crm, order_id)
        return {"status": "scheduled"}
    ```

    `BackgroundTasks` runs the work after the response is sent, within the request. For
    work that must outlive the request, keep the task yourself:

    ```python
    background = set()

    task = asyncio.create_task(sync_to_crm(order_id))
    background.add(task)
    task.add_done_callback(background.discard)
    ```

    or start it in a task group that the application's lifespan owns.

    ## Fix safety
    No fix: where the task should be kept (a set, a task group, `BackgroundTasks`, which
    also changes when the work runs) is the application's decision.

    ## References
    - [ruff: RUF006 asyncio-dangling-task](https://docs.astral.sh/ruff/rules/asyncio-dangling-task/)
    - [Python: `asyncio.create_task`](https://docs.python.org/3/library/asyncio-task.html#asyncio.create_task)
    - [FastAPI: Background Tasks](https://fastapi.tiangolo.com/tutorial/background-tasks/)
    - [FastAPI: Lifespan Events](https://fastapi.tiangolo.com/advanced/events/)
    """

    code = "FPI130"
    name = "task-not-kept"
    message = "Task created and not kept"
    async_code = True
    # A task started in a lifespan or startup handler runs while the application serves,
    # and is lost as easily as one a route starts.
    reports_startup_code = True

    def __init__(self, checker, option_values) -> None:
        super().__init__(checker, option_values)
        self._statements: dict[int, set[int]] = {}  # id(function node) -> ids of bare calls

    def visit_call(self, call: ast.Call, ctx) -> None:
        if not ctx.on_event_loop or ctx.awaited or ctx.function is None:
            return
        spelling = self._task_factory(call, ctx)
        if spelling is None:
            return
        owner = ctx.function.runs_within() or ctx.function
        if id(call) not in self._bare_calls(owner.node) or self._silenced_for_ruff(call):
            return
        self.report(
            call,
            f"The task `{spelling}()` returns is not kept: the event loop holds only a weak "
            "reference, so it can be garbage-collected before it finishes; use `BackgroundTasks`, "
            "keep it in a set (`add_done_callback(tasks.discard)`) or a task group",
        )

    def _silenced_for_ruff(self, call: ast.Call) -> bool:
        directive = inline_directive(self.checker.lines.line(call.lineno))
        return isinstance(directive, frozenset) and RUFF_EQUIVALENT in directive

    def _bare_calls(self, function: ast.AST) -> set[int]:
        """The calls that are whole expression statements of `function`'s own body."""
        found = self._statements.get(id(function))
        if found is None:
            found = set()
            stack = list(getattr(function, "body", ()))
            while stack:
                node = stack.pop()
                if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                    found.add(id(node.value))
                for child in ast.iter_child_nodes(node):
                    if not isinstance(child, _NESTED):
                        stack.append(child)
            self._statements[id(function)] = found
        return found

    def _task_factory(self, call: ast.Call, ctx) -> str | None:
        if ctx.target in TASK_FACTORIES:
            return ast.unparse(call.func)
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "create_task" and self._is_loop(func.value, ctx):
            return ast.unparse(func)
        return None

    def _is_loop(self, expr: ast.expr, ctx) -> bool:
        if isinstance(expr, ast.Call):
            return self.model.resolve(expr.func, ctx.scope) in LOOP_GETTERS
        if not isinstance(expr, ast.Name):
            return False
        # `loop = asyncio.get_running_loop()` in this function, or at module level.
        function = (ctx.function.runs_within() or ctx.function).node
        candidates = [*ast.walk(function), *self.checker.tree.body]
        return any(
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == expr.id for t in node.targets)
            and isinstance(node.value, ast.Call)
            and self.model.resolve(node.value.func, self.model.module) in LOOP_GETTERS
            for node in candidates
        )
