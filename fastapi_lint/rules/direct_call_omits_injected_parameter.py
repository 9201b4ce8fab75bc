"""FPI305: a direct call of a function whose FastAPI parameters (`db=Depends(get_db)`) it
leaves out: they receive the marker objects, not values."""

from __future__ import annotations

import ast

from ..semantic.names import DEPENDS_FUNCTIONS
from ._injected_defaults import InjectedParameter, Signature, omitted, signature
from .base import Rule


class DirectCallOmitsInjectedParameter(Rule):
    """## What it does
    Checks for direct calls of a function that declares FastAPI parameters in its
    defaults (`token: str = Depends(oauth2_scheme)`, `db = Depends(get_db)`,
    `limit: int = Query(10)`, also `Security`, `Path`, `Body`, `Header`, `Cookie`,
    `Form` and `File`), when the call leaves at least one of those parameters out:
    `get_current_user(token)` for
    `def get_current_user(token: str = Depends(oauth2_scheme), db = Depends(get_db))`.

    The called function is found through the module's names (a function of this module,
    a nested function, and in a whole-project run a function imported from another
    module of the project); the markers are resolved through the imports
    (`import fastapi as f; f.Depends`, `from fastapi import Depends as D`,
    `fastapi.params.Query`). A parameter counts as left out when no positional argument
    reaches its position and no keyword names it; a call with a `*args` splat is not
    reported, and a `**kwargs` splat is assumed to supply every parameter it can name.

    Not reported: a call that passes every such parameter; a function passed by
    reference (`Depends(get_current_user)`, `add_api_route("/me", read_me)`, a route
    decorator), which FastAPI itself calls and injects; a call written inside `Depends()`
    (`Depends(get_user())`, FPI600's finding); a call that misses a parameter without a
    default (Python raises `TypeError`, the call never runs); parameters declared with
    `Annotated[str, Depends(f)]` and no default (leaving one out is that same
    `TypeError`, and `Annotated[int, Query()] = 10` has a real default); methods and
    classes (`Pagination()` with `Query` defaults in `__init__`); functions with a
    decorator other than a route registration (`@app.get(...)` returns the function as
    it is, other decorators may wrap it or fill the markers themselves, as
    dependency-injection helpers do); and a parameter the function tests with
    `isinstance()` (`key if isinstance(x_api_key, str) else None`): written to be called
    directly as well, it tells the marker from a value itself.

    Not in the default selection yet: on 20 real projects it found two calls, one a real
    bug (a test whose call fails on the marker before it tests anything), the other a
    function written to be called directly that checks its parameter with `isinstance()`
    (left out since; a later run on 23 projects finds only the first). Too few findings
    to judge its precision by.

    ## Why is this bad?
    FastAPI injects dependencies and request values only when *it* calls the function,
    for a request. A default such as `Depends(get_db)` or `Query(10)` is an ordinary
    Python default to everyone else: a direct call that leaves the parameter out gets the
    marker object itself, a `fastapi.params.Depends` (or `Security`, `Query`, `Header`,
    `Body`, `Path`, `Cookie`, `Form`, `File`) instance, never the session, the user or
    the value `10`. Measured on FastAPI 0.165.0: every one of these markers stays the
    parameter's value in a direct call, and `Query(10)` gives a `fastapi.params.Query`
    whose `default` is 10, not 10. The function then fails far from the call
    (`'Depends' object has no attribute 'query'`), or worse, goes on with a truthy
    object where it expected a value or `None`.

    ## Example
    ```python
    from fastapi import Depends, FastAPI

    app = FastAPI()


    def get_db():
        return {"alice": {"name": "Alice"}}


    def get_user(name: str, db: dict = Depends(get_db)):
        return db[name]


    @app.get("/users/{name}/greeting")
    def greet(name: str):
        user = get_user(name)
        return {"greeting": f"Hello {user['name']}"}
    ```

    Use instead:
    ```python
    from fastapi import Depends, FastAPI

    app = FastAPI()


    def get_db():
        return {"alice": {"name": "Alice"}}


    def get_user(name: str, db: dict = Depends(get_db)):
        return db[name]


    @app.get("/users/{name}/greeting")
    def greet(name: str, db: dict = Depends(get_db)):
        user = get_user(name, db)
        return {"greeting": f"Hello {user['name']}"}
    ```

    ## Fix safety
    There is no fix: what the call should pass (a session, the current user, a value) is
    known only to its author, and giving it FastAPI's injection (`Depends(get_user)` in
    the caller's own signature) changes the caller's parameters.

    ## References
    - [FastAPI: Dependencies](https://fastapi.tiangolo.com/tutorial/dependencies/)
    - [FastAPI: Testing Dependencies with Overrides](https://fastapi.tiangolo.com/advanced/testing-dependencies/)
    - [FastAPI: Query Parameters and String Validations, advantages of Annotated](https://fastapi.tiangolo.com/tutorial/query-params-str-validations/#advantages-of-annotated)
    """

    code = "FPI305"
    name = "direct-call-omits-injected-parameter"
    # Two findings in 20 corpus projects, one true (docs/judged/2026-12-07-fpi305.tsv):
    # too little evidence for the default selection yet.
    default_enabled = False
    message = "Direct call leaves out a FastAPI parameter: it receives the marker object, not a value"

    def __init__(self, checker, option_values) -> None:
        super().__init__(checker, option_values)
        self._inside_depends: set[int] = set()  # calls written as `Depends(f())`'s argument
        self._signatures: dict[ast.AST, Signature | None] = {}

    def visit_call(self, call: ast.Call, ctx) -> None:
        if ctx.target in DEPENDS_FUNCTIONS:
            for argument in [*call.args, *(k.value for k in call.keywords)]:
                self._inside_depends.add(id(argument))
            return
        if id(call) in self._inside_depends:
            return
        found = self._signature(call.func, ctx)
        if found is None:
            return
        left_out = omitted(call, found)
        if left_out:
            self.report(call, _message(ast.unparse(call.func), left_out))

    def _signature(self, func: ast.expr, ctx) -> Signature | None:
        if isinstance(func, ast.Name):
            binding = ctx.scope.lookup(func.id)
            if binding is None:
                return None
            if binding.kind == "function":
                node = binding.node
                if node not in self._signatures:
                    self._signatures[node] = signature(self.model, node)
                return self._signatures[node]
            if binding.kind != "import":
                return None
        elif not isinstance(func, ast.Attribute):
            return None
        return self._imported(ctx.target)

    def _imported(self, target: str | None) -> Signature | None:
        """A function of another module of the project, from its summary."""
        project = getattr(self.model.project, "project", None)
        if project is None or target is None or self.model.is_local(target):
            return None
        symbol = project.resolve(target)
        summary = project.function(symbol)
        if summary is None or summary.injected is None or symbol.module.module == self.model.module_name:
            return None
        return Signature.from_json(summary.injected)


def _message(callee: str, left_out: list[InjectedParameter]) -> str:
    names = _join([f"`{p.name}`" for p in left_out])
    if len(left_out) == 1:
        [parameter] = left_out
        outcome = (
            f"`{parameter.name}` receives its default, the `{parameter.marker}` object itself "
            f"(a `fastapi.params.{parameter.kind}`), not a value"
        )
    else:
        received = ", ".join(f"`{p.name}` gets `{p.marker}` (`fastapi.params.{p.kind}`)" for p in left_out)
        outcome = f"they receive their defaults, the marker objects themselves: {received}"
    return (
        f"`{callee}()` is called directly without {names}: FastAPI injects only when it calls the "
        f"function, so {outcome}"
    )


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
