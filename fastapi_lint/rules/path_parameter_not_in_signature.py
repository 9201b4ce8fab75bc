"""FPI410: a `{name}` in a route's path that nothing in its dependency tree receives."""

from __future__ import annotations

import ast
import keyword

from ..diagnostics import Location
from ..fixes import Applicability, Fix, ImportRequest, insert_at
from ._route_path_params import PathParam, RouteParams, route_params
from .base import Rule

# The annotation the fix gives a new parameter, after the path's convertor.
_CONVERTOR_TYPES = {"str": "str", "path": "str", "int": "int", "float": "float", "uuid": "uuid.UUID"}


class PathParameterNotInSignature(Rule):
    """## What it does
    Checks for path parameters that neither the endpoint nor any of its dependencies
    receives.

    A path parameter is a `{item_id}` of the route's path, of its router's `prefix=`, or
    of the `prefix=` of an `include_router()` call that places the router (in any module
    of the project). It is received by a parameter of that name of the endpoint or of one
    of its dependencies (followed through sub-dependencies, `Annotated[..., Depends(...)]`
    aliases, class dependencies' `__init__`, and across the project's modules), by a
    `Path(alias="item_id")` parameter, and by a dependency (of the endpoint, the route's
    `dependencies=`, the router's, the include's or the application's) that reads
    `request.path_params["item_id"]` or `.get("item_id")`.

    It stays silent when it cannot know: a dependency it cannot resolve, a dependency that
    hands the request to a helper or reads `path_params` with a key that is not a
    constant, a class dependency without its own `__init__` (a dataclass, a Pydantic
    model), a route registered with `**kwargs`, a router passed in as a parameter, and a
    prefix that is not a constant. A file checked on its own (no project) treats every
    dependency or annotation imported from another module of the project as one that may
    receive anything, and sees only the includes of its own module. A
    parameter whose name is a near miss of the path parameter's is FPI411's report
    instead. A `{name:path}` parameter is left alone: a catch-all (a single-page app's
    fallback route, `/{full_path:path}`) answers whatever path it is given by design.
    Test code is not checked (unless `async-scope = "all"`): a test's application
    declares what the test needs, such as a handler that ignores its parameter.

    This is ruff's FAST003, with the dependency tree followed: ruff only reads the
    endpoint's own parameters, so a `/{case_id}` route whose dependency reads
    `request.path_params["case_id"]` is a false positive there.

    ## Why is this bad?
    FastAPI serves the route and matches the segment, but the value never reaches the
    code: the endpoint cannot tell `/orgs/acme/items` from `/orgs/other/items`. That is
    usually a forgotten parameter, or one renamed on one side only. Note that a
    `**kwargs` parameter does not receive path parameters: FastAPI makes it a required
    query parameter called `kwargs`.

    ## Example
    ```python
    from fastapi import APIRouter

    router = APIRouter(prefix="/orgs/{org_id}")


    @router.get("/items/{item_id}")
    async def read_item(item_id: int):
        return {"item_id": item_id}
    ```

    Use instead:
    ```python
    from fastapi import APIRouter

    router = APIRouter(prefix="/orgs/{org_id}")


    @router.get("/items/{item_id}")
    async def read_item(org_id: str, item_id: int):
        return {"org_id": org_id, "item_id": item_id}
    ```

    ## Fix safety
    The fix adds the parameter to the endpoint, annotated after the convertor (`str` by
    default, `int` for `{x:int}`, `uuid.UUID` for `{x:uuid}`), before the first parameter
    with a default value (as a keyword-only parameter when the signature has `*`). It is
    unsafe: it changes the function's signature, so a direct call of the function (a test,
    another module) needs the new argument. It is not offered when the endpoint has `*args`
    or `**kwargs`, when the name is already used in its body, when it is a Python keyword,
    or when the path parameter comes from an `include_router()` prefix (the router may be
    included elsewhere without it).

    ## References
    - [FastAPI: Path Parameters](https://fastapi.tiangolo.com/tutorial/path-params/)
    - [FastAPI: Bigger Applications, prefixes](https://fastapi.tiangolo.com/tutorial/bigger-applications/)
    - [Starlette: Request, path parameters](https://www.starlette.io/requests/#path-parameters)
    - [ruff: fast-api-unused-path-parameter (FAST003)](https://docs.astral.sh/ruff/rules/fast-api-unused-path-parameter/)
    """

    code = "FPI410"
    skips_test_code = True
    name = "path-parameter-not-in-signature"
    message = "Path parameter is not received by the endpoint or its dependencies"

    def visit_module_end(self) -> None:
        reported: set[tuple[int, str]] = set()
        near_misses = near_miss_names(route_params(self))
        for found in route_params(self):
            for param in found.unreceived():
                if param.convertor == "path":
                    continue  # a catch-all: ignoring which path it caught is the idiom
                key = (id(found.route), param.name)
                if key in reported or key in near_misses:
                    continue
                reported.add(key)
                where = "" if param.origin == "path" else f" (from {param.origin})"
                message = (
                    f"Path parameter `{param.name}`{where} is not received by "
                    f"`{found.route.handler_name}` or its dependencies: the endpoint never sees its value"
                )
                self.report_route(found.route, message, fix=self._fix(found, param))

    def _fix(self, found: RouteParams, param: PathParam) -> Fix | None:
        node = found.function.node
        args = node.args
        name = param.name
        if args.vararg is not None or args.kwarg is not None or keyword.iskeyword(name):
            return None
        if "include_router" in param.origin:
            return None
        if any(isinstance(sub, ast.Name) and sub.id == name for sub in ast.walk(node)):
            return None
        if any(a.arg == name for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]):
            return None
        kind = _CONVERTOR_TYPES.get(param.convertor)
        if kind is None:
            return None
        text = f"{name}: {kind}"
        positional = [*args.posonlyargs, *args.args]
        first_default = len(positional) - len(args.defaults)
        lines = self.checker.lines
        if args.defaults:
            anchor = positional[first_default]
            edit = insert_at(lines.location(anchor.lineno, anchor.col_offset), f"{text}, ")
        elif args.kwonlyargs:
            default = args.kw_defaults[-1]
            last = default if default is not None else args.kwonlyargs[-1]
            edit = insert_at(lines.location(last.end_lineno, last.end_col_offset), f", {text}")
        elif positional:
            last = positional[-1]
            edit = insert_at(lines.location(last.end_lineno, last.end_col_offset), f", {text}")
        else:
            opening = _empty_parentheses(lines, node)
            if opening is None:
                return None
            edit = insert_at(opening, text)
        imports = (ImportRequest("uuid"),) if kind == "uuid.UUID" else ()
        return Fix(f"Add parameter `{text}` to `{node.name}`", Applicability.UNSAFE, (edit,), imports)


def near_miss_names(found: list[RouteParams]) -> set[tuple[int, str]]:
    """(route, path parameter) pairs FPI411 reports: FPI410 leaves them to it."""
    from .path_parameter_name_mismatch import near_misses

    return {(id(f.route), param.name) for f in found for param, _ in near_misses(f)}


def _empty_parentheses(lines, node: ast.AST) -> Location | None:
    """Just after the `(` of `def name()`."""
    row = node.lineno
    text = lines.line(row)
    start = text.find(f"def {node.name}")
    if start < 0:
        return None
    opening = text.find("(", start)
    if opening < 0 or text[opening + 1: opening + 2] != ")":
        return None
    return lines.location(row, len(text[: opening + 1].encode("utf-8")))
