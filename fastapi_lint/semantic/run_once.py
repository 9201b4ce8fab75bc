"""Calls that run once, not on every call of the function around them.

A blocking call that runs once per process (or once per key) is a start-up cost, not a
stall of every request: prefect's `SubprocessASGIServer.start` sleeps while its server
comes up, behind `if not self.running: ... self.running = True`, and is called by
hundreds of `async def`s that each reach that sleep once in the process's life. The
async rules follow chains through such calls as if they were free (FPI110, FPI120).

What the code must show, and nothing else counts:

- a guarded lazy initialisation: the call is in the body of an `if` whose test reads a
  name the body assigns (or a local read from a shared container the body stores into:
  `client = cls._pool.get(key)`, then `if client is None: ... cls._pool[key] = client`),
  or it follows, in the same block (a function's body or an
  `if`'s; not yet a loop's, `with`'s or `try`'s), an `if` without `else` whose
  body returns (`if _client is not None: return _client`) and whose test reads a name
  the statements after it assign; where that name outlives the call and is shared by every
  caller: a class attribute (`cls._client`, `Settings._instance`), a `global`/`nonlocal`
  name, a module-level name the body stores into by subscript (`if key not in _cache:
  _cache[key] = load(key)`), or an attribute of `self` in a class whose `__new__` hands
  out shared instances (a singleton, as prefect's server is). A local flag
  (`if data is None: data = read()`) is reset on every call, and an attribute of an
  ordinary instance is reset with every instance (often one per request), as is one of
  an object passed in (`if stored.password != instance.password: instance.password =
  hash(...)`): none counts;
- a memoised function: `@functools.cache` / `@functools.lru_cache` (any spelling the
  model resolves) runs its body once per distinct arguments.
"""

from __future__ import annotations

import ast
from typing import Callable, Iterable

MEMOISING_DECORATORS = frozenset({"functools.cache", "functools.lru_cache"})

_SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def is_memoised(decorator_targets: Iterable[str | None]) -> bool:
    """Whether one of a function's decorators (as resolved qualnames; a decorator call
    `lru_cache(maxsize=None)` resolves to its callee) memoises it."""
    return any(target in MEMOISING_DECORATORS for target in decorator_targets)


def is_lazy_guard(
    statement: ast.If,
    persistent: Callable[[], set[str]],
    shared_self: bool,
    walrus: bool = True,
    assigning: list[ast.stmt] | None = None,
    looked_up: Callable[[], dict[str, str]] | None = None,
    parameters: frozenset[str] = frozenset(),
) -> bool:
    """Whether `statement`, an `if` of a function's own body, guards a lazy
    initialisation, so that the calls of its body run once. `persistent`: gives the
    function's `declared_persistent` names (asked only when a plain name decides, as
    finding them walks the whole function); `shared_self`: it is a method of a class
    whose `__new__` shares instances; `walrus`: the module may assign in an expression
    (`:=`), so expressions are searched for assignments too. `assigning`: where the
    guarded name must be assigned, when not in the `if`'s body: for an early exit
    (`if _x is not None: return _x`), the statements after it, whose calls it guards.
    `looked_up`: gives the function's `looked_up_names`, so that a test of a local read
    from a shared container (`x = cls._pool.get(key)`, then `if x is None:`) reads that
    container. `parameters`: the function's parameters other than its first (`self`,
    `cls`): an attribute of an object passed in (`instance.password`) belongs to that
    object, made anew by each caller, and guards nothing shared. (The checker records which `if`s each call is under or after, so no
    function is walked for this unless one of its calls is.)"""
    read = {_key(node) for node in ast.walk(statement.test)} - {None}
    if not read:
        return False
    if looked_up is not None and any("." not in key for key in read):
        aliases = looked_up()
        read |= {aliases[key] for key in read if key in aliases}

    def shared(key: str | None) -> bool:
        if key is None or key not in read:
            return False
        if key.startswith("self."):
            return shared_self
        if key.partition(".")[0] in parameters:
            return False  # `if db_obj.password != instance.password: instance.password = ...`
        return "." in key or key in persistent()  # `cls._x`, `Settings._x`, a global

    region = statement.body if assigning is None else assigning
    for node in _own_nodes(region) if walrus else _own_statement_nodes(region):
        for target in _assigned(node):
            if shared(_key(target)):
                return True
            if isinstance(target, ast.Subscript) and shared(_key(target.value)):
                return True
    return False


def looked_up_names(function: ast.AST) -> dict[str, str]:
    """Locals of `function` assigned an item of another value: `x = cls._pool.get(key)` or
    `x = _cache[key]` gives {"x": "cls._pool"} / {"x": "_cache"}."""
    found: dict[str, str] = {}
    for node in _own_statement_nodes(function.body):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        value = node.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "get":
            container = _key(value.func.value)
        elif isinstance(value, ast.Subscript):
            container = _key(value.value)
        else:
            continue
        if container is not None:
            found[node.targets[0].id] = container
    return found


def exits_early(statement: ast.stmt) -> bool:
    """`if <test>: ...; return ...` with no `else`: the statements after it run only when
    the test is false (the early-exit form of a lazy initialisation)."""
    return isinstance(statement, ast.If) and not statement.orelse and isinstance(statement.body[-1], ast.Return)


def declared_persistent(function: ast.AST) -> set[str]:
    """`global` and `nonlocal` names of the function, and every name it never binds
    locally but stores into by subscript (a module-level dict or set, then)."""
    names: set[str] = set()
    local: set[str] = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    stored_into: list[str] = []
    for node in _own_nodes(function.body):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            local.add(node.id)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name):
            stored_into.append(node.value.id)
    names.update(name for name in stored_into if name not in local)
    return names


def _assigned(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        return [node.target]
    if isinstance(node, ast.NamedExpr):
        return [node.target]
    return []


def _key(node: ast.AST) -> str | None:
    """`self.running` -> "self.running", `_client` -> "_client"; other shapes: None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _key(node.value)
        return f"{base}.{node.attr}" if base is not None else None
    return None


def _child_nodes(node: ast.AST) -> list[ast.AST]:
    # `ast.iter_child_nodes`, inlined: this runs for every node of every function walked.
    children: list[ast.AST] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            children.append(value)
        elif isinstance(value, list):
            children.extend(item for item in value if isinstance(item, ast.AST))
    return children


# The fields of a statement that hold statements (`ast.ExceptHandler` and `match_case`
# are not statements but hold bodies).
_BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _child_statements(node: ast.AST) -> list[ast.AST]:
    children: list[ast.AST] = []
    for name in _BODY_FIELDS:
        value = getattr(node, name, None)
        if value:
            children.extend(value)
    return children


def _own(body: list[ast.stmt], children: Callable[[ast.AST], list[ast.AST]]) -> Iterable[ast.AST]:
    """`body` and what `children` gives below it, in source order, not entering nested
    scopes."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _SCOPE_NODES):
            stack.extend(reversed(children(node)))


def _own_nodes(body: list[ast.stmt]) -> Iterable[ast.AST]:
    """Every node of `body`, in source order, not entering nested scopes."""
    return _own(body, _child_nodes)


def _own_statement_nodes(body: list[ast.stmt]) -> Iterable[ast.AST]:
    """The statements of `body`, nested blocks included, not entering nested scopes nor
    expressions: what `_own_nodes` yields that can assign, when no `:=` is written."""
    return _own(body, _child_statements)
