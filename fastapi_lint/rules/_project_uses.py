"""Whether other modules of the project use a function other than by registering it.

FPI120's fix (`_plain_def.py`) may only turn `async def f` into `def f` when nothing awaits
`f`. In a project, other modules' summaries say where they name it: imports
(`from pkg.routes import slow`), calls that are not awaited (`create_task(routes.slow())`),
functions passed by reference (`to_thread(slow)`), and the FastAPI registrations
(`Depends(slow)`, `add_api_route("/x", slow)`, `@imported_router.get`). Any import, call
or reference that is not one of those registrations counts as a use, and so does a star
import of the function's module (its names cannot be followed).

Awaited calls are recorded apart (`ModuleSummary.awaited`): any `await` of the function in
another module, through an imported name or an imported module, counts as a use.
"""

from __future__ import annotations

from typing import Iterable


def used_in_other_modules(context, qualnames: Iterable[str]) -> bool:
    """Does a module other than `context.module` use one of `qualnames` (functions or
    classes of this module, by the name they are defined under) other than to register it?"""
    project = context.project
    watched = set(qualnames)
    own_module = context.module.name

    def defined(name: str | None) -> set[str]:
        """What `name` stands for: where it is defined, and the class of an instance."""
        symbol = project.resolve(name) if name else None
        if symbol is None:
            return {name} if name else set()
        found = {symbol.qualname}
        if symbol.kind == "value" and symbol.type:
            owner = project.resolve(symbol.type)
            found.add(owner.qualname if owner is not None else symbol.type)
        return found

    for module in project.modules.values():
        if module.module == own_module:
            continue
        if own_module in module.star_imports:
            return True
        for name in module.awaited:
            if defined(name) & watched:
                return True
        registered = _registrations(module, defined)
        for entry in module.names.values():
            if entry[0] == "import" and (defined(entry[1]) & watched) - registered:
                return True
        for function in module.functions.values():
            for call in function.calls:
                if (defined(call.target) | defined(call.callee)) & watched:
                    return True
        for name in module.references:
            if (defined(name) & watched) - registered:
                return True
    return False


def _registrations(module, defined) -> set[str]:
    """The functions `module` registers with FastAPI (routes and dependencies)."""
    found: set[str] = set()
    for name in module.dependencies:
        found |= defined(name)
    for router in module.routers:
        for event in router.events:
            if event["type"] == "route" and event.get("handler"):
                found |= defined(event["handler"])
    for route in module.external_routes:
        found |= defined(route["handler"])
    return found
