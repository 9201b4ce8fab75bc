"""Which path parameters a route's handler and its dependency tree receive.

FastAPI gives a path parameter `{name}` to every parameter called `name` anywhere in the
dependency tree (the endpoint, its dependencies, their sub-dependencies, class
dependencies' `__init__`), to a `Path(alias="name")` parameter, and a dependency can read
it itself from `request.path_params["name"]`. A `**kwargs` parameter receives nothing: FastAPI
makes it a required query parameter called `kwargs`.

Each function's use is a plain record (JSON in the module summary, so that a dependency of
another module is known without its file): the names it receives, the dependencies it
declares (qualnames, resolved later: they may live in other modules), and `open` when it may
receive any name (it reads `path_params` in a way we cannot follow, passes the request on,
or declares a dependency we cannot resolve). The rules stay silent when anything is open.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field

from ..semantic.scopes import ClassScope, FunctionScope, Scope

# Starlette's `{name}` / `{name:convertor}` (`starlette.routing.PARAM_REGEX`).
PARAM_REGEX = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_][a-zA-Z0-9_]*)?}")
DEPENDS = frozenset({"fastapi.Depends", "fastapi.Security", "fastapi.params.Depends", "fastapi.params.Security"})
PATH = frozenset({"fastapi.Path", "fastapi.params.Path"})
# Explicit sources other than the path: such a parameter never receives a path parameter.
OTHER_SOURCES = frozenset(
    f"fastapi.{name}" for name in ("Query", "Header", "Cookie", "Body", "Form", "File")
) | frozenset(f"fastapi.params.{name}" for name in ("Query", "Header", "Cookie", "Body", "Form", "File"))
CONNECTIONS = frozenset({
    "starlette.requests.Request", "starlette.websockets.WebSocket", "starlette.requests.HTTPConnection",
    "fastapi.requests.Request", "fastapi.requests.HTTPConnection", "fastapi.websockets.WebSocket",
})
# Injected by FastAPI by their type: never a path or query parameter.
INJECTED = CONNECTIONS | frozenset({
    "starlette.background.BackgroundTasks", "starlette.responses.Response", "fastapi.responses.Response",
    "fastapi.security.SecurityScopes", "fastapi.security.oauth2.SecurityScopes",
})


def path_parameters(path: str) -> list[tuple[str, str]]:
    """`(name, convertor)` of each `{...}` in `path`, in order (convertor "str" by default)."""
    return [(m.group(1), (m.group(2) or ":str")[1:]) for m in PARAM_REGEX.finditer(path)]


@dataclass
class PathUse:
    names: set[str] = field(default_factory=set)
    depends: list[str] = field(default_factory=list)  # qualnames of declared dependencies
    aliases: list[str] = field(default_factory=list)  # imported annotations that may be `Annotated` aliases
    open: bool = False

    def to_json(self) -> dict:
        return {"names": sorted(self.names), "depends": self.depends, "aliases": self.aliases, "open": self.open}

    @classmethod
    def from_json(cls, data: dict) -> PathUse:
        return cls(set(data.get("names", ())), list(data.get("depends", ())), list(data.get("aliases", ())),
                   bool(data.get("open")))

    def empty(self) -> bool:
        return not (self.names or self.depends or self.aliases or self.open)


@dataclass
class Parameter:
    """One parameter of a handler, as FPI411/FPI412 need it."""

    name: str
    node: ast.arg
    annotation: ast.expr | None  # the type, `Annotated[...]` unwrapped
    has_default: bool
    source: str  # "path", "query" (plain: a query parameter unless the path names it), "other"
    alias: str | None = None  # `Path(alias=...)`


def _calls_in(expr: ast.expr | None) -> list[ast.Call]:
    return [node for node in ast.walk(expr) if isinstance(node, ast.Call)] if expr is not None else []


class PathUses:
    """The `PathUse` of this module's functions, classes and `Annotated` aliases, by qualname."""

    def __init__(self, model, tree: ast.Module) -> None:
        self.model = model
        self.tree = tree
        self.records: dict[str, PathUse] = {}
        for function in model.functions:
            qualname = model.scope_qualname(function)
            if qualname is not None and function.kind == "function":
                self.records[qualname] = self.function_use(function)
        for node, class_scope in model.classes.items():
            qualname = model.scope_qualname(class_scope)
            if qualname is not None:
                self.records[qualname] = self._class_use(class_scope, qualname)
        for statement in tree.body:
            target, value = _alias_assignment(statement)
            if target is not None:
                use = PathUse()
                self._annotation_dependencies(value, model.module, use)
                if not use.empty():
                    self.records[model.local_qualname(target)] = use
        # The `dependencies=` of applications, routers and includes, for the routes of other
        # modules they place (`<router INDEX>`, `<include LINE:COLUMN>`).
        for index, obj in enumerate(model.routers):
            self._keyword_record(f"<router {index}>", obj.keywords.get("dependencies"), model.module)
            for event in obj.events:
                if type(event).__name__ == "Include":
                    dependencies = next((k.value for k in event.node.keywords if k.arg == "dependencies"), None)
                    key = f"<include {event.node.lineno}:{event.node.col_offset}>"
                    self._keyword_record(key, dependencies, event.scope or model.module)

    def _keyword_record(self, key: str, expr: ast.expr | None, scope: Scope) -> None:
        if expr is not None:
            use = PathUse()
            self.dependencies_keyword(expr, scope, use)
            self.records[key] = use

    def to_json(self) -> dict[str, dict]:
        """Only the records that say something: a known function without one receives nothing."""
        return {q: use.to_json() for q, use in self.records.items() if not use.empty()}

    # ------------------------------------------------------------------ functions

    def function_use(self, function: FunctionScope) -> PathUse:
        use = PathUse()
        for parameter, default in _parameters(function.node, skip_self=_is_method(function)):
            self._parameter_use(function, parameter, default, use)
        return use

    def parameters(self, function: FunctionScope) -> list[Parameter]:
        found = []
        scope = function.parent or self.model.module
        for parameter, default in _parameters(function.node, skip_self=_is_method(function)):
            annotation, metadata = self._unwrap(parameter.annotation, scope)
            calls = [*metadata, *([default] if isinstance(default, ast.Call) else [])]
            kinds = {self.model.resolve(call.func, scope) for call in calls if isinstance(call, ast.Call)}
            alias = None
            if kinds & PATH:
                source = "path"
                call = next(c for c in calls if isinstance(c, ast.Call) and self.model.resolve(c.func, scope) in PATH)
                alias = _constant_keyword(call, "alias")
            elif kinds & (OTHER_SOURCES | DEPENDS) or self._type_of(annotation, scope) in INJECTED:
                source = "other"
            elif self._alias_dependency(parameter.annotation, scope):
                source = "other"
            else:
                source = "query"
            found.append(Parameter(parameter.arg, parameter, annotation, default is not None, source, alias))
        return found

    def _parameter_use(self, function: FunctionScope, parameter: ast.arg, default: ast.expr | None, use: PathUse) -> None:
        scope = function.parent or self.model.module
        annotation, metadata = self._unwrap(parameter.annotation, scope)
        calls = [*metadata, *([default] if isinstance(default, ast.Call) else [])]
        for call in calls:
            if not isinstance(call, ast.Call):
                continue
            kind = self.model.resolve(call.func, scope)
            if kind in DEPENDS:
                self._dependency(call, annotation, scope, use)
                return
            if kind in PATH:
                _path_names(call, parameter.arg, use)
                return
            if kind in OTHER_SOURCES:
                return
        if self._annotation_dependencies(parameter.annotation, scope, use):
            return
        if any(not isinstance(item, (ast.Call, ast.Constant)) for item in metadata):
            use.open = True  # `Annotated[int, identifier_path]`: a `Path(...)` we do not read
            return
        kind = self._type_of(annotation, scope)
        if kind in CONNECTIONS:
            self._connection_reads(function, parameter.arg, use)
            return
        if kind in INJECTED:
            return
        use.names.add(parameter.arg)

    def _unwrap(self, annotation: ast.expr | None, scope: Scope) -> tuple[ast.expr | None, list[ast.expr]]:
        """`Annotated[T, Depends(f)]` -> (T, [Depends(f)]); aliases of this module are followed."""
        metadata: list[ast.expr] = []
        for _ in range(5):
            if isinstance(annotation, ast.Name):
                binding = scope.lookup(annotation.id)
                value = getattr(binding, "value", None) if binding is not None and binding.kind == "value" else None
                if isinstance(value, ast.Subscript) and self._is_annotated(value, scope):
                    annotation = value
                    continue
            if isinstance(annotation, ast.Subscript) and self._is_annotated(annotation, scope):
                elements = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
                metadata.extend(elements[1:])
                annotation = elements[0]
                continue
            break
        return annotation, metadata

    def _is_annotated(self, subscript: ast.Subscript, scope: Scope) -> bool:
        return self.model.resolve(subscript.value, scope) in ("typing.Annotated", "typing_extensions.Annotated")

    def _annotation_dependencies(self, annotation: ast.expr | None, scope: Scope, use: PathUse) -> bool:
        """Dependencies an annotation declares: `Annotated[T, Depends(f)]` (through aliases
        of this module); an imported name may be an alias of another module (kept for later)."""
        inner, metadata = self._unwrap(annotation, scope)
        found = False
        for item in metadata:
            if isinstance(item, ast.Call) and self.model.resolve(item.func, scope) in DEPENDS:
                self._dependency(item, inner, scope, use)
                found = True
        if not found and isinstance(annotation, (ast.Name, ast.Attribute)):
            root = annotation
            while isinstance(root, ast.Attribute):
                root = root.value
            binding = scope.lookup(root.id) if isinstance(root, ast.Name) else None
            qualname = self.model.resolve(annotation, scope)
            if qualname and binding is not None and binding.kind == "import":
                use.aliases.append(qualname)
        return found

    def _alias_dependency(self, annotation: ast.expr | None, scope: Scope) -> bool:
        return bool(annotation is not None and self._annotation_dependencies(annotation, scope, PathUse()))

    def _type_of(self, annotation: ast.expr | None, scope: Scope) -> str | None:
        return self.model.annotation_type(annotation, scope) if annotation is not None else None

    def _dependency(self, call: ast.Call, annotation: ast.expr | None, scope: Scope, use: PathUse) -> None:
        target = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "dependency"), None)
        if target is None:  # `Depends()`: the annotation's class
            qualname = self._type_of(annotation, scope)
            if qualname is None:
                use.open = True
            else:
                use.depends.append(qualname)
            return
        self.dependency_target(target, scope, use)

    def dependency_target(self, target: ast.expr, scope: Scope, use: PathUse) -> None:
        if isinstance(target, ast.IfExp):
            self.dependency_target(target.body, scope, use)
            self.dependency_target(target.orelse, scope, use)
            return
        if isinstance(target, ast.Call):  # `Depends(RoleChecker("admin"))`: its `__call__`
            kind = self.model.infer_type(target, scope)
            if kind is None:
                use.open = True
            else:
                use.depends.append(f"{kind}.__call__")
            return
        if isinstance(target, ast.Name):
            binding = scope.lookup(target.id)
            if binding is not None and binding.kind == "value":
                if binding.type:  # `checker = Checker(...)`: FastAPI calls its `__call__`
                    use.depends.append(f"{binding.type}.__call__")
                else:
                    use.open = True
                return
        qualname = self.model.resolve(target, scope)
        if qualname is None:
            use.open = True
        else:
            use.depends.append(qualname)

    def dependencies_keyword(self, expr: ast.expr | None, scope: Scope, use: PathUse) -> None:
        """`dependencies=[Depends(f), ...]` of a route, router, include or application."""
        if expr is None:
            return
        if not isinstance(expr, (ast.List, ast.Tuple)):
            use.open = True
            return
        for element in expr.elts:
            if isinstance(element, ast.Call) and self.model.resolve(element.func, scope) in DEPENDS:
                self._dependency(element, None, scope, use)
            else:
                use.open = True

    def _connection_reads(self, function: FunctionScope, name: str, use: PathUse) -> None:
        """`request.path_params["case_id"]` / `.get("case_id")` in the body; anything else
        done with `path_params`, or the request handed to a call, may read any name."""
        node = function.node
        read_nodes: set[int] = set()
        for sub in ast.walk(node):
            key = None
            if isinstance(sub, ast.Subscript) and _is_path_params(sub.value, name):
                key, read = sub.slice, sub.value
            elif (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute)
                  and sub.func.attr in ("get", "__getitem__") and _is_path_params(sub.func.value, name) and sub.args):
                key, read = sub.args[0], sub.func.value
            if key is not None:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    use.names.add(key.value)
                    read_nodes.add(id(read))
                else:
                    use.open = True
        attribute_values = {id(sub.value) for sub in ast.walk(node) if isinstance(sub, ast.Attribute)}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id == name and isinstance(sub.ctx, ast.Load) \
                    and id(sub) not in attribute_values:
                use.open = True  # handed on (`{"request": request}` to a template) or returned
            if isinstance(sub, ast.Attribute) and _is_path_params(sub, name) and id(sub) not in read_nodes:
                use.open = True  # `dict(request.path_params)`, `**request.path_params`...
            elif isinstance(sub, ast.Constant) and sub.value == "path_params":
                use.open = True  # `request.scope["path_params"]`
            elif isinstance(sub, ast.Call):
                values = [*sub.args, *(k.value for k in sub.keywords)]
                if any(isinstance(v, ast.Name) and v.id == name for v in values):
                    use.open = True  # the request goes on to a helper that may read them
                elif any(isinstance(v, ast.Starred) and isinstance(v.value, ast.Name) and v.value.id == name
                         for v in values):
                    use.open = True

    # ------------------------------------------------------------------ classes

    def _class_use(self, class_scope: ClassScope, qualname: str) -> PathUse:
        """A class used as a dependency: FastAPI reads its `__init__`'s parameters."""
        init = class_scope.bindings.get("__init__")
        if init is not None and init.kind == "function":
            function = self.model.function_scope(init.node)
            if function is not None:
                return self.function_use(function)
        if not class_scope.base_qualnames and not _has_decorators(class_scope):
            return PathUse()  # `object.__init__`: no parameters
        return PathUse(open=True)  # a dataclass, a Pydantic model, an inherited `__init__`


def _has_decorators(class_scope: ClassScope) -> bool:
    return bool(getattr(class_scope.node, "decorator_list", ()))


def _is_path_params(expr: ast.expr, name: str) -> bool:
    return (isinstance(expr, ast.Attribute) and expr.attr == "path_params"
            and isinstance(expr.value, ast.Name) and expr.value.id == name)


def _is_method(function: FunctionScope) -> bool:
    if function.class_scope is None:
        return False
    decorators = getattr(function.node, "decorator_list", ())
    return not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in decorators)


def _parameters(node: ast.AST, skip_self: bool) -> list[tuple[ast.arg, ast.expr | None]]:
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    pairs = list(zip(positional, defaults)) + list(zip(args.kwonlyargs, args.kw_defaults))
    return pairs[1:] if skip_self and positional else pairs


def _path_names(call: ast.Call, name: str, use: PathUse) -> None:
    """`Path(alias="x")`, `Path(validation_alias="x")` or `AliasChoices("x", "y")`: FastAPI
    looks the value up under those names (an `AliasPath` or a non-constant: open)."""
    use.names.add(_constant_keyword(call, "alias") or name)  # also when no choice matches
    validation = next((k.value for k in call.keywords if k.arg == "validation_alias"), None)
    if validation is None:
        return
    if isinstance(validation, ast.Constant) and isinstance(validation.value, str):
        use.names.add(validation.value)
    elif isinstance(validation, ast.Call) and all(
        isinstance(a, ast.Constant) and isinstance(a.value, str) for a in validation.args
    ) and getattr(validation.func, "id", getattr(validation.func, "attr", "")) == "AliasChoices":
        use.names.update(a.value for a in validation.args)
    else:
        use.open = True


def _constant_keyword(call: ast.Call, name: str) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == name and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
            return keyword.value.value
    return None


def _alias_assignment(statement: ast.stmt) -> tuple[str | None, ast.expr | None]:
    """`CurrentUser = Annotated[User, Depends(get_user)]` (also annotated, and `type X = ...`)."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        if isinstance(statement.value, ast.Subscript):
            return statement.targets[0].id, ast.Name(statement.targets[0].id, ast.Load())
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        if isinstance(statement.value, ast.Subscript):
            return statement.target.id, ast.Name(statement.target.id, ast.Load())
    type_alias = getattr(ast, "TypeAlias", None)
    if type_alias is not None and isinstance(statement, type_alias) and isinstance(statement.value, ast.Subscript):
        return statement.name.id, statement.value
    return None, None


class Resolver:
    """Follows dependency qualnames to their records: this module's, then the project's.

    A qualname of this project that cannot be resolved is open; a name outside the project
    (a library's dependency: `OAuth2PasswordBearer`) receives nothing. Checked on its own (no
    project), a dependency imported from another module is open."""

    def __init__(self, uses: PathUses, project) -> None:
        self.uses = uses
        self.project = project
        self.module_prefix = (uses.model.module_name or "<module>") + "."

    def closure(self, use: PathUse) -> PathUse:
        """Everything `use` and its dependencies receive, transitively."""
        total = PathUse(set(use.names), open=use.open)
        pending = [*use.depends]
        aliases = list(use.aliases)
        seen: set[str] = set()
        while pending or aliases:
            if total.open:
                break
            if aliases:
                found = self._alias(aliases.pop())
                if found is None:
                    continue
                record = found
            else:
                qualname = pending.pop()
                if qualname in seen:
                    continue
                seen.add(qualname)
                record = self._record(qualname)
                if record is None:
                    total.open = True
                    break
            total.names |= record.names
            total.open |= record.open
            pending.extend(record.depends)
            aliases.extend(record.aliases)
        return total

    def _alias(self, qualname: str) -> PathUse | None:
        """An imported annotation: a record when it is an `Annotated` alias of the project."""
        if qualname in self.uses.records:
            return self.uses.records[qualname]
        if self.project is None:  # on its own: an imported name may be an alias of the project
            return PathUse(open=True) if _looks_local(qualname) else None
        symbol = self.project.resolve(qualname)
        if symbol is None or symbol.kind != "value":
            return None
        data = getattr(symbol.module, "path_params", {}).get(symbol.qualname)
        return PathUse.from_json(data) if data is not None else None

    def _record(self, qualname: str) -> PathUse | None:
        """None: unknown (open). A method of an instance (`X.__call__`) of a class we know
        without that method, or a library's dependency, receives nothing."""
        if qualname in self.uses.records:
            return self.uses.records[qualname]
        if qualname.startswith(self.module_prefix) or qualname.startswith("<module>."):
            owner, _, method = qualname.rpartition(".")
            return None if method != "__call__" or owner not in self.uses.records else PathUse()
        if self.project is None:
            return None if _looks_local(qualname) else PathUse()
        symbol = self.project.resolve(qualname)
        if symbol is None:
            return None if self._in_project(qualname) else PathUse()
        if symbol.kind not in ("function", "class"):
            return None
        data = getattr(symbol.module, "path_params", {}).get(symbol.qualname)
        return PathUse.from_json(data) if data is not None else PathUse()

    def _in_project(self, qualname: str) -> bool:
        top = qualname.split(".", 1)[0]
        return any(name == top or name.startswith(top + ".") for name in self.project.modules)


def _looks_local(qualname: str) -> bool:
    """Checked on its own, a name of the project is told from a library's by not being
    one of the standard library or of FastAPI's stack."""
    return qualname.split(".", 1)[0] not in _LIBRARIES


_LIBRARIES = frozenset(sys.stdlib_module_names) | {
    "builtins", "fastapi", "starlette", "pydantic", "typing_extensions", "sqlalchemy", "sqlmodel",
}
