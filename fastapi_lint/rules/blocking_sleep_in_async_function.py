"""FPI101."""

from __future__ import annotations

from .base import Rule


class BlockingSleepInAsyncFunction(Rule):
    """## What it does
    Checks for `time.sleep()` in an `async def` that runs on the event loop.
    """

    code = "FPI101"
    name = "blocking-sleep-in-async-function"

    def visit_call(self, call, ctx):
        if ctx.on_event_loop and not ctx.awaited and ctx.target == "time.sleep":
            self.report(call, "`time.sleep()` blocks the event loop")
