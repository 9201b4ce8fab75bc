"""FPI304: `Depends(...)`, `Query(...)` and the like as a parameter's default instead of in
`Annotated[...]` (ruff's FAST002)."""

from __future__ import annotations

import ast
import builtins
import re
from functools import cached_property

from ..fixes import Applicability, Edit, Fix, ImportRequest
from ..fixes.imports import unconditional_statements
from ..semantic.names import canonical
from ._await_sites import SourceText
from ._fastapi_version import VERSION_OPTION, rule_fastapi_version
from ._route_move import has_future_annotations
from .base import Rule

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# FastAPI's parameter functions, by canonical name (`fastapi.param_functions.Query` and
# `fastapi.params.Depends` are already `fastapi.*`; the `fastapi.params` classes are
# called the same way).
_PARAM_KINDS = {
    name: kind
    for kind in ("Query", "Path", "Body", "Header", "Cookie", "Form", "File", "Depends", "Security")
    for name in (f"fastapi.{kind}", f"fastapi.params.{kind}")
}
# These take the dependency, not a default: the whole call goes into `Annotated[...]`.
_DEPENDENCY_KINDS = frozenset({"Depends", "Security"})
_BUILTIN_NAMES = frozenset(dir(builtins))
# FastAPI reads `Annotated[T, Depends(...)]` parameters from 0.95.0 on.
ANNOTATED_SINCE = (0, 95)
_COLON = re.compile(r"\s*:\s*")
_EQUALS = re.compile(r"\s*=\s*")


class DependencyWithoutAnnotated(Rule):
    """## What it does
    Checks for function parameters whose default is one of FastAPI's parameter functions
    (`Depends`, `Security`, `Query`, `Path`, `Body`, `Header`, `Cookie`, `Form`,
    `File`) instead of an `Annotated[...]` annotation (`db: Session = Depends(get_db)`
    instead of `db: Annotated[Session, Depends(get_db)]`). Ruff calls this FAST002.

    Not in the default selection: it is a matter of style, not a bug. Both forms declare
    the same parameter: FastAPI builds the same OpenAPI document and gives the handler
    the same values. FastAPI's docs recommend `Annotated` since FastAPI 0.95.

    FastAPI reads markers in `Annotated[...]` from 0.95.0 on: on an older FastAPI the
    suggested form does not work, and the rule says nothing. On FastAPI 0.94.1 (run with
    Pydantic 1.10) `db: Annotated[dict, Depends(get_db)]` is a plain `dict` parameter, a
    required JSON body, and `user: Annotated[str, Depends(get_user)]` a required query
    parameter: neither dependency is called, a request without them answers 422, and a
    client that sends `{"x": 1}` and `?user=mallory` gets them into the handler as `db`
    and `user`. On 0.95.0 both forms run the dependencies. The FastAPI version is the
    `fastapi-version` option, else the one installed in the environment fastapi-lint
    runs in (read from its metadata, never imported), else the highest version the
    project's `pyproject.toml` or `requirements*.txt` allows (`fastapi<0.95`,
    `fastapi==0.89.1`); when none of these says, the rule reports.

    ## Why is this bad?
    With the marker as the default, the function's Python signature lies: called
    directly (from a test, a script, another function) without that argument, it gets a
    `Depends` or `Query` object instead of a value, and a type checker does not see
    that the argument is required. With `Annotated`, the default is a real default (or
    there is none), and the annotated type can be named once and reused
    (`SessionDep = Annotated[Session, Depends(get_db)]`).

    The functions are resolved through the imports (`import fastapi as f; f.Depends`,
    `from fastapi import Depends as D`, `fastapi.params.Depends`): a `Depends` from
    another library is not reported. Every `def` with such a default is reported, not
    only the route handlers and dependencies this module registers: the default has a
    meaning only for FastAPI, so the function is an endpoint or a dependency registered
    somewhere (another module, `Depends()` on a class, `dependencies=[...]`), and
    sub-dependencies are as much FastAPI's as routes are. Lambdas are not reported (their
    parameters cannot be annotated).

    ## Example
    ```python
    from fastapi import Depends, FastAPI, Query

    app = FastAPI()


    def get_db():
        return {"items": ["a", "b"]}


    @app.get("/items/")
    async def read_items(db: dict = Depends(get_db), limit: int = Query(10, le=100)):
        return db["items"][:limit]
    ```

    Use instead:
    ```python
    from typing import Annotated

    from fastapi import Depends, FastAPI, Query

    app = FastAPI()


    def get_db():
        return {"items": ["a", "b"]}


    @app.get("/items/")
    async def read_items(db: Annotated[dict, Depends(get_db)], limit: Annotated[int, Query(le=100)] = 10):
        return db["items"][:limit]
    ```

    ## Fix safety
    The fix rewrites `x: T = Depends(dep)` as `x: Annotated[T, Depends(dep)]`, adding
    `from typing import Annotated` unless the module already imports it (from `typing`
    or `typing_extensions`, or `import typing`) where it runs. For `Query`, `Path`,
    `Body`, `Header`, `Cookie`, `Form` and `File`, the default moves out of the call:
    `Query(5, ge=1)` and `Query(default=5, ge=1)` become `Annotated[int, Query(ge=1)] = 5`;
    `Query(...)` and `Query()` are required and get no default. FastAPI serves the
    result the same way (the same OpenAPI document, the same responses and validation
    errors).

    The fix is unsafe, as ruff's is: it changes the function's Python defaults, so a
    direct call that leaves the argument out now gets the real default, or fails for a
    parameter that becomes required, where it used to receive FastAPI's marker object.
    If your code never calls these functions directly, `extend-safe-fixes = ["FPI304"]`
    makes it safe.

    A parameter without a default cannot follow one with a default: converting a
    positional parameter whose default goes away also converts the parameters before it
    that have defaults, and when one of those would keep a default (`Query(5)`, `= 5`)
    or cannot be converted, no fix is offered. Keyword-only parameters (after `*`) have
    no such constraint.

    No fix is offered for a parameter without an annotation (the type to write is the
    dependency's, which only you know; `Annotated[Any, ...]` would hide it), for an
    annotation that is already `Annotated[...]` or contains a string, for a call with
    `*args`, `**kwargs` or `default_factory=`, or when a comment would be lost.
    With `from __future__ import annotations`, FastAPI evaluates the annotation text
    later, in the module's globals: the fix is then offered only when every name the
    moved call uses is a module-level name (not a local of an enclosing function or a
    class attribute).

    ## Options
    - `fastapi-version`

    ## References
    - [FastAPI: Query Parameters and String Validations, advantages of Annotated](https://fastapi.tiangolo.com/tutorial/query-params-str-validations/#advantages-of-annotated)
    - [FastAPI: Dependencies](https://fastapi.tiangolo.com/tutorial/dependencies/)
    - [Ruff: fast-api-non-annotated-dependency (FAST002)](https://docs.astral.sh/ruff/rules/fast-api-non-annotated-dependency/)
    """

    code = "FPI304"
    name = "dependency-without-annotated"
    default_enabled = False
    message = "FastAPI parameter declared in the default instead of with `Annotated`"
    options = (VERSION_OPTION,)

    def visit_module_end(self) -> None:
        version, _source = rule_fastapi_version(self)
        if version is not None and version < ANNOTATED_SINCE:
            return  # `Annotated[T, Depends(...)]` needs FastAPI 0.95
        for function in self.model.functions:
            node = function.node
            if isinstance(node, _FUNCTIONS):
                enclosing = function.parent if function.parent is not None else self.model.module
                self._check_function(node, enclosing)

    # Module facts the fixes need, computed once and only in a module with findings.
    @cached_property
    def text(self) -> SourceText:
        return SourceText(self.checker.lines)

    @cached_property
    def future(self) -> bool:
        return has_future_annotations(self.checker.tree)

    @cached_property
    def unconditional(self) -> set[int]:
        """The import statements that always run (not under `if TYPE_CHECKING:`)."""
        return {id(statement) for statement in unconditional_statements(self.checker.tree)}

    def _check_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, enclosing) -> None:
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        parameters = [*zip(positional, defaults), *zip(args.kwonlyargs, args.kw_defaults)]
        found = []  # (index, parameter, default, kind)
        for index, (parameter, default) in enumerate(parameters):
            if isinstance(default, ast.Call):
                kind = _PARAM_KINDS.get(self.model.resolve(default.func, enclosing) or "")
                if kind is not None:
                    found.append((index, parameter, default, kind))
        if not found:
            return
        conversions: dict[int, tuple[Edit, bool] | None] = {}  # index -> (edit, removes the default)
        spelling = self._annotated_spelling(node, enclosing)
        for index, parameter, default, kind in found:
            conversions[index] = self._conversion(parameter, default, kind, enclosing, spelling)
        for index, parameter, default, kind in found:
            fix = self._fix(index, len(positional), defaults, conversions, spelling)
            name = parameter.arg
            if parameter.annotation is None:
                message = (
                    f"`{name}` declares `{kind}(...)` as its default: annotate it with its type, "
                    f"`{name}: Annotated[<type>, {kind}(...)]`"
                )
            else:
                message = (
                    f"`{name}` declares `{kind}(...)` as its default: use "
                    f"`{name}: Annotated[{ast.unparse(parameter.annotation)}, {kind}(...)]`"
                )
            self.report(parameter, message, end_node=default, fix=fix)

    def _fix(
        self, index: int, positional_count: int, defaults: list, conversions: dict, spelling
    ) -> Fix | None:
        conversion = conversions.get(index)
        if conversion is None or spelling is None:
            return None
        edits = [conversion[0]]
        if conversion[1] and index < positional_count:
            # No parameter with a default may come before it: those get converted too, and
            # each must lose its default as well.
            for earlier in range(index):
                if defaults[earlier] is None:
                    continue
                other = conversions.get(earlier)
                if other is None or not other[1]:
                    return None
                edits.append(other[0])
        name, imports = spelling
        edits.sort(key=lambda edit: (edit.location.row, edit.location.column))
        return Fix(f"Move the declaration into `{name}[...]`", Applicability.UNSAFE, tuple(edits), imports)

    def _conversion(self, parameter: ast.arg, default: ast.Call, kind: str, enclosing, spelling):
        """The edit turning `name: T = Kind(...)` into `name: Annotated[T, Kind(...)]`, and
        whether the parameter loses its default; None when it cannot be converted."""
        annotation = parameter.annotation
        if annotation is None or spelling is None:
            return None
        if self._has_forward_reference(annotation, enclosing):
            return None  # `Annotated["T", ...]` would leave FastAPI a forward reference
        if isinstance(annotation, ast.Subscript) and self.model.resolve(annotation.value, enclosing) == "typing.Annotated":
            return None
        if any(isinstance(arg, ast.Starred) for arg in default.args) or any(k.arg is None for k in default.keywords):
            return None
        text = self.text

        def source(node: ast.AST) -> str:
            return text.text[text.start(node):text.end(node)]

        moved: list[ast.AST]
        if kind in _DEPENDENCY_KINDS:
            call_text, value, moved = source(default), None, [default]
        else:
            keyword_default = [k for k in default.keywords if k.arg == "default"]
            if len(default.args) + len(keyword_default) > 1 or any(k.arg == "default_factory" for k in default.keywords):
                return None
            value = default.args[0] if default.args else (keyword_default[0].value if keyword_default else None)
            if isinstance(value, ast.Constant) and value.value is Ellipsis:
                value = None  # `Query(...)`: required
            kept = [k for k in default.keywords if k.arg != "default"]
            call_text = f"{source(default.func)}({', '.join(source(k) for k in kept)})"
            moved = [default.func, *kept]
        if self.future and not all(self._module_level(sub, enclosing) for node in moved for sub in ast.walk(node)):
            return None
        name_end = text.start(parameter) + len(parameter.arg)
        start_annotation, end_annotation = text.start(annotation), text.end(annotation)
        # `x: (T) = (Depends(d))`: parentheses around either would be cut in half.
        if not _COLON.fullmatch(text.text[name_end:start_annotation]) or not _EQUALS.fullmatch(
            text.text[end_annotation:text.start(default)]
        ):
            return None
        end = text.end(default)
        if "#" in text.text[name_end:end]:
            return None  # a comment would be lost
        content = f": {spelling[0]}[{source(annotation)}, {call_text}]"
        if value is not None:
            content += f" = {source(value)}"
        return Edit(content, text.location(name_end), text.location(end)), value is None

    def _has_forward_reference(self, annotation: ast.expr, enclosing) -> bool:
        """A string in the annotation, other than the values of a `Literal[...]`."""
        literal_values = {
            id(sub)
            for node in ast.walk(annotation)
            if isinstance(node, ast.Subscript) and self.model.resolve(node.value, enclosing) == "typing.Literal"
            for sub in ast.walk(node.slice)
        }
        return any(
            isinstance(sub, ast.Constant) and isinstance(sub.value, str) and id(sub) not in literal_values
            for sub in ast.walk(annotation)
        )

    def _module_level(self, node: ast.AST, enclosing) -> bool:
        """With postponed annotations, a name in the annotation is looked up in the
        module's globals: it must mean there what it means where the default was."""
        if not isinstance(node, ast.Name):
            return True
        binding = enclosing.lookup(node.id)
        if binding is None:
            return node.id in _BUILTIN_NAMES
        return self.model.module.bindings.get(node.id) is binding

    def _annotated_spelling(self, function: ast.AST, enclosing) -> tuple[str, tuple[ImportRequest, ...]] | None:
        """How the annotation names `typing.Annotated` (`Annotated`, an alias,
        `typing.Annotated`), and the import to request; None when it cannot."""
        candidates = []
        for name, binding, _ in enclosing.visible_bindings():
            if binding.kind != "import" or self.model.module.bindings.get(name) is not binding:
                continue
            if id(binding.node) not in self.unconditional:
                continue  # `if TYPE_CHECKING:` only: not there when FastAPI evaluates it
            if not self.future and binding.node.lineno > function.lineno:
                continue  # imported below the function: not bound yet when its annotations run
            qualname = canonical(binding.qualname)
            if qualname == "typing.Annotated":
                candidates.append((0 if name == "Annotated" else 1, name))
            elif qualname == "typing":
                candidates.append((2, f"{name}.Annotated"))
        if candidates:
            return min(candidates)[1], ()
        binding = enclosing.lookup("Annotated")
        if binding is not None and (
            binding.kind != "import" or canonical(binding.qualname) != "typing.Annotated"
            or id(binding.node) in self.unconditional
        ):
            # The name means something else here, or is imported below the function (a
            # second import would not be added).
            return None
        return "Annotated", (ImportRequest("typing", "Annotated"),)
