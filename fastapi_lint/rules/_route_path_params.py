"""The path parameters of this module's routes and who receives them (FPI410-FPI412).

A route's path parameters come from its path, its router's own `prefix=` and, in a
project, the prefixes of the `include_router()` calls that place the router in an
application. They are received by the handler's dependency tree (`_path_params.py`), by the
route's `dependencies=`, the router's, and those of the includes and applications above it.
One analysis per module, shared by the three rules.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ..semantic import fastapi_model as fm
from ._path_params import Parameter, PathUse, PathUses, Resolver, path_parameters


@dataclass
class PathParam:
    name: str
    convertor: str
    origin: str  # "path", or where a prefix comes from: "the router's prefix", "`app.include_router(...)`"


@dataclass
class RouteParams:
    route: fm.Route
    function: object  # the handler's FunctionScope
    params: list[PathParam]
    received: PathUse  # the closure: names received anywhere in the tree, or open
    parameters: list[Parameter] = field(default_factory=list)  # the handler's own
    full_path: str = ""  # as the application serves it, in this context

    def unreceived(self) -> list[PathParam]:
        if self.received.open:
            return []
        seen: set[str] = set()
        found = []
        for param in self.params:
            if param.name not in self.received.names and param.name not in seen:
                seen.add(param.name)
                found.append(param)
        return found


def route_params(rule) -> list[RouteParams]:
    """Computed once per module, shared by FPI410, FPI411 and FPI412."""
    model = rule.model
    cached = getattr(model, "_route_path_params", None)
    if cached is None:
        cached = _analyse(model, rule.checker.tree)
        model._route_path_params = cached
    return cached


def _analyse(model, tree: ast.Module) -> list[RouteParams]:
    uses = PathUses(model, tree)
    project = _project_model(model)
    resolver = Resolver(uses, project)
    includes = _local_includes(model)
    found = []
    for route in model.routes:
        if route.path is None or route.handler is None or route.owner.opaque or not route.own_prefix:
            continue  # `add_route()`/`route()`: a Starlette endpoint gets only the request
        function = model.function_scope(route.handler)
        if function is None or route.owner.callback_only:
            continue
        contexts = None
        if project is not None:
            contexts = _project_contexts(project, model, route)
        if contexts is None:
            contexts = _prefix_contexts(model, uses, route, includes)
        if contexts is None:
            continue
        use = uses.function_use(function)
        extra = PathUse()
        scope = route.scope or model.module
        uses.dependencies_keyword(route.keywords.get("dependencies"), scope, extra)
        uses.dependencies_keyword(route.owner.keywords.get("dependencies"), model.module, extra)
        if route.has_star_kwargs:
            extra.open = True
        own = [PathParam(n, c, "path") for n, c in path_parameters(route.path)]
        prefix = route.owner.prefix if route.own_prefix else ""
        own_prefix = [PathParam(n, c, "the router's `prefix=`") for n, c in path_parameters(prefix or "")]
        for context_prefix, context_params, context_use in contexts:
            merged = PathUse(
                use.names | extra.names | context_use.names,
                [*use.depends, *extra.depends, *context_use.depends],
                [*use.aliases, *extra.aliases, *context_use.aliases],
                use.open or extra.open or context_use.open,
            )
            found.append(RouteParams(
                route, function, [*context_params, *own_prefix, *own], resolver.closure(merged),
                uses.parameters(function), context_prefix + (prefix or "") + route.path,
            ))
    return found


def _project_model(model):
    context = model.project
    return getattr(context, "project", None)


def _local_includes(model) -> dict[int, list[fm.Include]]:
    found: dict[int, list[fm.Include]] = {}
    for obj in model.routers:
        for event in obj.events:
            if isinstance(event, fm.Include) and event.child is not None:
                found.setdefault(id(event.child), []).append(event)
    return found


def _prefix_contexts(model, uses: PathUses, route: fm.Route, includes) -> list[tuple[str, list[PathParam], PathUse]] | None:
    """Each way the route's router is placed in this module: the prefix parameters the
    includes add and what their `dependencies=` (and the parents') receive. A router no
    include of this module places gives one context without extra parameters; the
    dependencies of includes elsewhere in a project are not seen (see the rule's docs)."""
    contexts: list[tuple[str, list[PathParam], PathUse]] = []

    def walk(obj: fm.RouterObject, path: str, params: list[PathParam], use: PathUse, depth: int) -> None:
        placed = includes.get(id(obj), [])
        if not placed or depth > 10:
            if obj is not route.owner:  # the application: its own `dependencies=`
                uses.dependencies_keyword(obj.keywords.get("dependencies"), model.module, use)
            contexts.append((path, params, use))
            return
        for include in placed:
            if include.prefix is None:
                continue
            more = PathUse(set(use.names), list(use.depends), list(use.aliases), use.open)
            uses.dependencies_keyword(_keyword(include.node, "dependencies"), include.scope or model.module, more)
            if include.owner is not route.owner and include.owner.kind != "app":
                uses.dependencies_keyword(include.owner.keywords.get("dependencies"), model.module, more)
            # FastAPI: the include's context prefix is the parent router's prefix + `prefix=`.
            context = (include.owner.prefix or "") + include.prefix
            where = _include_origin(ast.unparse(include.node.func), f"line {include.node.lineno}")
            added = [PathParam(n, c, where) for n, c in path_parameters(context)]
            walk(include.owner, context + path, added + params, more, depth + 1)

    walk(route.owner, "", [], PathUse(), 0)
    return contexts or None


def _project_contexts(project, model, route: fm.Route):
    """`_prefix_contexts` over the whole project: the includes of every module that place
    the route's router, with their `dependencies=` from the module summaries. None when the
    project's view of this module's routers is not this text's (a fix changed them)."""
    routing = project.routing
    module = model.module_name
    objects = routing.objects.get(module)
    if objects is None or len(objects) != len(model.routers):
        return None
    owner = objects[model.routers.index(route.owner)]
    includes: dict[int, list[fm.Include]] = {}
    for module_objects in routing.objects.values():
        for obj in module_objects:
            for event in obj.events:
                if isinstance(event, fm.Include) and event.child is not None:
                    includes.setdefault(id(event.child), []).append(event)

    def record(module_name: str, key: str) -> PathUse:
        summary = project.modules.get(module_name)
        data = summary.path_params.get(key) if summary is not None else None
        return PathUse.from_json(data) if data is not None else PathUse()

    contexts: list[tuple[str, list[PathParam], PathUse]] = []

    def walk(obj: fm.RouterObject, path: str, params: list[PathParam], use: PathUse, depth: int) -> None:
        placed = includes.get(id(obj), [])
        if not placed or depth > 10:
            contexts.append((path, params, use))
            return
        for include in placed:
            if include.prefix is None:
                continue
            ref = include.node
            parent = include.owner
            more = _merge(use, record(ref.module, f"<include {ref.lineno}:{ref.col_offset}>"))
            if parent is not owner:
                more = _merge(more, record(parent.module, f"<router {routing.objects[parent.module].index(parent)}>"))
            context = (parent.prefix or "") + include.prefix
            where = _include_origin(ref.text, f"line {ref.lineno}" if ref.module == module else f"{ref.path}:{ref.lineno}")
            added = [PathParam(n, c, where) for n, c in path_parameters(context)]
            walk(parent, context + path, added + params, more, depth + 1)

    walk(owner, "", [], PathUse(), 0)
    return contexts or None


def _merge(first: PathUse, second: PathUse) -> PathUse:
    return PathUse(first.names | second.names, [*first.depends, *second.depends],
                   [*first.aliases, *second.aliases], first.open or second.open)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _include_origin(text: str, where: str) -> str:
    """"the `prefix=` of `app.include_router()` at app/main.py:12"."""
    call = text.split("(", 1)[0].strip()
    return f"the `prefix=` of `{call}()` at {where}"
