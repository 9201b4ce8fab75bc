"""FPI412: an annotation that no value of the path's convertor can validate as."""

from __future__ import annotations

from ._route_path_params import route_params
from .base import Rule

# Measured on FastAPI 0.165 with Pydantic 2 (tests/test_path_params_runtime.py): the
# convertor hands the endpoint an `int`, `float` or `UUID`, and Pydantic's lax mode never
# turns those into these types. Combinations that fail only some values (`{x:float}` with
# `x: int` accepts `5`, `{x:int}` with `x: bool` accepts `0` and `1`) are not reported.
ALWAYS_REJECTED = {
    "int": {"builtins.str": "str", "uuid.UUID": "UUID"},
    "float": {"builtins.str": "str", "uuid.UUID": "UUID"},
    "uuid": {"builtins.str": "str", "builtins.int": "int", "builtins.float": "float", "builtins.bool": "bool"},
}
_PRODUCES = {"int": "an `int`", "float": "a `float`", "uuid": "a `UUID`"}


class PathConvertorContradictsAnnotation(Rule):
    """## What it does
    Checks for endpoint parameters whose annotation rejects every value the path's
    convertor produces: `{item_id:int}` or `{price:float}` with `str` or `UUID`, and
    `{key:uuid}` with `str`, `int`, `float` or `bool` (also inside `Optional[...]`,
    `... | None` and `Annotated[..., Path()]`).

    Test code is not checked (unless `async-scope = "all"`): a test's application
    declares what the test needs, mistakes included.

    ## Why is this bad?
    Starlette converts the segment before FastAPI validates it: `{item_id:int}` hands the
    endpoint the integer `5`, not the string `"5"`, and Pydantic 2 does not turn an `int`
    into a `str` (`string_type` error). Every request that reaches the route answers 422;
    the route is unusable. (Pydantic 1 coerced the value; on FastAPI with Pydantic 2 it
    fails.) Combinations that fail only for some values are not reported: `{x:float}`
    with `x: int` accepts `/5` and rejects `/1.5`, `{x:int}` with `x: bool` accepts `0`
    and `1`; the `path` and `str` convertors hand over strings, which every annotation
    parses as usual.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/{item_id:int}")
    async def read_item(item_id: str):
        return {"item_id": item_id}
    ```

    Use instead:
    ```python
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/{item_id:int}")
    async def read_item(item_id: int):
        return {"item_id": item_id}
    ```

    ## Fix safety
    There is no fix: either the convertor or the annotation may be the one that is wrong
    (dropping `:int` changes which requests the route matches, and which routes after it
    get them).

    ## References
    - [Starlette: Routing, path parameters and convertors](https://www.starlette.io/routing/#path-parameters)
    - [FastAPI: Path Parameters, path convertor](https://fastapi.tiangolo.com/tutorial/path-params/#path-convertor)
    - [Pydantic: Conversion table](https://docs.pydantic.dev/latest/concepts/conversion_table/)
    """

    code = "FPI412"
    skips_test_code = True
    name = "path-convertor-contradicts-annotation"
    message = "Annotation rejects every value the path convertor produces"

    def visit_module_end(self) -> None:
        reported: set[int] = set()
        for found in route_params(self):
            convertors = {}
            for param in found.params:
                convertors.setdefault(param.name, param.convertor)
            scope = found.function.parent or self.model.module
            for parameter in found.parameters:
                if parameter.source not in ("query", "path") or id(parameter.node) in reported:
                    continue
                name = parameter.alias or parameter.name
                convertor = convertors.get(name)
                rejected = ALWAYS_REJECTED.get(convertor or "", {})
                kind = self.model.annotation_type(parameter.annotation, scope) if parameter.annotation else None
                if kind not in rejected:
                    continue
                reported.add(id(parameter.node))
                self.report(
                    parameter.node,
                    f"`{{{name}:{convertor}}}` hands `{parameter.name}` {_PRODUCES[convertor]}, which "
                    f"`{rejected[kind]}` rejects: every request to `{found.full_path}` answers 422",
                )
