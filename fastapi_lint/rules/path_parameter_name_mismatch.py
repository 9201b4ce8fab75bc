"""FPI411: an endpoint parameter meant for a path parameter, under another name."""

from __future__ import annotations

from ._path_params import Parameter
from ._route_path_params import PathParam, RouteParams, route_params
from .base import Rule


class PathParameterNameMismatch(Rule):
    """## What it does
    Checks for endpoint parameters whose name differs from a path parameter that nothing
    receives only by case, underscores or one typo (`/items/{item_id}` with
    `itemid: int`, `item_ids`, `itemId`, `itme_id`), when the parameter is a plain one that FastAPI
    reads from the query string.

    Test code is not checked (unless `async-scope = "all"`): a test's application
    declares what the test needs, mistakes included.

    ## Why is this bad?
    FastAPI matches path parameters by name. A parameter that does not match becomes a
    query parameter: without a default it is a required one, so every request to the
    route answers 422 (`{"loc": ["query", "itemid"], "msg": "Field required"}`) unless
    the client also sends `?itemid=...`; with a default the endpoint silently gets the
    default instead of the value in the path. Calling the function directly in a unit
    test does not show it.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/{item_id}")
    async def read_item(itemid: int):
        return {"item_id": itemid}
    ```

    Use instead:
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/{item_id}")
    async def read_item(item_id: int):
        return {"item_id": item_id}
    ```

    ## Fix safety
    There is no fix: renaming the parameter also renames it for every direct caller and
    keyword argument, and either side (the path or the parameter) may be the one to
    change.

    ## References
    - [FastAPI: Path Parameters](https://fastapi.tiangolo.com/tutorial/path-params/)
    - [FastAPI: Query Parameters](https://fastapi.tiangolo.com/tutorial/query-params/)
    """

    code = "FPI411"
    skips_test_code = True
    name = "path-parameter-name-mismatch"
    message = "Parameter name differs from the path parameter it was meant for"

    def visit_module_end(self) -> None:
        reported: set[int] = set()
        for found in route_params(self):
            for param, parameter in near_misses(found):
                if id(parameter.node) in reported:
                    continue
                reported.add(id(parameter.node))
                if parameter.has_default:
                    effect = "a query parameter: the endpoint gets its default, never the value in the path"
                else:
                    effect = "a required query parameter: every request to the route answers 422"
                self.report(
                    parameter.node,
                    f"Parameter `{parameter.name}` does not receive path parameter `{param.name}` of "
                    f"`{found.full_path}`: FastAPI matches by name, so it is {effect}",
                )


def near_misses(found: RouteParams) -> list[tuple[PathParam, Parameter]]:
    taken = {p.name for p in found.params}
    candidates = [p for p in found.parameters if p.source == "query" and p.name not in taken]
    pairs = []
    for param in found.unreceived():
        matching = [p for p in candidates if _near(param.name, p.name)]
        if len(matching) == 1:
            pairs.append((param, matching[0]))
    return pairs


def _normal(name: str) -> str:
    return name.replace("_", "").casefold()


def _near(expected: str, actual: str) -> bool:
    if _normal(expected) == _normal(actual):
        return True
    if min(len(expected), len(actual)) < 4:
        return False
    return _one_edit(expected.casefold(), actual.casefold())


def _one_edit(a: str, b: str) -> bool:
    """One typo apart: a character added, removed or changed, or two neighbours swapped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    for i in range(len(a)):
        if a[i] != b[i]:
            if len(a) == len(b) and a[i + 1: i + 2] == b[i: i + 1] and a[i: i + 1] == b[i + 1: i + 2]:
                return a[i + 2:] == b[i + 2:]
            return a[i + (len(a) == len(b)):] == b[i + 1:]
    return True
