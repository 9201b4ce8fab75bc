"""What FPI120 and FPI121 share: which `async def`s never await and which are exempt."""

from __future__ import annotations

import ast

from ..semantic.scopes import FunctionScope


def never_awaits(function: FunctionScope) -> bool:
    """An `async def` with no `await`, `async for` or `async with`, and no `yield`.

    Async generators are exempt: `async def` is what makes them async iterators.
    """
    return function.is_async and function.awaits == 0 and function.yields == 0


def is_stub(node: ast.AST) -> bool:
    """A body that is only a docstring, `...`, `pass` or `raise NotImplementedError`."""
    body = list(getattr(node, "body", []))
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        body = body[1:]
    for statement in body:
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and statement.value.value is Ellipsis:
            continue
        if isinstance(statement, ast.Raise) and statement.exc is not None:
            exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                continue
        return False
    return True
