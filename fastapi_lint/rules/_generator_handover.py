"""FPI110: a call of a sync generator function runs none of its body.

`chunks = read_chunks(path)` only builds the generator; the body (and the file it opens)
runs where the generator is iterated. An `async def` that hands the generator to what
iterates it in a worker thread does not block the loop with it:

- an offloading call: `await asyncio.to_thread(next, chunks, None)`,
  `await run_in_threadpool(list, chunks)`, `anyio.to_thread.run_sync(...)`,
  `loop.run_in_executor(None, next, chunks)` (`functools.partial(next, chunks)` too);
- Starlette's `iterate_in_threadpool(chunks)`;
- a streaming response: `StreamingResponse(read_chunks(path))` (Starlette iterates a sync
  iterator in its threadpool), sse-starlette's `EventSourceResponse`.

Closing it (`chunks.close()`) runs only its cleanup (its `finally` clauses), not its
body. Any other use (a `for` loop, `list(...)`, `next(...)`, `with` for a
`@contextmanager`, handing it to a function of the project) may iterate it on the loop, and
the call is reported as before.

The call sites of the project are read from the module summaries (`root_causes.py`), which
do not say how a generator is used, so the module of such a call is parsed again here
(once per module, and only for calls of sync generator functions, which are few), and the
callees are named from that module's imports. That read is not a fact the diagnostics cache
can replay, so a file whose check made it depends on every file of the project
(`project/facts.py`).
"""

from __future__ import annotations

import ast
from pathlib import Path

from ..semantic.names import OFFLOADING_CALLS, canonical
from ..source import SourceDecodeError, decode_source, parse_module

GENERATOR_TAKERS = OFFLOADING_CALLS | {
    "starlette.concurrency.iterate_in_threadpool",
    "starlette.responses.StreamingResponse",
    "sse_starlette.sse.EventSourceResponse",
    "sse_starlette.EventSourceResponse",
}
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _position(node: ast.AST) -> tuple[int, ...]:
    return (
        node.lineno, node.col_offset,
        getattr(node, "end_lineno", None) or node.lineno, getattr(node, "end_col_offset", None) or node.col_offset,
    )


class GeneratorHandover:
    """Which async call sites of sync generator functions only hand the generator to a
    thread. One per rule run (module): caches the modules it parses."""

    def __init__(self, whole, checker) -> None:
        self.whole = whole
        self.checker = checker
        self._parsed: dict[str, tuple[dict, dict] | None] = {}

    def site_not_run(self, function: str, position) -> bool:
        """The call at `position` in the async `function` (a qualname) of the project."""
        module = self._module_of(function)
        summary = module.functions.get(function) if module is not None else None
        if summary is None:
            return False
        position = tuple(position)
        called = next((c for c in summary.calls if tuple(c.position) == position), None)
        if called is None or not self.is_sync_generator(called.callee or called.target):
            return False
        parsed = self._parse(module)
        if parsed is None:
            return False
        calls, parents = parsed
        call = calls.get(position)
        return call is not None and self._handed_over(call, parents, module.names)

    def _module_of(self, function: str):
        # By name, one module at a time: the diagnostics cache records only what is read
        # (`project/facts.py`), so the whole module list is not.
        name = function
        while "." in name:
            name = name.rpartition(".")[0]
            module = self.whole.modules.get(name)
            if module is not None and function in module.functions:
                return module
        return None

    def is_sync_generator(self, qualname: str | None) -> bool:
        """Calling `qualname` builds a generator (or a `@contextmanager`'s context manager):
        running that call in a thread runs none of the body, so no offloading fix fits it."""
        callee = self.whole.callable_summary(qualname) if qualname else None
        from ..project.summary import FunctionSummary  # here: detection imports no project code

        return isinstance(callee, FunctionSummary) and not callee.is_async and callee.yields > 0

    def _parse(self, module) -> tuple[dict, dict] | None:
        if module.path not in self._parsed:
            self._parsed[module.path] = self._read(module)
        return self._parsed[module.path]

    def _read(self, module) -> tuple[dict, dict] | None:
        tree = None
        here = getattr(self.checker.model, "module_name", None)
        if module.module == here or len(self.whole.modules) == 1:
            tree = self.checker.tree  # the text being checked (an editor's, maybe unsaved)
        else:
            root = getattr(self.whole, "root", None)
            if root is None:
                return None
            # Not a summary: the diagnostics cache cannot replay this read.
            from ..project.facts import read_beyond_facts

            read_beyond_facts(self.whole)
            try:
                tree = parse_module(decode_source((Path(root) / module.path).read_bytes()))
            except (OSError, SyntaxError, ValueError, SourceDecodeError):
                return None
        calls: dict[tuple[int, ...], ast.Call] = {}
        parents: dict[int, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
            if isinstance(node, ast.Call):
                calls.setdefault(_position(node), node)
        return calls, parents

    def _handed_over(self, call: ast.Call, parents: dict, names: dict) -> bool:
        function = parents.get(id(call))
        while function is not None and not isinstance(function, _FUNCTIONS):
            function = parents.get(id(function))
        if function is None:
            return False
        parent = parents.get(id(call))
        uses: list[ast.AST] = [call]
        if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is call:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            if len(targets) != 1 or not isinstance(targets[0], ast.Name):
                return False
            name = targets[0].id
            uses = [
                node for node in ast.walk(function)
                if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
            ]
        return all(self._taken_by_a_thread(use, parents, names) for use in uses)

    def _taken_by_a_thread(self, node: ast.AST, parents: dict, names: dict) -> bool:
        parent = parents.get(id(node))
        if isinstance(parent, ast.Attribute) and parent.attr == "close" and isinstance(
            parents.get(id(parent)), ast.Call
        ):
            return True  # `chunks.close()`: runs only the generator's cleanup, not its body
        if isinstance(parent, ast.keyword):
            parent = parents.get(id(parent))
        if not isinstance(parent, ast.Call) or parent.func is node:
            return False
        if isinstance(parent.func, ast.Attribute) and parent.func.attr == "run_in_executor":
            return True
        return _imported_name(parent.func, names) in GENERATOR_TAKERS


def _imported_name(expr: ast.expr, names: dict) -> str | None:
    """`asyncio.to_thread`, `StreamingResponse`: the canonical name, from the module's imports."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    entry = names.get(expr.id)
    if not entry or entry[0] != "import" or len(entry) < 2 or not entry[1]:
        return None
    return canonical(".".join([entry[1], *reversed(parts)]))
