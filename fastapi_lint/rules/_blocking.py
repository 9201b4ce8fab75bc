"""What FPI100-FPI104 share: report a catalogued blocking call made on the event loop.

The catalog and the classifier live in `semantic/blocking.py` (FPI120 uses them too);
each rule reports the calls classified with its own code, with the fix `_offload.py`
builds when one is correct there.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import Iterable

from ..semantic.blocking import classify_blocking_call
from ._offload import AwaitFixer
from .base import Rule


class BlockingCallRule(Rule):
    async_code = True

    def __init__(self, checker, option_values) -> None:
        super().__init__(checker, option_values)
        self.fixer = AwaitFixer(self)
        # The `async def`s this rule's fixes add an `await` to: FPI120 does not offer to
        # turn those into a plain `def` (both fixes applied together would not parse).
        self.functions_with_fixes: set[ast.AST] = set()

    def extra_blocking_calls(self) -> Iterable[str]:
        """The user's own blocking qualnames: only FPI104 has them."""
        return ()

    def visit_call(self, call: ast.Call, ctx) -> None:
        # An awaited call is asynchronous; a `def`, lambda or offloaded callable runs
        # elsewhere (the checker gives those bodies their own, non-async scope).
        if not ctx.on_event_loop or ctx.awaited:
            return
        found = classify_blocking_call(call, ctx, self.model, self.extra_blocking_calls())
        if found is not None and found.code == self.code and not self._chained_on_blocking_call(call, ctx):
            fix = self.fixer.fix_for(call, ctx, found, self.option_values.get("offload-with", "auto"))
            if fix is not None:
                self.functions_with_fixes.add(ctx.function.node)
            self.report(call, found.message(ctx.async_function_name), fix=fix)

    def _chained_on_blocking_call(self, call: ast.Call, ctx) -> bool:
        """`db.execute(q).fetchone()`: one chain, one report, at its first blocking call."""
        func = call.func
        while isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
            inner = func.value
            inner_ctx = dataclasses.replace(ctx, target=self.model.resolve(inner.func, ctx.scope), awaited=False)
            found = classify_blocking_call(inner, inner_ctx, self.model, self.extra_blocking_calls())
            if found is not None and found.code == self.code:
                return True
            func = inner.func
        return False
