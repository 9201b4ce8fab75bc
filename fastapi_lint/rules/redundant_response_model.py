"""FPI303: `response_model=` that repeats the handler's return annotation (ruff's FAST001)."""

from __future__ import annotations

import ast

from ..fixes import Applicability, Edit, Fix
from ._await_sites import SourceText
from ._route_move import has_future_annotations
from .base import Rule

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class RedundantResponseModel(Rule):
    """## What it does
    Checks for route decorators whose `response_model=` is the same type as the
    handler's return annotation (`@app.get("/items/{id}", response_model=Item)` over
    `def read_item(id: int) -> Item`). Ruff calls this FAST001.

    Not in the default selection: it is a matter of style, not a bug. FastAPI's docs
    present both ways of declaring the response model.

    ## Why is this bad?
    Since FastAPI 0.89, a route without `response_model` takes its response model from
    the return annotation, so writing the type twice only adds a place to forget when one
    of them changes. When they differ on purpose (`response_model=ItemOut` over
    `-> Item`, to filter fields), the two are not the same type, and the rule is silent.

    Types are compared as names resolved through the imports (`models.Item` and `Item`
    from `from models import Item` are the same), including subscripts
    (`list[Item]`, `Optional[Item]`). Not reported: `response_model=None`, string
    annotations, and registrations with `**kwargs`.

    ## Example
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str


    @app.get("/items/{item_id}", response_model=Item)
    async def read_item(item_id: int) -> Item:
        return Item(name="Portal Gun")
    ```

    Use instead:
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str


    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> Item:
        return Item(name="Portal Gun")
    ```

    ## Fix safety
    The fix removes the `response_model=` argument. It is safe in a module whose
    annotations are evaluated when the function is defined: the annotation is then the
    very object FastAPI would have been given. With `from __future__ import annotations`
    it is unsafe: FastAPI then resolves the annotation from its text in the module's
    globals, and a name imported only under `if TYPE_CHECKING:` would no longer resolve.
    No fix is offered when a comment sits next to the argument (it would go with it).

    ## References
    - [FastAPI: Response Model - Return Type](https://fastapi.tiangolo.com/tutorial/response-model/)
    - [Ruff: fast-api-redundant-response-model (FAST001)](https://docs.astral.sh/ruff/rules/fast-api-redundant-response-model/)
    """

    code = "FPI303"
    name = "redundant-response-model"
    default_enabled = False
    message = "`response_model` repeats the return annotation"

    def visit_module_end(self) -> None:
        for route in self.model.routes:
            handler = route.handler
            model = route.keywords.get("response_model")
            if (
                route.kind != "http" or route.has_star_kwargs or model is None
                or not isinstance(handler, _FUNCTIONS) or handler.returns is None
                or not isinstance(route.node, ast.Call)
            ):
                continue
            scope = route.scope if route.scope is not None else self.model.module
            shown = self._type_text(model, scope)
            if shown is None or shown != self._type_text(handler.returns, scope):
                continue
            keyword = next(k for k in route.node.keywords if k.arg == "response_model")
            self.report(
                keyword,
                f"`response_model={ast.unparse(model)}` repeats the return annotation of `{handler.name}`: "
                "FastAPI takes the response model from it; remove the argument",
                fix=self._fix(route.node, keyword),
            )

    def _type_text(self, expr: ast.expr, scope) -> str | None:
        """`expr` as a type, with its names resolved through the imports; None when it is
        not a plain type expression (a string, a call, `None`)."""
        if isinstance(expr, (ast.Name, ast.Attribute)):
            return self.model.resolve(expr, scope) or ast.unparse(expr)
        if isinstance(expr, ast.Subscript):
            base = self._type_text(expr.value, scope)
            inner = expr.slice
            parts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            texts = [self._type_text(part, scope) for part in parts]
            if base is None or None in texts:
                return None
            return f"{base}[{', '.join(texts)}]"
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
            left, right = self._type_text(expr.left, scope), self._type_text(expr.right, scope)
            return None if left is None or right is None else f"{left} | {right}"
        return None  # a string, a call, `None` (`response_model=None` turns the model off)

    def _fix(self, call: ast.Call, keyword: ast.keyword) -> Fix | None:
        arguments = sorted([*call.args, *call.keywords], key=lambda n: (n.lineno, n.col_offset))
        index = arguments.index(keyword)
        text = SourceText(self.checker.lines)
        kw_start, kw_end = text.start(keyword), text.end(keyword)
        line_start = text.text.rfind("\n", 0, kw_start) + 1
        line_end = text.text.find("\n", kw_end)
        line_end = len(text.text) if line_end < 0 else line_end + 1
        if not text.text[line_start:kw_start].strip():
            # On a line of its own: the whole line goes, unless a comment would go with it.
            if text.text[kw_end:line_end].strip() not in ("", ","):
                return None
            start, end = line_start, line_end
        elif index + 1 < len(arguments):  # `response_model=Item, ` up to the next argument
            start, end = kw_start, text.start(arguments[index + 1])
        elif index > 0:  # `, response_model=Item` after the previous argument
            start, end = text.end(arguments[index - 1]), kw_end
        else:
            return None
        if "#" in text.text[start:end]:
            return None
        future = has_future_annotations(self.checker.tree)
        applicability = Applicability.UNSAFE if future else Applicability.SAFE
        return Fix("Remove `response_model`", applicability, (Edit("", text.location(start), text.location(end)),))
