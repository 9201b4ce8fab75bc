"""Objects that break when used from another thread than the one that made them.

- `sqlite3` connections and their cursors raise `ProgrammingError` in another thread,
  unless the connection was opened with `check_same_thread=False`;
- a `scoped_session` registry hands each thread its own session, so in a worker thread
  its methods act on another (empty) session.

FPI100-FPI104 refuse to offload a method call on such an object (`_offload.py`); FPI110
refuses to offload a helper call that is passed one, since the whole helper then runs in
the worker thread.
"""

from __future__ import annotations

import ast

SCOPED_SESSION = "sqlalchemy.orm.scoped_session"
_THREAD_BOUND_TYPES = frozenset({"sqlite3.Connection", "sqlite3.Cursor", SCOPED_SESSION})
_MAX_DEPTH = 8


def sqlite_connect_for_any_thread(call: ast.Call, target: str | None) -> bool:
    """`sqlite3.connect(path, check_same_thread=False)`: usable from any thread."""
    return target == "sqlite3.connect" and any(
        k.arg == "check_same_thread" and isinstance(k.value, ast.Constant) and k.value.value is False
        for k in call.keywords
    )


def passes_thread_bound_object(call: ast.Call, scope, model, module_tree: ast.AST) -> bool:
    """An argument of `call` is a thread-bound object not known to be usable from any thread."""
    for value in _argument_values(call):
        kind = model.infer_type(value, scope)
        if kind not in _THREAD_BOUND_TYPES:
            continue
        if kind == SCOPED_SESSION or not _sqlite_for_any_thread(value, scope, model, module_tree, 0):
            return True
    return False


def _sqlite_for_any_thread(value: ast.expr, scope, model, module_tree: ast.AST, depth: int) -> bool:
    """Every way `value` can have been made is `sqlite3.connect(..., check_same_thread=False)`,
    or a cursor of such a connection (`conn.cursor()`, `conn.execute(...)`)."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(value, ast.Call):
        target = model.resolve(value.func, scope)
        if target == "sqlite3.connect":
            return sqlite_connect_for_any_thread(value, target)
        if isinstance(value.func, ast.Attribute) and (target or "").startswith("sqlite3.Connection."):
            return _sqlite_for_any_thread(value.func.value, scope, model, module_tree, depth + 1)
        return False
    if isinstance(value, ast.Name):
        sources = _assigned_values(_owner_node(scope, value.id, module_tree), value.id)
        # A parameter (a `Depends` result, say) has no source here: where it was made is unknown.
        return bool(sources) and all(
            source is not None and _sqlite_for_any_thread(source, scope, model, module_tree, depth + 1)
            for source in sources
        )
    return False


def _argument_values(call: ast.Call) -> list[ast.expr]:
    values = [arg.value if isinstance(arg, ast.Starred) else arg for arg in call.args]
    return values + [keyword.value for keyword in call.keywords]


def _owner_node(scope, name: str, module_tree: ast.AST) -> ast.AST | None:
    """The function (or module) whose namespace binds `name` as `scope` sees it."""
    binding = scope.lookup(name)
    current = scope
    while binding is not None and current is not None:
        if current.bindings.get(name) is binding:
            return current.node if current.node is not None else module_tree
        current = current.parent
    return None


def _assigned_values(owner: ast.AST | None, name: str) -> list[ast.expr | None]:
    """What `name` is bound to in `owner`'s own body (not in nested functions or classes);
    None for a binding whose value is unknown here (a parameter, a loop target, unpacking)."""
    if owner is None:
        return []
    values: list[ast.expr | None] = []
    if isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)):
        arguments = owner.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
        values.extend(None for arg in every if arg is not None and arg.arg == name)
        pending = list(owner.body)
    else:
        pending = list(ast.iter_child_nodes(owner))
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    values.append(node.value)
                elif _binds(target, name):
                    values.append(None)
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and isinstance(node.target, ast.Name):
            if node.target.id == name and node.value is not None:
                values.append(node.value)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None and _binds(node.optional_vars, name):
            # `with sqlite3.connect(...) as conn`: a connection's `__enter__` returns itself.
            values.append(node.context_expr if isinstance(node.optional_vars, ast.Name) else None)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.AugAssign)) and _binds(node.target, name):
            values.append(None)
        pending.extend(ast.iter_child_nodes(node))
    return values


def _binds(target: ast.AST, name: str) -> bool:
    return any(isinstance(node, ast.Name) and node.id == name for node in ast.walk(target))
