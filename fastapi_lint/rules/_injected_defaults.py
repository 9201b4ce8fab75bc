"""Parameters whose default is a FastAPI marker (`Depends(get_db)`, `Query(10)`), and the
direct calls that leave them out (FPI305).

FastAPI reads those defaults when it calls the function; Python does not: a direct call
that omits such a parameter passes the marker object itself (`fastapi.params.Depends`,
`fastapi.params.Query`, ...). The project summary keeps the same facts for each function
(`FunctionSummary.injected`), so a call in another module is judged the same way.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..semantic.model import ROUTE_DECORATOR_NAMES

# FastAPI's parameter functions, by canonical name: `fastapi.param_functions.Query` and
# `fastapi.params.Depends` are already `fastapi.*`, the `fastapi.params` classes too.
MARKER_KINDS = {
    name: kind
    for kind in ("Query", "Path", "Body", "Header", "Cookie", "Form", "File", "Depends", "Security")
    for name in (f"fastapi.{kind}", f"fastapi.params.{kind}")
}
_MAX_TEXT = 40


@dataclass(frozen=True)
class InjectedParameter:
    name: str
    index: int | None  # its position among the positional parameters; None: keyword-only
    positional_only: bool
    marker: str  # the default as written, shortened: "Depends(get_db)"
    kind: str  # the `fastapi.params` class of the marker: "Depends", "Query"

    def to_json(self) -> list:
        return [self.name, self.index, self.positional_only, self.marker, self.kind]

    @classmethod
    def from_json(cls, data: list) -> InjectedParameter:
        return cls(*data)


@dataclass(frozen=True)
class Signature:
    """What a direct call must supply: the injected parameters, and how many positional
    parameters without a default come first (a call without them is a `TypeError`)."""

    injected: tuple[InjectedParameter, ...]
    required_positional: tuple[str, ...]
    required_keyword: tuple[str, ...]
    positional: tuple[str, ...]  # every positional parameter, in order
    positional_only: int  # how many of them are positional-only
    varargs: bool  # `*args`: extra positional arguments are accepted

    def to_json(self) -> dict:
        return {
            "injected": [p.to_json() for p in self.injected],
            "required_positional": list(self.required_positional),
            "required_keyword": list(self.required_keyword),
            "positional": list(self.positional),
            "positional_only": self.positional_only,
            "varargs": self.varargs,
        }

    @classmethod
    def from_json(cls, data: dict) -> Signature:
        return cls(
            tuple(InjectedParameter.from_json(p) for p in data["injected"]),
            tuple(data["required_positional"]), tuple(data["required_keyword"]),
            tuple(data["positional"]), data["positional_only"], data["varargs"],
        )


def signature(model, node: ast.AST) -> Signature | None:
    """The signature of a function a direct call may reach unchanged, when it has
    parameters with FastAPI marker defaults; None otherwise.

    Methods are left out (their first argument comes from the instance, and classes used
    as dependencies are another pattern), and so are functions with a decorator other than
    a route registration (`@app.get(...)` returns the function itself; an unknown
    decorator may wrap it, or fill the markers itself as dependency-injection helpers do).
    A parameter the function tests with `isinstance(name, ...)` is left out too: the
    function tells a marker from a value itself.
    """
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    function = model.function_scope(node)
    if function is None or function.class_scope is not None:
        return None
    if any(not _route_decorator(d) for d in node.decorator_list):
        return None
    scope = function.parent if function.parent is not None else model.module
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    injected = []
    for index, (parameter, default) in enumerate(zip(positional, defaults)):
        kind = _marker_kind(model, default, scope)
        if kind is not None:
            positional_only = index < len(args.posonlyargs)
            injected.append(InjectedParameter(parameter.arg, index, positional_only, _text(default), kind))
    for parameter, default in zip(args.kwonlyargs, args.kw_defaults):
        kind = _marker_kind(model, default, scope)
        if kind is not None:
            injected.append(InjectedParameter(parameter.arg, None, False, _text(default), kind))
    if injected:  # the body is searched only then: this runs for every function
        checked = _type_checked_names(node)
        injected = [parameter for parameter in injected if parameter.name not in checked]
    if not injected:
        return None
    return Signature(
        tuple(injected),
        tuple(p.arg for p, d in zip(positional, defaults) if d is None),
        tuple(p.arg for p, d in zip(args.kwonlyargs, args.kw_defaults) if d is None),
        tuple(p.arg for p in positional),
        len(args.posonlyargs),
        args.vararg is not None,
    )


def omitted(call: ast.Call, signature: Signature) -> list[InjectedParameter]:
    """The injected parameters `call` leaves to their marker defaults. Empty when it
    supplies them all, when a `*args` / `**kwargs` splat may supply them, or when the call
    is a `TypeError` anyway (a required parameter is missing)."""
    if any(isinstance(arg, ast.Starred) for arg in call.args):
        return []  # any positional parameter may come from the splat: nothing is certain
    splat_keywords = any(keyword.arg is None for keyword in call.keywords)
    given_positional = len(call.args)
    keywords = {keyword.arg for keyword in call.keywords if keyword.arg is not None}
    supplied = set(signature.positional[:given_positional])
    supplied |= {name for name in keywords if name not in signature.positional[: signature.positional_only]}
    if not splat_keywords:
        missing = [n for n in signature.required_positional if n not in supplied]
        missing += [n for n in signature.required_keyword if n not in keywords]
        if missing:
            return []  # Python raises `TypeError` before the function runs
    found = []
    for parameter in signature.injected:
        if parameter.name in supplied:
            continue
        if splat_keywords and not parameter.positional_only:
            continue  # `**kwargs` may hold it
        found.append(parameter)
    return found


def _type_checked_names(node: ast.AST) -> set[str]:
    """Names the function tests with `isinstance(name, ...)`: written to be called
    directly too, it tells a marker from a value (`isinstance(x_api_key, str)`)."""
    return {
        sub.args[0].id
        for statement in node.body
        for sub in ast.walk(statement)
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "isinstance"
        and sub.args and isinstance(sub.args[0], ast.Name)
    }


def _marker_kind(model, default: ast.expr | None, scope) -> str | None:
    if not isinstance(default, ast.Call):
        return None
    return MARKER_KINDS.get(model.resolve(default.func, scope) or "")


def _route_decorator(decorator: ast.expr) -> bool:
    return (
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr in ROUTE_DECORATOR_NAMES
    )


def _text(call: ast.Call) -> str:
    """`Depends(get_db)`; a long one as `Security(...)`."""
    text = " ".join(ast.unparse(call).split())
    return text if len(text) <= _MAX_TEXT else " ".join(ast.unparse(call.func).split()) + "(...)"
