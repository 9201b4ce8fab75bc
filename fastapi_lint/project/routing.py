"""Applications across modules: the include tree, the registration order, shadowing.

Each router summary becomes the same `RouterObject`/`Route`/`Include`/`Mount` objects the
per-file model builds, so `fastapi_model.flatten` (FastAPI 0.165's order, see FACTS.md
"Routing and shadowing") and FPI400's verdicts run unchanged on the whole project; an
include whose router was imported from another module points at that module's router.
Their `node` is a `SourceRef` (file, position, branches) instead of an `ast` node.

Left out, rather than guessed (and listed by `notes` for `--verbose`): routers built by a
call or passed in a loop, prefixes that are not constants, registrations made from another
function than the one that built the application, and routes added with a decorator to a
router imported from another module (their place depends on import order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..rules.shadowed_route import context_verdicts, shadowing_findings
from ..semantic import fastapi_model as fm
from .summary import ModuleSummary

_ELSEWHERE = object()  # the scope of registrations made outside the object's own scope


@dataclass
class SourceRef:
    """Where a registration is, in a project: what `flatten` and FPI400 read of a node."""

    module: str
    path: str
    lineno: int
    col_offset: int
    end_lineno: int
    end_col_offset: int
    branches: dict[str, str] = field(default_factory=dict)  # "module:line:col" -> branch
    text: str = ""  # the call as written (includes, mounts)
    custom_matching: bool = False


@dataclass
class Handler:
    """A route's handler, known by name (`Route.handler_name` reads `.name`)."""

    qualname: str | None

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1] if self.qualname else "<unknown>"


def _ref(module: ModuleSummary, event: dict[str, Any] | None, position: list[int], **extra) -> SourceRef:
    branches = {f"{module.module}:{k}": v for k, v in (event or {}).get("branches", {}).items()}
    return SourceRef(module.module, module.path, *position, branches=branches, **extra)


class ProjectRouting:
    def __init__(self, project) -> None:
        self.project = project
        self.notes: list[tuple[str, int, str]] = []
        self.objects: dict[str, list[fm.RouterObject]] = {}
        self.unordered: list[fm.Route] = []  # routes whose registration order is unknown
        for module in project.modules.values():
            self.objects[module.module] = [self._object(module, router) for router in module.routers]
        for module in project.modules.values():
            for obj, router in zip(self.objects[module.module], module.routers):
                for event in router.events:
                    obj.events.append(self._event(module, obj, event))
            for route in module.external_routes:
                self._external_route(module, route)
        self._findings = None
        self._note_function_apps()

    # ------------------------------------------------------------------ building

    def _object(self, module: ModuleSummary, router) -> fm.RouterObject:
        obj = fm.RouterObject(
            router.kind, router.name, _ref(module, None, router.position), prefix=router.prefix,
            builtin_paths=tuple(tuple(p) for p in router.builtin_paths), opaque=router.opaque,
            callback_only=router.callback_only,
        )
        obj.scope = obj  # any sentinel shared by the object and its same-scope events
        obj.module = module.module
        obj.module_level = router.module_level
        return obj

    def _event(self, module: ModuleSummary, obj: fm.RouterObject, event: dict[str, Any]):
        scope = obj.scope if event["same_scope"] else _ELSEWHERE
        kind = event["type"]
        if kind == "route":
            ref = _ref(module, event, event["position"], custom_matching=event["custom_matching"])
            answer = event.get("answer")
            route = fm.Route(
                obj, event["kind"], frozenset(event["methods"]), event["path"], ref, Handler(event["handler"]), {},
                own_prefix=event["own_prefix"], scope=scope,
                answer=(f"{module.module}:{answer[0]}", frozenset(answer[1])) if answer else None,
            )
            return route
        ref = _ref(module, event, event["position"], text=event.get("text", ""))
        if kind == "include":
            child = None
            if event["child"] is not None:
                child = self.objects[module.module][event["child"]]
            elif event["child_name"]:
                child = self.router_named(event["child_name"])
                if child is None:
                    self.notes.append((module.path, ref.lineno, f"`{ref.text}`: `{event['child_name']}` is "
                                       "not a router of this project: not resolved"))
            return fm.Include(obj, child, event["prefix"], ref, scope=scope)
        return fm.Mount(obj, event["path"], ref, scope=scope)

    def router_named(self, qualname: str) -> fm.RouterObject | None:
        symbol = self.project.resolve(qualname)
        if symbol is None or symbol.kind != "router":
            return None
        return self.objects[symbol.module.module][symbol.router]

    def _external_route(self, module: ModuleSummary, route: dict[str, Any]) -> None:
        owner = self.router_named(route["router"]) if route["router"] else None
        ref = _ref(module, None, route["position"])
        if owner is None:
            return
        event = fm.Route(owner, route["kind"], frozenset(route["methods"]), route["path"], ref,
                         Handler(route["handler"]), {}, scope=_ELSEWHERE)
        owner.events.append(event)
        self.unordered.append(event)
        self.notes.append((module.path, ref.lineno, f"a route added to `{route['router']}` from another module: "
                           "its place in the registration order depends on import order, left out"))

    # ------------------------------------------------------------------ applications

    def all_apps(self) -> list[fm.RouterObject]:
        return [obj for objects in self.objects.values() for obj in objects if obj.kind == "app"]

    def apps(self) -> list[fm.RouterObject]:
        """The applications that decide: those built at module level. An application built
        inside a function (a test fixture's, a factory's) may be one of many throwaway
        copies: it decides only in a project without a module-level application."""
        every = self.all_apps()
        return [app for app in every if app.module_level and not app.opaque] or every

    def _note_function_apps(self) -> None:
        deciding = {id(app) for app in self.apps()}
        for app in self.all_apps():
            if id(app) not in deciding:
                module = self.project.modules[app.module]
                self.notes.append((module.path, app.node.lineno, f"`{app.name}()` built inside a function: "
                                   "module-level applications decide whether the routes they serve can run, "
                                   "and only they are listed by `fastapi-lint routes`"))

    def app_name(self, app: fm.RouterObject) -> str:
        """`module:variable`, as uvicorn is given it (or the construction's place)."""
        module = self.project.modules[app.module]
        index = self.objects[module.module].index(app)
        names = [n for n, entry in module.names.items() if entry[0] == "value" and entry[2] == index]
        return f"{module.module}:{names[0]}" if names else f"{module.module}:<{app.name}() line {app.node.lineno}>"

    def roots(self) -> list[fm.RouterObject]:
        """Applications, and routers that no application places (checked on their own,
        with their own included routers): a router included with a prefix we cannot read
        is still checked, since shadowing inside it does not depend on the prefix."""
        apps = self.all_apps()
        placed = {id(r.route.owner) for app in apps for r in fm.flatten(app) if r.route is not None}
        rest = [obj for objects in self.objects.values() for obj in objects
                if obj.kind != "app" and id(obj) not in placed]
        children = {id(child) for obj in rest for child in _followed_children(obj) if child is not obj}
        return apps + [obj for obj in rest if id(obj) not in children]

    @staticmethod
    def exclusive(first: fm.ResolvedRoute, second: fm.ResolvedRoute) -> bool:
        """Registrations in different branches of one `if`/`match` never both run."""
        if first.node is None or second.node is None:
            return False
        mine, theirs = _branches(first), _branches(second)
        return any(theirs.get(statement, branch) != branch for statement, branch in mine.items())

    @staticmethod
    def custom_matching(resolved: fm.ResolvedRoute) -> bool:
        return resolved.route is not None and resolved.route.node.custom_matching

    def findings(self):
        """FPI400's findings on the whole project (`ShadowedRouteFinding`s)."""
        if self._findings is None:
            deciding = self.apps()
            several = len(deciding) > 1

            def named(root) -> str | None:
                return self.app_name(root) if several and root.kind == "app" else None

            self._findings = shadowing_findings(
                self.roots(), self.exclusive, self.custom_matching, preferred=deciding, app_name=named
            )
        return self._findings

    def findings_in(self, module: str) -> list:
        return [f for f in self.findings() if f.route.route.node.module == module]

    def table(self, app: fm.RouterObject) -> list[tuple[fm.ResolvedRoute, Any]]:
        """The application's routes in registration order, each with what shadows it in
        this application (a `_Shadowing`, or None)."""
        def key(resolved: fm.ResolvedRoute) -> tuple:
            return (id(resolved.route), resolved.path, tuple(map(id, resolved.via)))

        verdicts = {
            key(entry.resolved): (entry, verdict)
            for entry, verdict in context_verdicts(app, self.exclusive, self.custom_matching)
        }
        rows = []
        for resolved in fm.flatten(app):
            rows.append((resolved, verdicts.get(key(resolved)) if resolved.route is not None else None))
        return rows


def _followed_children(obj: fm.RouterObject) -> list[fm.RouterObject]:
    """The routers `flatten` follows from `obj`: known, with a known prefix, same scope."""
    return [
        event.child for event in obj.events
        if isinstance(event, fm.Include) and event.child is not None and event.prefix is not None
        and event.scope is obj.scope
    ]


def _branches(resolved: fm.ResolvedRoute) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in (*resolved.via, resolved.node):
        found.update(getattr(node, "branches", {}))
    return found
