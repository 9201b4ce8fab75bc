"""Scopes and bindings: what a name means at a point of the module.

The model is deliberately flow-insensitive inside a scope (the last binding seen wins),
which is what pyflakes does too; function bodies are walked after the whole module, so
they see every module-level name, as Python's late binding of globals does.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from .fastapi_model import RouterObject


@dataclass
class Binding:
    """What a name is bound to.

    - `kind="import"`: the name stands for the imported module or object `qualname`.
    - `kind="function"` / `"class"`: a definition in this module (`node`), named `qualname`.
    - `kind="value"`: a value whose class is `type` (a canonical qualname) when known.
    """

    kind: str
    qualname: str | None = None
    node: ast.AST | None = None
    type: str | None = None
    # A FastAPI application or router object, when this value is one.
    router: RouterObject | None = None
    # For values: the call or expression that produced it, when it was a literal
    # container or a constant string (used for module constants like prefixes).
    value: ast.expr | None = None
    # For `with EXPR as name`: EXPR, whose `__enter__` gave the value (a file object's
    # `__enter__` returns the file itself).
    entered: ast.expr | None = None


@dataclass
class Scope:
    kind: str  # "module", "class", "function", "lambda"
    node: ast.AST | None
    parent: Scope | None
    bindings: dict[str, Binding] = field(default_factory=dict)

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings[name] = binding

    def visible_scopes(self) -> Iterator[Scope]:
        """This scope, then the enclosing ones its code sees, innermost first. Python's
        rule: class scopes are not visible from the functions inside them."""
        yield self
        scope = self.parent
        while scope is not None:
            if scope.kind != "class":
                yield scope
            scope = scope.parent

    def lookup(self, name: str) -> Binding | None:
        for scope in self.visible_scopes():
            found = scope.bindings.get(name)
            if found is not None:
                return found
        return None

    def visible_bindings(self) -> Iterator[tuple[str, Binding, bool]]:
        """(name, binding, bound in this scope itself) for every name this scope sees:
        the innermost binding of each name, as `lookup` would find it."""
        seen: set[str] = set()
        for scope in self.visible_scopes():
            for name, binding in scope.bindings.items():
                if name not in seen:
                    seen.add(name)
                    yield name, binding, scope is self

    def enclosing_function(self) -> FunctionScope | None:
        scope: Scope | None = self
        while scope is not None:
            if isinstance(scope, FunctionScope):
                return scope
            scope = scope.parent
        return None


@dataclass
class ClassScope(Scope):
    is_pydantic: bool = False
    base_qualnames: list[str] = field(default_factory=list)
    # Types of instance attributes: class-level annotations and `self.x = ...`.
    attribute_types: dict[str, str] = field(default_factory=dict)
    # Attributes assigned an instance the class builds itself (`self.helper = Helper()`):
    # that type is what runs by default, and a declared or passed-in one (a Protocol, a
    # parameter's annotation) does not replace it.
    constructed_attributes: set[str] = field(default_factory=set)
    attribute_routers: dict[str, RouterObject] = field(default_factory=dict)


@dataclass
class CallRecord:
    call: ast.Call
    target: str | None  # canonical qualname of what is called, when resolvable
    awaited: bool


@dataclass
class FunctionScope(Scope):
    """A `def`, `async def` or `lambda`, with the facts its body showed."""

    is_async: bool = False
    class_scope: ClassScope | None = None  # set for methods
    awaits: int = 0  # `await`, `async for`, `async with` in its own body
    yields: int = 0
    calls: list[CallRecord] = field(default_factory=list)
    # For a lambda: True when it runs right where it is written, inside a body that runs
    # on the loop (`sorted(xs, key=lambda x: ...)`, `map(lambda ...)`).
    inline_on_loop: bool = False

    @property
    def name(self) -> str:
        return getattr(self.node, "name", "<lambda>")

    @property
    def runs_on_event_loop(self) -> bool:
        """An `async def` body runs on the loop, a `def` body does not here.

        A lambda runs on the loop when it is passed straight to an ordinary call in an
        `async def` body; one handed to an offloading function (`asyncio.to_thread`,
        `run_in_threadpool`, ...) or stored for later is not analysed as on the loop. A
        nested `def` called directly from the async body does block the loop, but that is
        a call through a helper, not a call in this body.
        """
        return self.is_async or self.inline_on_loop

    def runs_within(self) -> FunctionScope | None:
        """The function whose run this body is part of: itself, or for a lambda run right
        where it is written, the function around it (None at module level)."""
        scope: FunctionScope | None = self
        while scope is not None and scope.kind == "lambda" and scope.inline_on_loop:
            scope = scope.parent.enclosing_function() if scope.parent is not None else None
        return scope


@dataclass
class CallContext:
    """Where a call happens, as rules need to know it."""

    scope: Scope
    function: FunctionScope | None  # innermost def/async def/lambda, None at module level
    target: str | None  # canonical qualname of the callee, when resolvable
    awaited: bool

    @property
    def async_function_name(self) -> str:
        """The `async def` the call runs in: for a lambda run inline, the one around it."""
        owner = self.function.runs_within() if self.function is not None else None
        return owner.name if owner is not None else "<module>"

    @property
    def on_event_loop(self) -> bool:
        """True when the call runs on the event loop: in an `async def` body
        (or a lambda run right there)."""
        return self.function is not None and self.function.runs_on_event_loop
