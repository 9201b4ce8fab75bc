"""Whether a route handler sets its own success status code (used by FPI300).

What counts, as far as one module shows it: `response.status_code = ...`, a Starlette or
FastAPI response built with a status code (keyword, positional, or `**kwargs`), or a
returned call to a same-module helper that does one of those. Error codes (>= 400) do not
count: they are set on an error branch and leave the success path alone.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from http import HTTPStatus
from typing import Callable

_RESPONSE_MODULES = ("starlette.responses.", "fastapi.responses.")
_STATUS_CONSTANT = re.compile(r"^HTTP_([0-9]{3})_")


class StatusFinder:
    """Whether a handler sets its success status code itself, as far as the module shows.

    A status code that is known to be an error (`409`, `status.HTTP_409_CONFLICT`) does not
    count: `return JSONResponse(..., status_code=409)` in an error branch leaves the
    success path at 200.
    """

    _MAX_HELPER_DEPTH = 3

    def __init__(self, model) -> None:
        self.model = model
        # Starlette/FastAPI response classes built without a status code (they answer 200).
        self.plain_responses: list[str] = []

    def sets_status(self, function: ast.AST, depth: int = 0) -> bool:
        for node in _own_nodes(function):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(_assigns_status_code(target) for target in targets) and not self._is_error(node.value):
                    return True
            elif isinstance(node, ast.Call) and _last_name(node.func).endswith("Response"):
                status = _status_argument(node)
                if status is not None and not self._is_error(status):
                    return True
                if status is None and self._is_starlette_response(node.func):
                    if "Redirect" in _last_name(node.func):  # 307 by default: not a 200 anyway
                        return True
                    # Also in a returned helper's body (`return login_response(user)`):
                    # that response is what the client gets.
                    self.plain_responses.append(_last_name(node.func))
            elif isinstance(node, ast.Return) and isinstance(node.value, ast.Call):
                helper = self._module_function(node.value.func)
                if helper is not None and helper is not function and depth < self._MAX_HELPER_DEPTH:
                    if self.sets_status(helper, depth + 1):
                        return True
        return False

    @staticmethod
    def renders_page(function: ast.AST) -> bool:
        """It returns a rendered template (`templates.TemplateResponse(...)`): an HTML form
        handler, whose browser expects a page or a redirect, not a 201."""
        return any(
            isinstance(node, ast.Return) and isinstance(node.value, ast.Call)
            and _last_name(node.value.func) == "TemplateResponse"
            for node in _own_nodes(function)
        )

    def _is_error(self, status: ast.expr | None) -> bool:
        if status is None:
            return False
        code = _status_value(status, self.model.resolve(status, self.model.module))
        return code is not None and code >= 400

    def _is_starlette_response(self, func: ast.expr) -> bool:
        """A response class for sure (not a Pydantic model named `ItemResponse`)."""
        target = self.model.resolve(func, self.model.module) or ""
        if target.startswith(_RESPONSE_MODULES):
            return True
        seen: set[str] = set()
        while self.model.is_local(target) and target not in seen:  # a local subclass
            seen.add(target)
            bases = [
                base
                for node, scope in self.model.classes.items()
                if self.model.class_qualname(node) == target
                for base in scope.base_qualnames
            ]
            if any(base.startswith(_RESPONSE_MODULES) for base in bases):
                return True
            target = bases[0] if bases else ""
        return False

    def _module_function(self, func: ast.expr) -> ast.AST | None:
        if isinstance(func, ast.Name):
            binding = self.model.module.bindings.get(func.id)
            if binding is not None and binding.kind == "function":
                return binding.node
        return None


def _status_argument(call: ast.Call) -> ast.expr | None:
    """The status code passed to a response class: `status_code=` or the second positional."""
    for keyword in call.keywords:
        if keyword.arg == "status_code":
            return keyword.value
        if keyword.arg is None:  # **kwargs: may hold a status code
            return keyword.value
    return call.args[1] if len(call.args) >= 2 else None


def _status_value(expr: ast.expr, qualname: str | None) -> int | None:
    """The integer a status code expression spells, when it is a known constant."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, int):
        return expr.value
    name = _last_name(expr)
    match = _STATUS_CONSTANT.match(name)
    if match:
        return int(match.group(1))
    if qualname and qualname.startswith("http.HTTPStatus.") and name in HTTPStatus.__members__:
        return HTTPStatus[name].value
    return None


def _own_nodes(function: ast.AST):
    """The nodes of a function's body, not descending into nested functions or classes."""
    stack = list(reversed(getattr(function, "body", [])))
    while stack:
        node = stack.pop()
        yield node
        for child in reversed(list(ast.iter_child_nodes(node))):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.append(child)


def _assigns_status_code(target: ast.expr) -> bool:
    if isinstance(target, (ast.Tuple, ast.List)):
        return any(_assigns_status_code(element) for element in target.elts)
    return isinstance(target, ast.Attribute) and target.attr == "status_code"


def _last_name(expr: ast.expr) -> str:
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return expr.id if isinstance(expr, ast.Name) else ""


# ---------------------------------------------------------------------- the fix's spelling

_STATUS_MODULE = "starlette.status"  # `fastapi.status` is canonicalised to it
_HTTP_STATUS = "http.HTTPStatus"


def status_spelling(scope, line: int, name_counts: Callable[[], Counter[str]], code: HTTPStatus) -> str:
    """How this module would write `code` (201, 202) at `line` of `scope`:
    `status.HTTP_201_CREATED` (with the module's own name for FastAPI's / Starlette's
    `status`), a bare `HTTP_201_CREATED` it imports, `HTTPStatus.CREATED`, or the literal.
    `name_counts()`: how often the module spells each name (asked only to choose between
    two names for the same thing)."""
    constant = f"HTTP_{code.value}_{code.name}"  # Starlette's names: HTTP_202_ACCEPTED
    modules, constants, enums = [], [], []
    for name, binding, own_scope in scope.visible_bindings():
        if binding.kind != "import":
            continue
        # An import further down the same scope is not bound yet when `line` runs.
        if own_scope and binding.node is not None and binding.node.lineno > line:
            continue
        if binding.qualname == _STATUS_MODULE:
            modules.append(name)
        elif binding.qualname == f"{_STATUS_MODULE}.{constant}":
            constants.append(name)
        elif binding.qualname == _HTTP_STATUS:
            enums.append(name)
    if modules:
        return f"{_most_used(modules, name_counts)}.{constant}"
    if constants:
        return _most_used(constants, name_counts)
    if enums:
        return f"{_most_used(enums, name_counts)}.{code.name}"
    return str(code.value)


def _most_used(names: list[str], name_counts: Callable[[], Counter[str]]) -> str:
    """The name the module spells most often (the conventional `status` on a tie)."""
    if len(names) == 1:
        return names[0]
    counts = name_counts()
    return max(names, key=lambda name: (counts[name], name == "status", -names.index(name)))


def count_names(tree: ast.Module) -> Counter[str]:
    return Counter(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))
