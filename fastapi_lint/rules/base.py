"""The contract every rule module implements.

A rule is one class in one module under `fastapi_lint/rules/`. Its docstring, written in
ruff's sections, is the single source of its documentation (`fastapi-lint rule CODE`,
`docs/rules/`). The checker walks each file once and calls the hooks a rule defines:

- `visit_call(call, ctx)`: every call, with where it runs (`CallContext`).
- `visit_class(node, scope)`: every class statement, once its body was walked.
- `visit_module_end()`: once the whole module is known (routes, includes, models, and
  every function with the facts its body showed: `self.model.functions`). Function-level
  rules decide here, because whether a function is a route or a dependency may be known
  only from a later statement or another module.

A hook a rule does not define costs nothing: the checker dispatches only to rules that
override it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..diagnostics import Diagnostic, Location
from ..fixes import Fix
from ._option import Option
from ..semantic import fastapi_model as fm

if TYPE_CHECKING:
    from ..checker import Checker

HOOKS = ("visit_call", "visit_class", "visit_module_end")
CODE_PATTERN = re.compile(r"^FPI[0-9]{3}$")


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    # Default message; rules usually build a more specific one per diagnostic.
    message: ClassVar[str] = ""
    default_enabled: ClassVar[bool] = True
    # True for rules about code that runs on the event loop (FPI1xx), and for others about
    # what a served request runs (FPI501): by default they report only in code an
    # application serves (`served_scope.py`), in test code only with
    # `async-scope = "all"` (`test_code.py`).
    async_code: ClassVar[bool] = False
    # For an async rule: True when a finding in lifespan, startup or shutdown code
    # matters as much as in served code, so the default scope keeps it there too (FPI130:
    # a task started at startup runs, and can be lost, while the application serves).
    reports_startup_code: ClassVar[bool] = False
    # True for rules about what a route declares (FPI410-FPI412) or how a dependency
    # cleans up (FPI601): an application a test builds declares what the test needs (a
    # handler that ignores its `{item_id}` on purpose) and lives for one test, so they
    # skip test code too, unless `async-scope = "all"`.
    skips_test_code: ClassVar[bool] = False
    options: ClassVar[tuple[Option, ...]] = ()

    def __init__(self, checker: Checker, option_values: dict[str, Any]) -> None:
        self.checker = checker
        self.model = checker.model
        self.option_values = option_values  # this rule's options, by name

    @classmethod
    def summary(cls) -> str:
        """The first line of the docstring's `What it does` section."""
        doc = cls.__doc__ or ""
        lines = [line.strip() for line in doc.strip().splitlines()]
        try:
            start = lines.index("## What it does") + 1
        except ValueError:
            return cls.message
        text = []
        for line in lines[start:]:
            if not line:
                if text:
                    break
                continue
            if line.startswith("##"):
                break
            text.append(line)
        summary = " ".join(text)
        # "Checks for ... on the event loop:" introduces a list: end the summary there.
        return summary[:-1] + "." if summary.endswith(":") else summary

    @classmethod
    def defined_hooks(cls) -> list[str]:
        return [hook for hook in HOOKS if getattr(cls, hook) is not getattr(Rule, hook)]

    def report(
        self, node: ast.AST, message: str, *, end_node: ast.AST | None = None, fix: Fix | None = None,
        related: tuple = (),
    ) -> None:
        """`related`: `RelatedLocation`s of the places the message names (a chain's steps)."""
        self.checker.report(self, node, message, end_node=end_node, fix=fix, related=related)

    def report_def(self, node: ast.AST, message: str, *, fix: Fix | None = None) -> None:
        """Report at a function's `async def name` header (not at its decorators)."""
        start, end = self.checker.lines.def_header_span(node)
        self.checker.report_span(self, start, end, message, fix=fix)

    def report_route(self, route: fm.Route, message: str, *, fix: Fix | None = None) -> None:
        """Report at a route's registration: from a decorator's `@` (as ruff's decorator
        ranges start), or at an `add_api_route(...)` call."""
        node = route.node
        start, end = self.checker.lines.span(node)
        handler = getattr(route, "handler", None)
        if node in getattr(handler, "decorator_list", ()):
            line = self.checker.lines.line(node.lineno).encode("utf-8")
            at = line.rfind(b"@", 0, node.col_offset)
            start = self.checker.lines.location(node.lineno, at if at >= 0 else node.col_offset)
        self.report_at(start, end, message, fix=fix)

    def report_at(self, start: Location, end: Location, message: str, *, fix: Fix | None = None) -> None:
        self.checker.report_span(self, start, end, message, fix=fix)

    # Hooks: overridden by rules that need them.
    def visit_call(self, call: ast.Call, ctx: Any) -> None:  # pragma: no cover - interface
        pass

    def visit_class(self, node: ast.ClassDef, scope: Any) -> None:  # pragma: no cover
        pass

    def visit_module_end(self) -> None:  # pragma: no cover - interface
        pass


__all__ = ["Rule", "Option", "Diagnostic", "CODE_PATTERN", "HOOKS"]
