"""FPI110's root causes: every call in async code that reaches a blocking call through
synchronous project functions, grouped by the blocking call it reaches.

One blocking helper called from many `async def`s is one problem, not one per caller:
khoj's 28 routes each call `update_telemetry_state()`, which reads a file in
`get_server_id`. The place to fix it is that file read (make the helper async, cache it,
or move it off the request path), so FPI110 reports such a root cause once, at the
blocking call, with the number of async callers; a blocking call that one async call
reaches is reported at that call, where its fix (running it in a thread) goes.

A root cause is a chain's `origin` (`Chain.origin`): the function holding the blocking
call and the call's position. The call sites are read from the module summaries, so
every module sees the same groups, whichever file is being checked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from ..semantic.names import canonical

if TYPE_CHECKING:
    from .model import Chain, ProjectModel

Origin = tuple[str, tuple[int, ...]]


@dataclass(frozen=True)
class CallSite:
    """A call, in an `async def`, of a synchronous project function that blocks."""

    path: str  # the module's path, relative to the project root
    function: str  # qualname of the `async def`
    position: tuple[int, ...]  # [line, column, end line, end column], `ast`'s byte columns
    display: str  # the callee as written
    chain: Chain


def blocking_call_sites(project: ProjectModel, extra_blocking: Iterable[str]) -> dict[Origin, list[CallSite]]:
    """Every such call site of the project, by the root cause it reaches, in path and
    position order."""
    extra = tuple(extra_blocking)
    extra_names = {canonical(name.strip()) for name in extra}
    found: dict[Origin, list[CallSite]] = defaultdict(list)
    for module in sorted(project.modules.values(), key=lambda m: m.path):
        for function in module.functions.values():
            if not function.is_async:
                continue
            for call in function.calls:
                if call.blocking is not None or call.once:
                    continue  # FPI100-FPI104 report it; a lazy initialisation
                if call.target is not None and canonical(call.target) in extra_names:
                    continue  # FPI104's `extra-blocking-calls` report it
                callee = call.callee or call.target
                chain = project.blocking_chain(callee, extra) if callee else None
                if chain is None or chain.origin is None:
                    continue
                found[chain.origin].append(
                    CallSite(module.path, function.qualname, tuple(call.position), call.display, chain)
                )
    for sites in found.values():
        sites.sort(key=lambda site: (site.path, site.position))
    return dict(found)


def reported_sites(sites: list[CallSite], counts: Callable[[CallSite], bool]) -> list[CallSite]:
    """The call sites a run reports (served ones, outside tests: `counts` decides)."""
    return [site for site in sites if counts(site)]
