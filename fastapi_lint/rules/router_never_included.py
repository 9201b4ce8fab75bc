"""FPI401: an `APIRouter` with routes that no `include_router()` of the project includes."""

from __future__ import annotations

import ast

from ..semantic import fastapi_model as fm
from .base import Rule


class RouterNeverIncluded(Rule):
    """## What it does
    Checks for module-level `APIRouter()` objects that have routes but that no
    `include_router()` call of the project includes, directly or through another router.

    The rule needs the whole project (it says nothing about a lone file, or stdin), and
    stays silent wherever a router may be served in a way it cannot follow:

    - the project has no module-level `FastAPI()` application (a library that exports
      routers for others to include);
    - any module calls `include_router()` on something that is not a known application
      or router (`app.router.include_router(r)`, `get_app().include_router(r)`), includes
      something it cannot resolve (`for r in routers: app.include_router(r)`,
      `getattr(module, "router")`, a router passed as a parameter), or hands a router's
      `.routes` to a call (`app.routes.extend(router.routes)`);
    - the router is imported by another module, or its name is used in its own module
      other than to register routes on it (passed to a function, put in a list).

    ## Why is this bad?
    Routes decorated on an `APIRouter` are served only once the router is included into
    the application. Measured on FastAPI 0.165.0: the routes of a router that is never
    included answer `404 Not Found` and are absent from `/openapi.json`, while the
    handlers still import, and unit tests that call them directly still pass. This is the
    case both before FastAPI 0.137 (`include_router()` copies the routes) and after it
    (the application keeps included routers as a tree): neither ever sees a router that is
    not included. It usually means a forgotten `app.include_router(...)` line for a new
    module.

    ## Example
    ```python
    from fastapi import APIRouter, FastAPI

    app = FastAPI()
    users = APIRouter(prefix="/users")


    @users.get("/{user_id}")
    async def read_user(user_id: int):
        return {"user_id": user_id}
    ```

    Use instead:
    ```python
    from fastapi import APIRouter, FastAPI

    app = FastAPI()
    users = APIRouter(prefix="/users")


    @users.get("/{user_id}")
    async def read_user(user_id: int):
        return {"user_id": user_id}


    app.include_router(users)
    ```

    ## Fix safety
    There is no fix: where to include the router (which application, which prefix, in
    which position of the registration order, see FPI400) is for the author to decide.

    ## References
    - [FastAPI: Bigger Applications](https://fastapi.tiangolo.com/tutorial/bigger-applications/)
    """

    code = "FPI401"
    name = "router-never-included"
    message = "Router with routes is never included: its routes are never served"

    def visit_module_end(self) -> None:
        context = self.model.project
        if context is None:
            return
        candidates = [
            obj for obj in self.model.routers
            if obj.kind == "router" and not obj.opaque and not obj.callback_only
            and obj.scope is self.model.module and any(r.scope is obj.scope for r in obj.routes)
        ]
        if not candidates:
            return
        project = context.project
        routing = project.routing
        module = context.module.name
        objects = routing.objects.get(module, [])
        if len(objects) != len(self.model.routers):
            return  # the summary is of another version of this file
        if not _every_include_known(project, routing):
            return
        included = {
            id(event.child)
            for objs in routing.objects.values() for obj in objs for event in obj.events
            if isinstance(event, fm.Include) and event.child is not None
        }
        imported = _imported_routers(project)
        used_names = _names_used_otherwise(self.checker.tree)
        for obj in candidates:
            twin = objects[self.model.routers.index(obj)]
            if twin.kind != obj.kind or id(twin) in included:
                continue
            names = [n for n, b in self.model.module.bindings.items() if b.router is obj]
            if len(names) != 1 or f"{module}.{names[0]}" in imported or names[0] in used_names:
                continue
            count = sum(1 for r in obj.routes if r.scope is obj.scope)
            routes, they = ("route", "it is") if count == 1 else ("routes", "they are")
            self.report(
                obj.node,
                f"Router `{names[0]}` has {count} {routes} but no `include_router()` of the project "
                f"includes it: {they} never served (404)",
            )


def _every_include_known(project, routing) -> bool:
    """No include the model cannot follow, and at least one application."""
    if any(module.unmodelled_includes for module in project.modules.values()):
        return False
    has_app = False
    for objs in routing.objects.values():
        for obj in objs:
            if obj.kind == "app" and obj.module_level and not obj.opaque:
                has_app = True
            for event in obj.events:
                if isinstance(event, fm.Include) and (event.child is None or event.child.opaque):
                    return False
    return has_app


def _imported_routers(project) -> set[str]:
    """Qualnames of routers that some module imports by name."""
    found: set[str] = set()
    for module in project.modules.values():
        for entry in module.names.values():
            if entry[0] == "import" and entry[1]:
                symbol = project.resolve(entry[1])
                if symbol is not None and symbol.kind == "router":
                    found.add(symbol.qualname)
    return found


def _names_used_otherwise(tree: ast.Module) -> set[str]:
    """Names loaded other than as `name.attribute` (`register(router)`, `[router]`, `router,`)."""
    attribute_owners = {
        id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)
    }
    return {
        node.id for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and id(node) not in attribute_owners
    }
