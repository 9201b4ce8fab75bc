"""What FPI100-FPI107 share: report a catalogued blocking call made on the event loop.

The catalog and the classifier live in `semantic/blocking.py` (FPI120 uses them too);
each rule reports the calls classified with its own code, with the fix `_offload.py`
builds when one is correct there. FPI106 classifies with its own, smaller table
(`classify_os_path_call`): its calls are not in the catalogue the other rules share;
so does FPI107 (`classify_process_start`), which offers no fix.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import Iterable

from ..semantic.blocking import CONTINUING_TYPES, classify_blocking_call
from ._offload import AwaitFixer
from .base import Rule


class BlockingCallRule(Rule):
    async_code = True
    # False for FPI107: what it reports has no mechanical rewrite (see its docs).
    offers_fix = True

    def __init__(self, checker, option_values) -> None:
        super().__init__(checker, option_values)
        self.fixer = AwaitFixer(self)
        # The `async def`s this rule's fixes add an `await` to: FPI120 does not offer to
        # turn those into a plain `def` (both fixes applied together would not parse).
        self.functions_with_fixes: set[ast.AST] = set()

    def extra_blocking_calls(self) -> Iterable[str]:
        """The user's own blocking qualnames: only FPI104 has them."""
        return ()

    def classify(self, call: ast.Call, ctx):
        """The call this rule's code may report (`BlockingCall`), wherever it happens."""
        extra = tuple(self.extra_blocking_calls())
        # A call's target and scope are fixed for the walk: the answer is the same for each rule.
        key = (id(call), ctx.target, extra)
        known = self.checker.blocking_calls
        if key not in known:
            known[key] = classify_blocking_call(call, ctx, self.model, extra)
        return known[key]

    def visit_call(self, call: ast.Call, ctx) -> None:
        # An awaited call is asynchronous; a `def`, lambda or offloaded callable runs
        # elsewhere (the checker gives those bodies their own, non-async scope).
        if not ctx.on_event_loop or ctx.awaited:
            return
        found = self.classify(call, ctx)
        if (
            found is not None
            and found.code == self.code
            and not self._chained_on_blocking_call(call, ctx)
            and not self._on_object_made_here(call, ctx)
        ):
            fix = (
                self.fixer.fix_for(call, ctx, found, self.option_values.get("offload-with", "auto"))
                if self.offers_fix else None
            )
            if fix is not None:
                self.functions_with_fixes.add(ctx.function.node)
            self.report(call, found.message(ctx.async_function_name), fix=fix)

    def _chained_on_blocking_call(self, call: ast.Call, ctx) -> bool:
        """`db.execute(q).fetchone()`: one chain, one report, at its first blocking call."""
        func = call.func
        while isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
            inner = func.value
            inner_ctx = dataclasses.replace(ctx, target=self.model.resolve(inner.func, ctx.scope), awaited=False)
            found = self.classify(inner, inner_ctx)
            if found is not None and found.code == self.code:
                return True
            func = inner.func
        return False

    def _on_object_made_here(self, call: ast.Call, ctx) -> bool:
        """`with open(p) as f: f.read()`, `with smtplib.SMTP(host) as s: s.login(...)`, in
        one function: the call that opened the file or connected is reported, and what is
        done with the object it made is the same blocking operation (one operation, one
        diagnostic; running it all in a thread, or the async library, fixes both). An
        object from anywhere else (a parameter typed `IO[str]`, `upload.file`, a client
        made at module level, one made without connecting: `smtplib.SMTP()`) is reported
        at its method, the first blocking call this function makes on it. A database
        connection's queries, a socket's messages are reported one by one
        (`CONTINUING_TYPES`)."""
        owner = (ctx.target or "").rpartition(".")[0]
        if owner not in CONTINUING_TYPES or not isinstance(call.func, ast.Attribute):
            return False
        receiver = call.func.value
        if not isinstance(receiver, ast.Name):
            return False
        bound_in = next((s for s in ctx.scope.visible_scopes() if receiver.id in s.bindings), None)
        if bound_in is None or bound_in.enclosing_function() is not ctx.function:
            return False
        binding = bound_in.bindings[receiver.id]
        source = binding.entered if binding.entered is not None else binding.value
        if not isinstance(source, ast.Call):
            return False
        source_ctx = dataclasses.replace(
            ctx, scope=bound_in, target=self.model.resolve(source.func, bound_in), awaited=False
        )
        found = self.classify(source, source_ctx)
        return found is not None and found.code == self.code
