"""`async-scope = "served"` (the default): the async rules report served code only.

At every scope, a finding in served code names the entry that serves it.

Whether an `async def` is served is a question about the whole project (which
application runs it, through which calls: `project/serving.py`); this is where a
checked file's findings meet the answer. A finding of an async rule (`Rule.async_code`)
is kept when the `async def` it is in is served, and its message then says how
("in `GET /orders/{order_id}`", "reached from dependency `get_db`"); it is dropped when
the project has entries and none of them reaches the function, or only a lifespan,
startup or shutdown handler does (it runs while no request is being served; a rule
whose class says `reports_startup_code = True` keeps those findings, named so). A function
the project does not know (its file changed since the project was read) is kept,
unannotated: the analysis never hides what it has not seen. For the same reason a file
checked on its own (`--no-project`, stdin) drops nothing: its callers may be in other
modules; its findings are only annotated with the entries of its own module that reach them.
"""

from __future__ import annotations

import bisect
import dataclasses
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic

if TYPE_CHECKING:
    from .checker import Checker


def keep_served(checker: Checker, diagnostics: list[Diagnostic], drop: bool = True) -> list[Diagnostic]:
    """The findings with their entry named; those of unserved code dropped when `drop`
    (the wider scopes keep them, and still name the entry of served ones)."""
    async_codes = {rule.code for rule in checker.rules if rule.async_code}
    startup_codes = {rule.code for rule in checker.rules if rule.async_code and rule.reports_startup_code}
    if not any(d.code in async_codes for d in diagnostics):
        return diagnostics
    project = checker.project_model()
    serving = project.serving
    drop = drop and checker.model.project is not None
    if not serving.has_entries:
        return diagnostics  # no application in view: no evidence that anything is unserved
    # Endpoints registered at run time: no entry reaching a function does not show it unserved.
    drop_unreached = drop and not serving.has_computed_endpoints
    functions = _FunctionIndex(checker)
    # A finding reported for other functions' sake (FPI110's root cause, at a sync
    # helper's blocking call) is served as the function the rule names.
    named = {
        (rule.code, *position): qualname
        for rule in checker.rules for position, qualname in getattr(rule, "scope_of", {}).items()
    }
    kept = []
    for diagnostic in diagnostics:
        if diagnostic.code in async_codes:
            qualname = named.get((diagnostic.code, diagnostic.location.row, diagnostic.location.column))
            called = qualname is not None  # the finding is in a helper that function calls
            qualname = qualname or functions.qualname_at(diagnostic.location.row)
            reach = serving.reach(qualname) if qualname is not None else None
            if reach is None and qualname is not None:
                # Startup/shutdown code: no request waits for it. Dropped like unserved
                # code, but named at the wider scopes (and when the file is checked alone).
                reach = serving.startup_reach(qualname)
                if (
                    reach is not None and drop and project.knows_function(qualname)
                    and diagnostic.code not in startup_codes
                ):
                    continue
            if reach is not None and called:
                reach = dataclasses.replace(reach, direct=False)
            if reach is not None:
                diagnostic = dataclasses.replace(diagnostic, message=f"{diagnostic.message} ({reach.describe()})")
            elif drop_unreached and qualname is not None and project.knows_function(qualname):
                continue  # no application runs it: a CLI, a worker, a script
        kept.append(diagnostic)
    return kept


class _FunctionIndex:
    """The innermost `def` around a line (an inline lambda belongs to the `def` it runs in)."""

    def __init__(self, checker: Checker) -> None:
        self.model = checker.model
        spans = [
            (scope.node.lineno, scope.node.end_lineno or scope.node.lineno, scope)
            for scope in checker.model.functions
            if hasattr(scope.node, "lineno")
        ]
        spans.sort(key=lambda span: (span[0], -span[1]))
        self.spans = spans
        self.starts = [span[0] for span in spans]

    def qualname_at(self, row: int) -> str | None:
        # Among the functions starting at or before `row`, the last one that still
        # contains it is the innermost (nested functions start after their parents).
        for index in range(bisect.bisect_right(self.starts, row) - 1, -1, -1):
            start, end, scope = self.spans[index]
            if start <= row <= end:
                return self.model.scope_qualname(scope)
        return None
