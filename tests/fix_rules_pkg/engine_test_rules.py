"""Test-only rules with fixes, to test the fix engine independently of the real rules.

`fix_test_rules.install()` adds this directory to `fastapi_lint.rules.__path__`, so the
registry finds these rules like real ones (codes FPI990-FPI994). Each fix is deliberately
simple; the engine, not these rules, is under test.
"""

from __future__ import annotations

import ast

from fastapi_lint.fixes import Applicability, Fix, ImportRequest, insert_at, replace_node
from fastapi_lint.rules.base import Rule

_DOC = """## What it does
    A test-only rule.

    ## Why is this bad?
    It is not: it tests the fix engine.
    """


class SleepToAsyncioSleep(Rule):
    __doc__ = _DOC
    code = "FPI990"
    name = "test-sleep-to-asyncio-sleep"

    def visit_call(self, call: ast.Call, ctx) -> None:
        if ctx.target == "time.sleep" and ctx.on_event_loop and not ctx.awaited:
            lines = self.checker.lines
            start, _ = lines.span(call)
            fix = Fix(
                "Use `await asyncio.sleep()`",
                Applicability.SAFE,
                (insert_at(start, "await "), replace_node(lines, call.func, "asyncio.sleep")),
                (ImportRequest("asyncio"),),
            )
            self.report(call, "`time.sleep()` on the event loop", fix=fix)


class MutableListDefault(Rule):
    __doc__ = _DOC
    code = "FPI991"
    name = "test-mutable-list-default"

    def visit_class(self, node: ast.ClassDef, scope) -> None:
        for statement in node.body:
            value = getattr(statement, "value", None)
            if isinstance(statement, (ast.AnnAssign, ast.Assign)) and isinstance(value, ast.List) and not value.elts:
                fix = Fix(
                    "Use `Field(default_factory=list)`",
                    Applicability.UNSAFE,
                    (replace_node(self.checker.lines, value, "Field(default_factory=list)"),),
                    (ImportRequest("pydantic", "Field"),),
                )
                self.report(value, "mutable default", fix=fix)


class PrintDisplayOnly(Rule):
    __doc__ = _DOC
    code = "FPI992"
    name = "test-print-display-only"

    def visit_call(self, call: ast.Call, ctx) -> None:
        if isinstance(call.func, ast.Name) and call.func.id == "print":
            fix = Fix("Use logging", Applicability.DISPLAY_ONLY,
                      (replace_node(self.checker.lines, call.func, "logging.info"),), (ImportRequest("logging"),))
            self.report(call, "print", fix=fix)


class BreaksSyntax(Rule):
    """A fix that produces invalid code (selected explicitly only)."""

    __doc__ = _DOC
    code = "FPI993"
    name = "test-breaks-syntax"
    default_enabled = False

    def visit_call(self, call: ast.Call, ctx) -> None:
        if isinstance(call.func, ast.Name) and call.func.id == "breakme":
            fix = Fix("Break it", Applicability.SAFE, (replace_node(self.checker.lines, call, "breakme(("),))
            self.report(call, "breakme", fix=fix)


class FlipFlop(Rule):
    """Fixes that undo each other forever (selected explicitly only)."""

    __doc__ = _DOC
    code = "FPI994"
    name = "test-flip-flop"
    default_enabled = False

    def visit_call(self, call: ast.Call, ctx) -> None:
        if isinstance(call.func, ast.Name) and call.func.id in ("flip", "flop"):
            other = "flop" if call.func.id == "flip" else "flip"
            fix = Fix("Flip", Applicability.SAFE, (replace_node(self.checker.lines, call.func, other),))
            self.report(call, "flip-flop", fix=fix)
