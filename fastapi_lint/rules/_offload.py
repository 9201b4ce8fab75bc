"""The fixes of FPI100-FPI106 and FPI110: await instead of blocking.

- FPI101: `time.sleep(x)` -> `await asyncio.sleep(x)`.
- FPI100, FPI102-FPI106: `f(a, k=v)` -> `await asyncio.to_thread(f, a, k=v)` (or
  `await run_in_threadpool(f, a, k=v)`), so that the call runs in a worker thread.
- FPI110: the same for a call of a project helper that blocks (`build_report(user)`).

The edits touch only the text before the argument list's `(`, that `(` itself, and the end
of the call: arguments, comments and line breaks inside the call stay as they were.
"""

from __future__ import annotations

import ast
import dataclasses

from ..fixes import Applicability, Edit, Fix, ImportRequest
from ..semantic.blocking import FILE_IO, SLEEP, BlockingCall, classify_blocking_call
from ..semantic.scopes import Binding
from ._await_sites import SourceText, can_await_at, needs_parentheses, outer_calls_in_chain, parent_map
from ._thread_bound import passes_thread_bound_object, sqlite_connect_for_any_thread
from .base import Option

RUN_IN_THREADPOOL = "starlette.concurrency.run_in_threadpool"
_THREADPOOL_MODULES = ("fastapi.concurrency", "starlette.concurrency")
OFFLOAD_CHOICES = ("auto", "asyncio.to_thread", "run_in_threadpool")
OFFLOAD_OPTION = Option(
    "offload-with",
    "auto",
    "How the fix runs a blocking call in a thread: `auto`, `asyncio.to_thread` or `run_in_threadpool`.",
    choices=OFFLOAD_CHOICES,
)

# Calls that return at once: `httpx.stream(...)` and `Engine.begin()` return a context
# manager that does its I/O in `__enter__`, `os.popen()` a pipe whose `read()` blocks.
# Running the call itself in a thread would leave the blocking part on the loop.
_NOT_OFFLOADABLE = frozenset(
    {"httpx.stream", "httpx.Client.stream", "sqlalchemy.Engine.begin", "Engine.begin", "os.popen"}
)
# Objects bound to the thread that uses them: sqlite3 connections raise ProgrammingError
# in another thread than the one that created them (unless `check_same_thread=False`), and
# a `scoped_session`'s methods act on the calling thread's own session, so an offloaded
# `registry.commit()` would commit another (empty) session.
# FPI103's calls that return a file object, whose methods do the reading and writing.
_FILE_OPENERS = frozenset({
    "open", "io.open", "io.open_code", "os.fdopen", "Path.open", "tempfile.TemporaryFile", "tempfile.NamedTemporaryFile",
})
_THREAD_BOUND_PREFIXES = ("sqlite3.", "sqlalchemy.orm.scoped_session.")
# Functions that run a callable in a thread: `asyncio.to_thread(requests.get(url))` calls
# `get` on the loop by mistake; wrapping it in one more offload would not be the fix.
_OFFLOADERS = frozenset({"asyncio.to_thread", RUN_IN_THREADPOOL, "anyio.to_thread.run_sync"})


class AwaitFixer:
    """Builds the fixes of one rule instance (one module): caches the text and parent maps."""

    def __init__(self, rule) -> None:
        self.rule = rule
        self.model = rule.model
        self._text: SourceText | None = None
        self._parents: dict[ast.AST, dict[int, ast.AST]] = {}
        self._threadpool_usage: tuple[bool, str | None] | None = None

    @property
    def text(self) -> SourceText:
        if self._text is None:
            self._text = SourceText(self.rule.checker.lines)
        return self._text

    def parents(self, function: ast.AST) -> dict[int, ast.AST]:
        if function not in self._parents:
            self._parents[function] = parent_map(function)
        return self._parents[function]

    # ------------------------------------------------------------------ entry point

    def fix_for(self, call: ast.Call, ctx, found: BlockingCall, offload_with: str) -> Fix | None:
        site = self._await_site(call, ctx)
        if site is None:
            return None
        parents, opener, parenthesize = site
        if found.code == SLEEP:
            return self._sleep_fix(call, ctx, opener, parenthesize)
        if self._offload_would_be_wrong(call, ctx, found, parents):
            return None
        return self._offload_fix(call, ctx, f"`{found.api}()`", opener, parenthesize, offload_with)

    def helper_fix_for(self, call: ast.Call, ctx, shown: str, offload_with: str) -> Fix | None:
        """FPI110: `build_report(user)` -> `await asyncio.to_thread(build_report, user)`: the
        whole project helper runs in a worker thread."""
        site = self._await_site(call, ctx)
        if site is None:
            return None
        parents, opener, parenthesize = site
        if self._breaks_expression(call, ctx, parents):
            return None
        if passes_thread_bound_object(call, ctx.scope, self.model, self.rule.checker.tree):
            return None
        return self._offload_fix(call, ctx, f"`{shown}()`", opener, parenthesize, offload_with)

    def _await_site(self, call: ast.Call, ctx) -> tuple[dict[int, ast.AST], int, bool] | None:
        """Where `await` would go for `call`: the parent map of its `async def`, the offset
        of the call's opening parenthesis, and whether `(await ...)` needs parentheses;
        None where an `await` cannot stand."""
        # The `await` goes into the `async def` itself: a lambda that runs on the loop
        # (`map(lambda u: requests.get(u), urls)`) cannot hold one.
        if ctx.function is None or not isinstance(ctx.function.node, ast.AsyncFunctionDef):
            return None
        parents = self.parents(ctx.function.node)
        if not can_await_at(call, ctx.function.node, parents):
            return None
        opener = self.text.opening_parenthesis(call)
        if opener is None:
            return None
        return parents, opener, needs_parentheses(call, parents)

    # ------------------------------------------------------------------ FPI101

    def _sleep_fix(self, call: ast.Call, ctx, opener: int, parenthesize: bool) -> Fix | None:
        # `time.sleep` takes exactly one positional argument; anything else raises today,
        # and `asyncio.sleep(delay, result)` would accept it.
        if call.keywords or len(call.args) != 1 or isinstance(call.args[0], ast.Starred):
            return None
        spelled = module_spelling(ctx.scope, self.model, "asyncio")
        if spelled is None:
            return None
        name, imports = spelled
        prefix = f"{'(' if parenthesize else ''}await {name}.sleep"
        edits = [self._edit(self.text.start(call), opener, prefix)]
        if parenthesize:
            edits.append(self._edit(self.text.end(call), self.text.end(call), ")"))
        return Fix(f"Replace with `await {name}.sleep(...)`", Applicability.UNSAFE, tuple(edits), imports)

    # ------------------------------------------------------------------ FPI100, FPI102-FPI104

    def _offload_would_be_wrong(self, call: ast.Call, ctx, found: BlockingCall, parents) -> bool:
        """Cases where running `call` in a thread would not take the blocking off the loop,
        or would break the program."""
        if ctx.target in _NOT_OFFLOADABLE or found.api in _NOT_OFFLOADABLE:
            return True
        target = ctx.target or ""
        if target.startswith(_THREAD_BOUND_PREFIXES) and not sqlite_connect_for_any_thread(call, target):
            return True
        # `open(p).read()`: the file object's methods do the I/O (a large read blocks);
        # offloading only `open` would leave them on the loop, unreported.
        if found.code == FILE_IO and found.api in _FILE_OPENERS and outer_calls_in_chain(call, parents):
            return True
        # `with open(p) as f: f.read()`, `f = open(p)`: the `open()` is the one report for
        # the file's reads and writes, so offloading only the `open` would hide them.
        if found.code == FILE_IO and found.api in _FILE_OPENERS and _binds_result(call, parents):
            return True
        return self._breaks_expression(call, ctx, parents)

    def _breaks_expression(self, call: ast.Call, ctx, parents) -> bool:
        """What the expression around `call` rules out, for every offload fix."""
        if self._is_offloaded_function(call, ctx, parents.get(id(call))):
            return True
        # `conn.execute(q).fetchall()`: one report for the chain; moving only the first call
        # would leave the next blocking call on the loop, now hidden from the rule.
        for outer in outer_calls_in_chain(call, parents):
            outer_ctx = dataclasses.replace(ctx, target=self.model.resolve(outer.func, ctx.scope), awaited=False)
            if classify_blocking_call(outer, outer_ctx, self.model, self.rule.extra_blocking_calls()) is not None:
                return True
        # `f(x for x in xs)`: the bare generator argument would need its own parentheses.
        return len(call.args) == 1 and not call.keywords and isinstance(call.args[0], ast.GeneratorExp)

    def _is_offloaded_function(self, call: ast.Call, ctx, parent: ast.AST | None) -> bool:
        """`call` stands where the function to run in a thread goes: `to_thread(call, ...)`,
        `run_in_threadpool(call, ...)`, `loop.run_in_executor(None, call, ...)`."""
        if not isinstance(parent, ast.Call):
            return False
        if isinstance(parent.func, ast.Attribute) and parent.func.attr == "run_in_executor":
            return len(parent.args) > 1 and parent.args[1] is call
        if not parent.args or parent.args[0] is not call:
            return False
        return self.model.resolve(parent.func, ctx.scope) in _OFFLOADERS

    def _offload_fix(
        self, call: ast.Call, ctx, what: str, opener: int, parenthesize: bool, offload_with: str
    ) -> Fix | None:
        spelled = self._runner(call, ctx, offload_with)
        if spelled is None:
            return None
        runner, imports = spelled
        has_arguments = bool(call.args or call.keywords)
        after_opener = self.text.text[opener + 1 : opener + 2]
        separator = ("," if after_opener.isspace() else ", ") if has_arguments else ""
        start, end = self.text.start(call), self.text.end(call)
        edits = [
            self._edit(start, start, f"{'(' if parenthesize else ''}await {runner}("),
            self._edit(opener, opener + 1, separator),
        ]
        if parenthesize:
            edits.append(self._edit(end, end, ")"))
        title = f"Run {what} in a worker thread with `{runner}`"
        return Fix(title, Applicability.UNSAFE, tuple(edits), imports)

    def _runner(self, call: ast.Call, ctx, offload_with: str) -> tuple[str, tuple[ImportRequest, ...]] | None:
        # `run_in_threadpool(func, *args, **kwargs)` takes `func` by keyword too: a call
        # with a `func=` keyword (or a `**mapping` that might hold one) cannot go through it.
        # `asyncio.to_thread(func, /, *args, **kwargs)` has no such problem.
        keyword_safe = all(k.arg not in (None, "func") for k in call.keywords)
        if offload_with == "run_in_threadpool":
            return self._threadpool_spelling(ctx) if keyword_safe else None
        if offload_with == "auto" and keyword_safe and self._module_uses_threadpool():
            spelled = self._threadpool_spelling(ctx)
            if spelled is not None:
                return spelled
        spelled = module_spelling(ctx.scope, self.model, "asyncio")
        if spelled is None:
            return None
        return f"{spelled[0]}.to_thread", spelled[1]

    def _module_uses_threadpool(self) -> bool:
        return self._threadpool_facts()[0]

    def _threadpool_facts(self) -> tuple[bool, str | None]:
        """Whether the module calls `run_in_threadpool`, and the module it imports it from.
        Kept on the module's semantic model: every blocking rule's fixer asks the same of
        the same tree (two walks of it)."""
        if self._threadpool_usage is None:
            cache = self.model.rule_cache
            if "threadpool" not in cache:
                cache["threadpool"] = _threadpool_usage(self.rule.checker.tree)
            self._threadpool_usage = cache["threadpool"]  # type: ignore[assignment]
        return self._threadpool_usage

    def _threadpool_spelling(self, ctx) -> tuple[str, tuple[ImportRequest, ...]] | None:
        binding = ctx.scope.lookup("run_in_threadpool")
        if binding is not None and _imports(binding, RUN_IN_THREADPOOL):
            return "run_in_threadpool", ()
        alias = _visible_alias(ctx.scope, self.model, RUN_IN_THREADPOOL)
        if alias is not None:
            return alias, ()
        if binding is not None:
            return None
        module = self._threadpool_facts()[1] or "fastapi.concurrency"
        return "run_in_threadpool", (ImportRequest(module, "run_in_threadpool"),)

    def _edit(self, begin: int, end: int, content: str) -> Edit:
        return Edit(content, self.text.location(begin), self.text.location(end))


def module_spelling(scope, model, module: str) -> tuple[str, tuple[ImportRequest, ...]] | None:
    """How code at `scope` names `module` (`asyncio`, or an alias such as `aio`), and the
    import to request; None when the name is taken by something else and no alias exists."""
    binding = scope.lookup(module)
    if binding is not None and _imports(binding, module):
        # A module-level import is requested again: the engine drops a request the module
        # already satisfies, and adds the import when the existing one is conditional.
        module_level = model.module.bindings.get(module) is binding
        return module, ((ImportRequest(module),) if module_level else ())
    alias = _visible_alias(scope, model, module)
    if alias is not None:
        return alias, ()
    if binding is None:
        return module, (ImportRequest(module),)
    return None


def _imports(binding: Binding, qualname: str) -> bool:
    return binding.kind == "import" and binding.qualname == qualname


def _visible_alias(scope, model, qualname: str) -> str | None:
    """A name bound to `qualname` by an import (`import asyncio as aio`) that `scope` sees."""
    for name, binding, _ in scope.visible_bindings():
        if _imports(binding, qualname):
            return name
    return None



def _binds_result(call: ast.Call, parents) -> bool:
    """`with call as name`, `name = call`, `name: T = call`, `(name := call)`."""
    parent = parents.get(id(call))
    if isinstance(parent, ast.withitem):
        return parent.context_expr is call and parent.optional_vars is not None
    return isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and parent.value is call


def _threadpool_usage(tree: ast.AST) -> tuple[bool, str | None]:
    names, source, used = set(), None, False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in _THREADPOOL_MODULES:
            for alias in node.names:
                if alias.name == "run_in_threadpool":
                    names.add(alias.asname or alias.name)
                    source = source or node.module
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id in names) or (
                isinstance(func, ast.Attribute) and func.attr == "run_in_threadpool"
            ):
                used = True
                break
    return used, source
