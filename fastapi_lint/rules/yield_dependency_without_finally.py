"""FPI601: a `yield` dependency whose cleanup after the `yield` is not in `finally`."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..fixes import Applicability, Edit, Fix
from ..diagnostics import Location
from .base import Rule

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# Methods that release what a dependency opened: sessions, connections, clients, pools.
CLEANUP_METHODS = frozenset(
    {
        "close", "aclose", "disconnect", "dispose", "release", "shutdown", "terminate",
        "quit", "cleanup", "remove", "putconn", "release_connection", "__exit__", "__aexit__",
    }
)
# Roles under which FastAPI runs a generator function as a dependency.
_DEPENDENCY_ROLES = frozenset({"dependency", "injected"})


@dataclass
class _Cleanup:
    statement: ast.stmt
    call: ast.Call
    text: str  # `db.close()`


class YieldDependencyWithoutFinally(Rule):
    """## What it does
    Checks for dependencies with `yield` that open a resource (a database session, a
    connection, a client: a local variable assigned from a call before the `yield`) and
    release it after the `yield` (`db.close()`, `await conn.close()`,
    `pool.release(conn)`, ...), with the `yield` neither inside a `try` that has a
    `finally` or an `except` clause, nor inside a `with` / `async with` block.

    A function counts as a dependency when it is used in `Depends(...)` / `Security(...)`
    (in this module or, in a whole-project run, in another one) or when its signature has
    parameters only FastAPI fills. Test code is left alone (unless `async-scope = "all"`):
    an application a test builds lives for one test.

    ## Why is this bad?
    FastAPI runs a `yield` dependency's code after the `yield` once the response is
    done. When the endpoint (or a later dependency) raises, FastAPI throws that exception
    into the dependency at the `yield`. Measured on FastAPI 0.165.0: with
    `db = SessionLocal(); yield db; db.close()`, a request whose endpoint raises
    `HTTPException(404)` answers 404 and a `ValueError` answers 500, and in both cases
    `db.close()` never runs: the session (and its pooled connection) leaks on every failed
    request, until the pool is exhausted and every request waits. With `try:` / `finally:`
    around the `yield`, or `with SessionLocal() as db: yield db`, the cleanup runs in
    all three cases.

    ## Example
    ```python
    from fastapi import Depends, FastAPI, HTTPException

    from .database import SessionLocal

    app = FastAPI()


    def get_db():
        db = SessionLocal()
        yield db
        db.close()


    @app.get("/items/{item_id}")
    def read_item(item_id: int, db=Depends(get_db)):
        raise HTTPException(status_code=404)
    ```

    Use instead:
    ```python
    from fastapi import Depends, FastAPI, HTTPException

    from .database import SessionLocal

    app = FastAPI()


    def get_db():
        db = SessionLocal()
        try:
            yield db
        finally:
            db.close()


    @app.get("/items/{item_id}")
    def read_item(item_id: int, db=Depends(get_db)):
        raise HTTPException(status_code=404)
    ```

    ## Fix safety
    The fix wraps the `yield` in `try:` and moves the cleanup into `finally:`. It is
    offered only when the `yield` is a statement of the function's own body and everything
    after it is cleanup calls, so that no other code (a `commit()`) moves into `finally`.
    It is unsafe: the cleanup now also runs when the endpoint raises, which is the point,
    but an exception the cleanup raises there replaces the endpoint's.

    ## References
    - [FastAPI: Dependencies with yield](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/)
    - [FastAPI: SQL databases, create a session dependency](https://fastapi.tiangolo.com/tutorial/sql-databases/)
    """

    code = "FPI601"
    name = "yield-dependency-without-finally"
    # A test's application lives for one test: a leaked session there is not a pool
    # that runs dry in production (FastAPI's own tests judged: false).
    skips_test_code = True
    message = "Dependency releases a resource after `yield` without `finally`: it leaks when the endpoint raises"

    def visit_module_end(self) -> None:
        for function in self.model.functions:
            node = function.node
            if not isinstance(node, _FUNCTIONS) or not function.yields:
                continue
            if self.model.role_of(node) not in _DEPENDENCY_ROLES:
                continue
            opened = _opened_names(node)
            if not opened:
                continue
            for path in _own_yields(node):
                yield_node, ancestors = path[-1], path[:-1]
                if any(_protects(parent, child) for parent, child in zip(ancestors, path[1:])):
                    continue
                statement = _statement_of(path)
                after = _following_statements(node, path)
                cleanups = [c for c in (_cleanup(s, opened) for s in after) if c is not None]
                if not cleanups:
                    continue
                shown = ", ".join(f"`{c.text}`" for c in cleanups[:2])
                message = (
                    f"Dependency `{node.name}` releases what it opened after `yield` without `finally`: "
                    f"when the endpoint raises, {shown} never runs"
                )
                fix = self._fix(node, statement, after, cleanups)
                self.report(statement if statement is not None else yield_node, message, fix=fix)

    def _fix(self, function: ast.AST, statement: ast.stmt | None, after: list[ast.stmt], cleanups) -> Fix | None:
        if statement is None or statement not in function.body or len(cleanups) != len(after):
            return None
        body = function.body
        index = body.index(statement)
        if body[index + 1 :] != after:
            return None
        lines = self.checker.lines
        first, last = statement.lineno, after[-1].end_lineno
        if any(s.lineno != s.end_lineno for s in [statement, *after]):
            return None
        indent = lines.line(first)[: statement.col_offset]
        if indent.strip() or any(lines.line(s.lineno)[: s.col_offset] != indent for s in after):
            return None
        edits = [Edit(f"{indent}try:\n", Location(first, 1), Location(first, 1))]
        for row in range(first, last + 1):
            if not lines.line(row).strip():
                continue
            prefix = f"{indent}finally:\n" if row == after[0].lineno else ""
            edits.append(Edit(prefix + "    ", Location(row, 1), Location(row, 1)))
        return Fix("Move the cleanup into `try` / `finally`", Applicability.UNSAFE, tuple(edits))


def _own_yields(function: ast.AST):
    """Each `yield` of `function`'s own body, as the path of nodes from the function to it."""
    stack = [[function]]
    while stack:
        path = stack.pop()
        for child in ast.iter_child_nodes(path[-1]):
            if isinstance(child, _NESTED):
                continue
            if isinstance(child, (ast.Yield, ast.YieldFrom)):
                yield [*path, child]
            stack.append([*path, child])


def _protects(parent: ast.AST, child: ast.AST) -> bool:
    """Whether `parent` runs code for `child` when an exception is thrown into it."""
    if isinstance(parent, (ast.With, ast.AsyncWith)):
        return child in parent.body
    if isinstance(parent, ast.Try) or type(parent).__name__ == "TryStar":
        if parent.finalbody:
            return child not in parent.finalbody
        # `except` clauses decide for themselves (log and re-raise, roll back...).
        return child in parent.body and bool(parent.handlers)
    return False


def _statement_of(path: list[ast.AST]) -> ast.stmt | None:
    """The innermost statement holding the `yield` (`yield db`, `x = yield y`)."""
    for node in reversed(path):
        if isinstance(node, ast.stmt):
            return None if isinstance(node, _FUNCTIONS) else node
    return None


def _following_statements(function: ast.AST, path: list[ast.AST]) -> list[ast.stmt]:
    """Statements that run after the one holding the `yield`, in its block and the enclosing ones."""
    after: list[ast.stmt] = []
    for parent, child in zip(reversed(path[:-1]), reversed(path[1:])):
        if not isinstance(child, ast.stmt):
            continue
        for _name, value in ast.iter_fields(parent):
            if isinstance(value, list) and child in value:
                after.extend(value[value.index(child) + 1 :])
        if parent is function:
            break
    return after


def _opened_names(function: ast.AST) -> set[str]:
    """Local names bound to a call's result (`db = SessionLocal()`, `conn = await pool.acquire()`)."""
    names: set[str] = set()
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, _NESTED):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            value = node.value.value if isinstance(node.value, ast.Await) else node.value
            if isinstance(value, ast.Call):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names.update(t.id for t in targets if isinstance(t, ast.Name))
        stack.extend(ast.iter_child_nodes(node))
    return names


def _cleanup(statement: ast.stmt, opened: set[str]) -> _Cleanup | None:
    """`db.close()`, `await conn.close()`, `pool.release(conn)` on something the function opened."""
    if not isinstance(statement, ast.Expr):
        return None
    call = statement.value.value if isinstance(statement.value, ast.Await) else statement.value
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return None
    if call.func.attr not in CLEANUP_METHODS:
        return None
    receiver = call.func.value
    uses = [receiver, *call.args]
    if not any(isinstance(u, ast.Name) and u.id in opened for u in uses):
        return None
    return _Cleanup(statement, call, ast.unparse(statement.value))
