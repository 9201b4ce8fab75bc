"""FPI302: a route whose status code forbids a body (1xx, 204, 205, 304) declares or returns one."""

from __future__ import annotations

import ast

from ._status_codes import _status_value
from .base import Rule

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# Annotations FastAPI turns into a response model (the builtins; Pydantic models are
# recognised through the model). Anything else unknown stays silent: it may be a Response.
_MODEL_BUILTINS = frozenset(
    f"builtins.{name}" for name in ("dict", "list", "set", "tuple", "str", "int", "float", "bool", "bytes")
)
_TYPING_CONTAINERS = frozenset({"typing.Dict", "typing.List", "typing.Set", "typing.Tuple", "typing.Optional", "typing.Union"})
_LITERAL_BODIES = (
    ast.Dict, ast.List, ast.Set, ast.Tuple, ast.DictComp, ast.ListComp, ast.SetComp, ast.JoinedStr,
)


def bodyless(code: int) -> bool:
    """FastAPI's `is_body_allowed_for_status_code`, negated: 1xx, 204, 205 and 304."""
    return code < 200 or code in (204, 205, 304)


class BodyOnBodylessStatus(Rule):
    """## What it does
    Checks for routes whose status code does not allow a response body (`1xx`, `204 No
    Content`, `205 Reset Content`, `304 Not Modified`) but that declare a response model
    or return a body.

    The status code is read from the route's `status_code=`, written as a number,
    `status.HTTP_204_NO_CONTENT` (any import name, or the bare constant) or
    `HTTPStatus.NO_CONTENT`. The route is reported when:

    - it passes a `response_model=` other than `None`; or
    - its handler's return annotation is a response model: a Pydantic model, or a builtin
      such as `dict`, `list` or `str` (also subscripted, `list[Item]`), and the route does
      not pass `response_model=None`. `-> None` and `-> Response` are fine; or
    - its handler returns a body: a literal (`{"deleted": True}`, `[...]`, a string,
      a number, an f-string, a comprehension) or a Pydantic model it builds.
      `return None`, a bare `return` and a returned `Response(...)` are not bodies.
      A handler that sets its own status code (`response.status_code = 400`) is not
      reported for its returns.

    ## Why is this bad?
    Measured on FastAPI 0.165.0 (Starlette 1.10.0):

    - a response model (from `response_model=` or from the return annotation) on such a
      status code makes the route's registration raise `AssertionError: Status code 204
      must not have a response body` (likewise 205, 304 and 1xx): the application does
      not start;
    - a returned body is dropped: the client receives the status code with an empty body
      and no `Content-Length`. The code that built the body runs for nothing, and a client
      expecting the returned data gets none.

    ## Example
    ```python
    from fastapi import FastAPI, status

    app = FastAPI()
    items = {"foo": "The Foo Wrestlers"}


    @app.delete("/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
    def delete_item(item_id: str):
        items.pop(item_id, None)
        return {"deleted": item_id}
    ```

    Use instead:
    ```python
    from fastapi import FastAPI, status

    app = FastAPI()
    items = {"foo": "The Foo Wrestlers"}


    @app.delete("/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
    def delete_item(item_id: str) -> None:
        items.pop(item_id, None)
    ```

    Or keep the body and answer `200 OK`.

    ## Fix safety
    There is no fix: whether the body or the status code is what the author meant is a
    decision about the API.

    ## References
    - [FastAPI: Response Status Code](https://fastapi.tiangolo.com/tutorial/response-status-code/)
    - [RFC 9110: 204 No Content](https://www.rfc-editor.org/rfc/rfc9110#name-204-no-content)
    - [RFC 9110: 304 Not Modified](https://www.rfc-editor.org/rfc/rfc9110#name-304-not-modified)
    """

    code = "FPI302"
    name = "body-on-bodyless-status"
    message = "Route's status code allows no response body"

    def visit_module_end(self) -> None:
        for route in self.model.routes:
            if route.kind != "http" or not isinstance(route.handler, _FUNCTIONS):
                continue
            status = route.keywords.get("status_code")
            if status is None:
                continue
            scope = route.scope if route.scope is not None else self.model.module
            code = _status_value(status, self.model.resolve(status, scope))
            if code is None or not bodyless(code):
                continue
            self._check(route, code, scope)

    def _check(self, route, code: int, scope) -> None:
        handler = route.handler
        model = route.keywords.get("response_model")
        startup = "FastAPI refuses to register it (`AssertionError`): the application does not start"
        model_none = isinstance(model, ast.Constant) and model.value is None
        if model is not None and not model_none:
            self.report(model, f"`response_model` on a route with status code {code}: {startup}")
            return
        if not model_none and handler.returns is not None and self._is_response_model(handler.returns, scope):
            self.report(
                handler.returns,
                f"Return annotation of `{handler.name}` is a response model on a route with status code "
                f"{code}: {startup}",
            )
            return
        # `response.status_code = 400` or a returned response with its own code: the
        # decorator's code may not be the one sent, and the body may be.
        if _sets_status_code(handler):
            return
        function = self.model.function_scope(handler) or scope
        for statement in _own_returns(handler):
            if self._is_body(statement.value, function):
                self.report(
                    statement,
                    f"`{handler.name}` returns a body on a route with status code {code}: "
                    "FastAPI drops it, the client receives an empty response",
                )

    def _is_response_model(self, annotation: ast.expr, scope) -> bool:
        if isinstance(annotation, ast.Constant):  # `None`, or a string FastAPI would resolve
            return False
        if isinstance(annotation, ast.Subscript):
            base = self.model.resolve(annotation.value, scope)
            return base in _MODEL_BUILTINS or base in _TYPING_CONTAINERS and base not in (
                "typing.Optional", "typing.Union"
            )
        if isinstance(annotation, (ast.Name, ast.Attribute)):
            target = self.model.resolve(annotation, scope)
            return target in _MODEL_BUILTINS or self.model.is_pydantic_base(target)
        return False

    def _is_body(self, value: ast.expr | None, function) -> bool:
        if value is None or (isinstance(value, ast.Constant) and value.value is None):
            return False
        if isinstance(value, _LITERAL_BODIES) or isinstance(value, ast.Constant):
            return True
        if isinstance(value, ast.Call):
            return self.model.is_pydantic_base(self.model.resolve(value.func, function))
        return False


def _own_returns(function: ast.AST):
    """The `return` statements of `function`'s own body (not of nested scopes)."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, _NESTED):
            continue
        if isinstance(node, ast.Return):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _sets_status_code(function: ast.AST) -> bool:
    """`<something>.status_code = ...` in `function`'s own body: the code sent may differ."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, _NESTED):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "status_code" for t in targets):
                return True
        stack.extend(ast.iter_child_nodes(node))
    return False
