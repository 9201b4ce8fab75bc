"""What a route handler does that shows it creates a resource (used by FPI300).

Names say what a handler is meant to do; its body says what it does. A handler named
`create_item` that returns its request body unchanged creates nothing, and one that hands
the work to a background task has not created anything yet when it answers. The kinds of
evidence, and why each counts, are listed in FPI300's docs (`## What it does`): this
module is that list. *Strong* evidence (a persistence call) outweighs an action word in
the route's name; the rest does not.

Same-module functions the handler calls are followed (their bodies are visible, so they
decide); imported ones are judged by their names: the project summaries keep the calls
FPI120 needs (those that may block), not a function's persistence, so a whole-project run
has nothing cheaper to look at.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from typing import Callable, Iterator

from ..semantic.scopes import Scope

STRONG_METHODS = frozenset({
    "add", "add_all", "insert", "insert_one", "insert_many", "bulk_create", "bulk_save_objects",
    "bulk_insert_mappings", "put_item", "persist",
})
SAVING_METHODS = frozenset({"create", "save"})
CREATION_VERBS = frozenset({"create", "add", "insert", "save", "register"})
# Words that make a name a question about a creation (`can_create_item`), not one.
_PREDICATES = frozenset({"can", "is", "has", "should", "may", "must", "allow", "allowed"})
# What `create_*` / `add_*` builds when it is infrastructure, not a resource of the API
# (`create_engine`, `add_middleware`, `create_all`): the words after the verb.
NOT_RESOURCES = frozenset({
    "all", "app", "engine", "async_engine", "session", "async_session", "client", "connection",
    "pool", "model", "middleware", "api_route", "route", "api_websocket_route", "websocket_route",
    "exception_handler", "event_handler", "header", "headers", "response", "index", "indexes",
    "table", "tables", "schema", "done_callback", "signal_handler", "argument", "logger",
})
# Schedulers, with the position of the callable they are given (celery's `task.delay`
# carries the task as its receiver instead).
BACKGROUND_CALLS = {
    "add_task": 0, "create_task": 0, "ensure_future": 0, "start_soon": 0, "enqueue": 0,
    "enqueue_job": 0, "send_task": 0, "BackgroundTask": 0,
}
TASK_METHODS = frozenset({"delay", "apply_async", "kiq"})
# Offloads the handler awaits: the callable runs as part of the request.
OFFLOAD_CALLS = {"to_thread": 0, "run_in_threadpool": 0, "run_sync": 0, "run_in_executor": 1}
# Framework code named `add_*` / `create_*` (`app.add_middleware`, `create_model`).
_LIBRARY_ROOTS = frozenset({"fastapi", "starlette", "pydantic", "sqlalchemy", "sqlmodel"})
_INSERT_SQL = re.compile(r"\bINSERT\s+(?:OR\s+\w+\s+)?INTO\s", re.IGNORECASE)
_ID_KEYS = frozenset({"id", "_id", "uuid", "pk"})
_ID_GENERATORS = re.compile(r"^(uuid[0-9]?|ulid|ObjectId|token_hex|token_urlsafe|nanoid|next)$")
_STORING_METHODS = frozenset({"append", "extend", "add", "insert", "update", "setdefault"})
_CONTAINERS = frozenset({"builtins.list", "builtins.dict", "builtins.set"})
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


@dataclass(frozen=True)
class Evidence:
    strong: bool
    what: str  # as the message shows it: "`session.add()`"
    helper: str | None = None  # the same-module function it is in, when not the handler

    def describe(self) -> str:
        return self.what if self.helper is None else f"{self.what} in `{self.helper}()`"


@dataclass
class Findings:
    own: list[Evidence]
    deferred: list[Evidence]

    def best_own(self) -> Evidence | None:
        return next((e for e in self.own if e.strong), self.own[0] if self.own else None)


class CreationEvidence:
    """Evidence of creation in a handler; `is_action(word)` tells action words apart
    (`create_access_token` creates no resource)."""

    _MAX_HELPER_DEPTH = 3

    def __init__(self, model, is_action: Callable[[str], bool]) -> None:
        self.model = model
        self.is_action = is_action

    def of(self, function: ast.AST) -> Findings:
        findings = Findings([], [])
        self._collect(function, findings.own, findings.deferred, depth=0, seen={function})
        findings.own.extend(self._returned_identity(function))
        return findings

    # ------------------------------------------------------------------ the walk

    def _collect(self, function: ast.AST, own: list, deferred: list, depth: int, seen: set) -> None:
        """Evidence in `function`'s own work goes to `own`, in what it schedules to
        `deferred` (for scheduled work itself, both are the deferred list)."""
        scope = self._scope(function)
        scheduled: list[ast.expr] = []
        mine: list[Evidence] = []
        for node in _own_work(function, scheduled):
            self._judge_node(node, scope, mine, deferred, depth, seen)
        # Where a helper's evidence is: `db.add()` in `save_category_row()`.
        helper = function.name if depth else None
        own.extend(e if e.helper else Evidence(e.strong, e.what, helper) for e in mine)
        for work in scheduled:
            found: list[Evidence] = []
            self._judge_callable(work, scope, found, found, depth, seen)
            if found:
                callee = work.func if isinstance(work, ast.Call) else work
                named = f"`{_display(callee)}()`"
                inner = found[0].what if found[0].helper == _last_name(callee) else found[0].describe()
                what = named if inner == named else f"{named}, which does {inner}"
                deferred.append(Evidence(found[0].strong, what))

    def _judge_node(self, node, scope, own, deferred, depth, seen) -> None:
        if isinstance(node, ast.Call):
            if _scheduled_callable(node) is not None:
                return  # the scheduler: what it is given is judged as deferred work
            offloaded = _offloaded_callable(node)
            if offloaded is not None:
                self._judge_callable(offloaded, scope, own, deferred, depth, seen)
            else:
                self._judge_call(node, scope, own, deferred, depth, seen)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):  # not `+=`: counters are no records
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Subscript) and self._is_module_collection(target.value, scope):
                    own.append(Evidence(False, f"`{ast.unparse(target.value)}[...] = ...`"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _INSERT_SQL.search(node.value):
            own.append(Evidence(True, "an `INSERT` statement"))

    def _judge_call(self, call: ast.Call, scope, own, deferred, depth, seen) -> None:
        func = call.func
        helper = self._module_function(func, scope)
        if helper is not None:
            # A same-module function shows its body: that decides, not its name.
            if depth < self._MAX_HELPER_DEPTH:
                if helper not in seen:
                    self._collect(helper, own, deferred, depth + 1, seen | {helper})
            else:
                self._judge_name(func, scope, own)
            return
        if isinstance(func, ast.Attribute):
            receiver = func.value
            if self._is_container(receiver, scope):
                if func.attr in _STORING_METHODS and self._is_module_collection(receiver, scope):
                    own.append(Evidence(False, f"`{ast.unparse(func)}()`"))
                return
            if func.attr in STRONG_METHODS:
                own.append(Evidence(True, f"`{_display(func)}()`"))
                return
            if func.attr in SAVING_METHODS and not self._has_action_word(_attribute_names(receiver)):
                own.append(Evidence(False, f"`{_display(func)}()`"))
                return
        elif isinstance(func, ast.Name) and func.id == "insert":
            binding = scope.lookup("insert")
            if binding is not None and binding.kind == "import":  # sqlalchemy's insert()
                own.append(Evidence(True, "`insert()`"))
                return
        self._judge_name(func, scope, own)

    def _judge_callable(self, expr: ast.expr, scope, own, deferred, depth, seen) -> None:
        """A function handed to a scheduler or an offload, by reference or called."""
        if isinstance(expr, (ast.Name, ast.Attribute)):
            expr = ast.Call(func=expr, args=[], keywords=[])
        if isinstance(expr, ast.Call):  # asyncio.create_task(save(item))
            self._judge_call(expr, scope, own, deferred, depth, seen)

    def _judge_name(self, func: ast.expr, scope, sink) -> None:
        """`crud.create_user(...)`, `create_order(...)`: a creation by its name."""
        name = _last_name(func)
        if name[:1].isupper():  # a class: building `AddCardResponse(...)` stores nothing
            return
        words = split_words(name)
        verb = verb_position(words, CREATION_VERBS)
        if verb is None or verb == len(words) - 1:  # `create_thing`, not a bare `create`
            return
        # Only what follows the verb can make it an action: `create_access_token` makes
        # a token, but `verify_permissions_and_create_entity` checks, then creates.
        if "_".join(words[verb + 1:]) in NOT_RESOURCES or self._has_action_word(words[verb + 1:]):
            return
        target = self.model.resolve(func, scope) or ""
        root = target.split(".", 1)[0]
        if root in sys.stdlib_module_names or root in _LIBRARY_ROOTS or root == "builtins":
            return
        sink.append(Evidence(False, f"`{_display(func)}()`"))

    def _returned_identity(self, function: ast.AST) -> list[Evidence]:
        """A returned value built with a generated identifier: the handler made something
        new, not an echo of its body (`return item` or `item.model_dump()` are echoes)."""
        assigned = {
            target.id: node.value
            for node in _own_work(function, [])
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        found = []
        for node in _own_work(function, []):
            if not isinstance(node, ast.Return) or node.value is None:
                continue
            value = node.value
            if isinstance(value, ast.Name):
                value = assigned.get(value.id, value)
            for key, field_value in _fields(value):
                if key in _ID_KEYS and _is_generated(field_value, assigned):
                    found.append(Evidence(False, f"a returned `{key}` it generates"))
        return found

    # ------------------------------------------------------------------ names and scopes

    def _scope(self, function: ast.AST) -> Scope:
        found = self.model.function_scope(function)
        return found if found is not None else self.model.module

    def _module_function(self, func: ast.expr, scope) -> ast.AST | None:
        if isinstance(func, ast.Name):
            binding = scope.lookup(func.id)
            if binding is not None and binding.kind == "function" and isinstance(binding.node, _FUNCTIONS):
                return binding.node
        return None

    def _is_container(self, expr: ast.expr, scope) -> bool:
        return isinstance(expr, ast.Name) and self.model.infer_type(expr, scope) in _CONTAINERS

    def _is_module_collection(self, expr: ast.expr, scope) -> bool:
        """A name bound at module level (or imported): state every request shares."""
        if not isinstance(expr, ast.Name):
            return False
        for visible in scope.visible_scopes():
            binding = visible.bindings.get(expr.id)
            if binding is not None:
                return visible.kind == "module" and binding.kind in ("value", "import")
        return False

    def _has_action_word(self, words: list[str]) -> bool:
        return any(self.is_action(word) for word in words)


def _own_work(function: ast.AST, scheduled: list[ast.expr]) -> Iterator[ast.AST]:
    """The nodes of a function's body that run as part of its call: not nested functions,
    and not the work handed to a scheduler (appended to `scheduled` instead). The
    docstring is skipped: it is prose, not SQL."""
    body = list(getattr(function, "body", []))
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        children = list(ast.iter_child_nodes(node))
        if isinstance(node, ast.Call):
            work = _scheduled_callable(node)
            if work is not None:
                scheduled.append(work)
                children = [node.func]  # the scheduler itself, not what it is given
        stack.extend(child for child in reversed(children) if not isinstance(child, _NESTED))


def _scheduled_callable(call: ast.Call) -> ast.expr | None:
    func = call.func
    name = _last_name(func)
    if isinstance(func, ast.Attribute) and name in TASK_METHODS:
        return func.value
    position = BACKGROUND_CALLS.get(name)
    if position is not None and len(call.args) > position:
        return call.args[position]
    return None


def _offloaded_callable(call: ast.Call) -> ast.expr | None:
    position = OFFLOAD_CALLS.get(_last_name(call.func))
    if position is not None and len(call.args) > position:
        return call.args[position]
    return None


def _fields(value: ast.expr) -> Iterator[tuple[str, ast.expr]]:
    """(key, value) of a dict display or a constructor's keywords."""
    if isinstance(value, ast.Dict):
        for key, item in zip(value.keys, value.values):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                yield key.value, item
    elif isinstance(value, ast.Call):
        for keyword in value.keywords:
            if keyword.arg is not None:
                yield keyword.arg, keyword.value


def _is_generated(expr: ast.expr, assigned: dict[str, ast.expr], depth: int = 0) -> bool:
    """`uuid4()`, `str(uuid.uuid4())`, `next(counter)`, `len(db) + 1`, or a local name
    assigned one of those."""
    if isinstance(expr, ast.Name) and expr.id in assigned and depth < 2:
        return _is_generated(assigned[expr.id], assigned, depth + 1)
    for node in ast.walk(expr):
        if isinstance(node, ast.Call) and _ID_GENERATORS.match(_last_name(node.func)):
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            if any(isinstance(side, ast.Constant) and side.value == 1 for side in (node.left, node.right)):
                return True
    return False


def _attribute_names(expr: ast.expr) -> list[str]:
    """The words of an attribute chain after its root: `client.chat.completions` ->
    ["chat", "completions"] (the root is a variable name, it says nothing)."""
    words: list[str] = []
    while isinstance(expr, ast.Attribute):
        words[:0] = split_words(expr.attr)
        expr = expr.value
    return words


def _display(func: ast.expr) -> str:
    """The callee as the message names it: as written when short (`db["students"].insert_many`),
    else its last two parts (`session.add`)."""
    written = ast.unparse(func)
    if len(written) <= 40:
        return written
    if isinstance(func, ast.Attribute):
        owner = func.value
        owner_name = _last_name(owner) if isinstance(owner, (ast.Name, ast.Attribute)) else "..."
        return f"{owner_name}.{func.attr}" if owner_name else func.attr
    return _last_name(func)


def _last_name(expr: ast.expr) -> str:
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return expr.id if isinstance(expr, ast.Name) else ""


def split_words(text: str) -> list[str]:
    """`create_itemV2` -> ["create", "item", "v2"]; `api-keys` -> ["api", "keys"]."""
    return [w for w in _WORD_SPLIT.split(_CAMEL_BOUNDARY.sub("_", text).lower()) if w]


def verb_position(words: list[str], verbs: frozenset[str]) -> int | None:
    """Where a name's verb is: first (`create_item`), or after namespace words
    (`api_create_wallet`, `_rpc_add_lock`) but then not last (`get_or_create`), and
    never in a question (`can_create_item`)."""
    if words and words[0] in verbs:
        return 0
    if not words or words[0] in _PREDICATES:
        return None
    return next((i for i, word in enumerate(words[:-1]) if i and word in verbs), None)
