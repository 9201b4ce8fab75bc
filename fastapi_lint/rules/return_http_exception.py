"""FPI301: `return HTTPException(...)` in a route or a dependency, instead of `raise`."""

from __future__ import annotations

import ast

from ..fixes import Applicability, Edit, Fix
from .base import Rule

HTTP_EXCEPTIONS = frozenset({"fastapi.HTTPException", "starlette.exceptions.HTTPException"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Nested scopes: a `return` in them is not the enclosing function's.
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


class ReturnHttpException(Rule):
    """## What it does
    Checks for route handlers and dependencies that `return` an `HTTPException`
    instead of raising it.

    A `return` statement is reported when its value is a call of `fastapi.HTTPException`
    or `starlette.exceptions.HTTPException` (under any import name: `import fastapi as f;
    f.HTTPException`, `from fastapi.exceptions import HTTPException as HTTPError`) or of a
    subclass of one defined in the same module, and the function it returns from is a
    route handler (`@app.get`, `@router.post`, `add_api_route`, ...) or a dependency
    (`Depends(...)` / `Security(...)`, also from another module in a whole-project run).
    A `return` inside a nested function or class is not the route's.

    ## Why is this bad?
    FastAPI only turns a *raised* `HTTPException` into an error response. A returned one
    is just a value: FastAPI serialises it like any other object. Measured on FastAPI
    0.165.0 (Starlette 1.10.0):

    - a route that returns `HTTPException(status_code=404, detail="Item not found")`
      answers `200 OK` with the body
      `{"status_code":404,"detail":"Item not found","headers":null}`; the same for
      Starlette's `HTTPException`;
    - with a `response_model` (or a return annotation) the exception fails response
      validation and the client gets `500 Internal Server Error`;
    - a dependency that returns it does not stop the request: the route runs, with the
      exception object as the dependency's value.

    Clients that check the status code see success (or a server error), and an
    authorisation dependency written this way lets every request through.

    ## Example
    ```python
    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    items = {"foo": "The Foo Wrestlers"}


    @app.get("/items/{item_id}")
    async def read_item(item_id: str):
        if item_id not in items:
            return HTTPException(status_code=404, detail="Item not found")
        return {"item": items[item_id]}
    ```

    Use instead:
    ```python
    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    items = {"foo": "The Foo Wrestlers"}


    @app.get("/items/{item_id}")
    async def read_item(item_id: str):
        if item_id not in items:
            raise HTTPException(status_code=404, detail="Item not found")
        return {"item": items[item_id]}
    ```

    ## Fix safety
    The fix replaces `return` with `raise`. It is safe when the function is only called
    by FastAPI: the response becomes the error the code asks for. It is unsafe when this
    module also calls the function directly (a helper, a test, another route): such a
    caller received the exception as a value and now gets it raised.

    ## References
    - [FastAPI: Handling Errors](https://fastapi.tiangolo.com/tutorial/handling-errors/)
    - [FastAPI: Dependencies with yield and HTTPException](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/)
    """

    code = "FPI301"
    name = "return-http-exception"
    message = "`HTTPException` returned instead of raised"

    def visit_module_end(self) -> None:
        called: set[str] | None = None  # walked for only when a finding needs it
        for function in self.model.functions:
            node = function.node
            if not isinstance(node, _FUNCTIONS):
                continue
            role = self.model.role_of(node)
            if role not in ("route", "dependency"):
                continue
            for statement in _own_returns(node):
                exception = self._http_exception_name(statement.value, function)
                if exception is None:
                    continue
                if role == "route":
                    outcome = "FastAPI sends it as a successful response body, not as an error"
                    what = "Route handler"
                else:
                    outcome = "the request goes on with the exception as the dependency's value"
                    what = "Dependency"
                message = f"{what} `{node.name}` returns `{exception}(...)` instead of raising it: {outcome}"
                if called is None:
                    called = _called_names(self.checker.tree)
                self.report(statement, message, fix=self._fix(statement, node.name in called))

    def _http_exception_name(self, value: ast.expr | None, function) -> str | None:
        """The class name written, when `value` builds an HTTPException (or a local subclass)."""
        if not isinstance(value, ast.Call):
            return None
        target = self.model.resolve(value.func, function)
        if target is None:
            return None
        if target in HTTP_EXCEPTIONS or self._is_local_subclass(target, set()):
            return ast.unparse(value.func)
        return None

    def _is_local_subclass(self, qualname: str, seen: set[str]) -> bool:
        found = self.model.class_named(qualname)
        if found is None or qualname in seen:
            return False
        seen.add(qualname)
        node, _scope = found
        for base in node.bases:
            base_name = self.model.resolve(base, self.model.module)
            if base_name in HTTP_EXCEPTIONS or (base_name and self._is_local_subclass(base_name, seen)):
                return True
        return False

    def _fix(self, statement: ast.Return, called_here: bool) -> Fix:
        start = self.checker.lines.location(statement.lineno, statement.col_offset)
        end = self.checker.lines.location(statement.lineno, statement.col_offset + len("return"))
        applicability = Applicability.UNSAFE if called_here else Applicability.SAFE
        return Fix("Replace `return` with `raise`", applicability, (Edit("raise", start, end),))


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


def _called_names(tree: ast.AST) -> set[str]:
    """Names called directly in the module (`helper(...)`, `self.helper(...)`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    return names
