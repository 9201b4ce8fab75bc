"""FPI200: a list, dict or set literal (or constructor) as a Pydantic field default."""

from __future__ import annotations

import ast

from ..fixes import Fix
from ._default_factory import FieldDefault, default_factory_fix, factory_for
from .base import Rule
from ..source import parse_module

_FIELD_FUNCTIONS = frozenset({"pydantic.Field", "pydantic.v1.Field", "sqlmodel.Field"})
_PRIVATE_ATTR_FUNCTIONS = frozenset({"pydantic.PrivateAttr", "pydantic.fields.PrivateAttr"})
_CLASSVAR = frozenset({"typing.ClassVar"})
# Pydantic treats `Final` with a default as a class variable, not a field (2.11+).
_NOT_A_FIELD = _CLASSVAR | {"typing.Final"}
_MUTABLE_CONSTRUCTORS = frozenset(
    {
        "builtins.list",
        "builtins.dict",
        "builtins.set",
        "collections.defaultdict",
        "collections.OrderedDict",
        "collections.deque",
        "collections.Counter",
        "collections.ChainMap",
        "collections.UserDict",
        "collections.UserList",
    }
)
_MUTABLE_LITERALS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
_MAX_SHOWN = 30


class MutableDefaultInPydanticModel(Rule):
    """## What it does
    Checks for Pydantic model fields whose default is a list, dict or set: a literal
    (`[]`, `{}`, `{"a"}`), a comprehension, or a constructor call (`list()`, `dict()`,
    `set()`, `collections.defaultdict(...)`, `OrderedDict()`, `deque()`, `Counter()`),
    written directly or through `Field(...)` / `Field(default=...)`.

    It looks at classes deriving from `pydantic.BaseModel`, `RootModel`,
    `pydantic.v1.BaseModel`, `pydantic_settings.BaseSettings` and `sqlmodel.SQLModel`
    (also through subclasses defined in the same module and, when a project is checked,
    in any of its modules, through any number of base classes and mixins). `ClassVar`
    attributes, `model_config`, nested `class Config` bodies, `Field(default_factory=...)`,
    private `_attributes`, tuples and frozensets are left alone.

    ## Why is this bad?
    On a Pydantic model this is **not** a shared-state bug: Pydantic copies a list, dict
    or set default for every instance (on `BaseModel`, `BaseSettings` and SQLModel, also
    for `Field(default=[])`, in Pydantic 2 as in `pydantic.v1`), so appending to one
    instance's list never changes another's. The rule is about readability and
    portability:

    - The same line in a stdlib `@dataclass` or a Pydantic dataclass raises `ValueError`
      when the class is created, and in a plain class (a dependency class, a helper) it
      *is* one list shared by every instance. Code that reads as a shared default is easy
      to copy into one of those places.
    - `Field(default_factory=list)` says "a new empty list each time" without relying on
      a Pydantic-specific copy.

    Because the code works, the rule is not in the default selection: any selector you
    write that matches it turns it on (`extend-select = ["FPI200"]`, `--select FPI2`, an
    explicit `select = ["FPI"]`), as for ruff's rules outside its default set. Note that switching to
    `default_factory` removes `"default": []` from the model's JSON schema, and so from
    your OpenAPI document; clients or generated SDKs that read that default will see the
    change.

    ## Example
    ```python
    from pydantic import BaseModel


    class Item(BaseModel):
        name: str
        tags: list[str] = []
    ```

    Use instead:
    ```python
    from pydantic import BaseModel, Field


    class Item(BaseModel):
        name: str
        tags: list[str] = Field(default_factory=list)
    ```

    ## Fix safety
    The fix is unsafe: it changes the model's JSON schema and the OpenAPI document. It
    rewrites the default as `Field(default_factory=...)`, keeping every other `Field`
    argument and the comments as written. Instances still get their own list, dict or set
    (Pydantic copied the default; the factory builds a new one), so the values a model
    holds do not change. What changes is what the model publishes: `"default": []`
    disappears from `model_json_schema()` and from the OpenAPI document (clients and SDK
    generators that read it see a field without a default), `Model.model_fields[...].default`
    becomes `PydanticUndefined`, and on `pydantic.v1` models `.dict(exclude_defaults=True)`
    keeps the field (v1 does not compare a factory's value with a default).

    The factory is `list` or `dict` for an empty literal, the class itself for a
    constructor called without arguments (`set`, `deque`), and `lambda: <the default>`
    otherwise. The lambda runs at each instantiation, outside the class body, so it is only
    offered when it rebuilds the same value: every name in it is a builtin or a module-level
    import, class or function, and every call is to a builtin or a container constructor
    (`[DEFAULT_TAG]`, `[make_tag()]` or a name of the class body get no fix, and the
    message then recommends no lambda either). `Field` is the one the module already
    imports for the model's library (Pydantic, `pydantic.v1` or SQLModel, under the
    module's own spelling such as `pd.Field`); otherwise the fix adds
    `from pydantic import Field` (or from `sqlmodel`, `pydantic.v1`), only when the name
    `Field` is free. The library is found through the model's base classes, also those
    of other modules when a project is checked; when a base cannot be followed to its
    library, or the bases come from two libraries, no fix is offered.

    ## References
    - [Pydantic: Fields with non-hashable default values](https://docs.pydantic.dev/latest/concepts/models/#fields-with-non-hashable-default-values)
    - [Pydantic: Default values](https://docs.pydantic.dev/latest/concepts/fields/#default-values)
    - [Python: dataclasses mutable default values](https://docs.python.org/3/library/dataclasses.html#mutable-default-values)
    """

    code = "FPI200"
    name = "mutable-default-in-pydantic-model"
    message = "Mutable default on a Pydantic field"
    default_enabled = False

    def visit_class(self, node: ast.ClassDef, class_scope) -> None:
        if not class_scope.is_pydantic:
            return
        for statement in node.body:
            if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
                continue
            field_name = statement.target.id
            if field_name.startswith("_") or field_name == "model_config":
                continue
            if self._is_class_variable(statement.annotation, class_scope):
                continue
            default = self._field_default(statement, class_scope)
            if default is not None and self._is_mutable(default.expr, class_scope):
                fix = default_factory_fix(
                    self.model, self.checker.lines, self.checker.tree, node, class_scope, statement, default
                )
                message = self._message(field_name, default.expr, class_scope)
                self.report(statement, message, fix=self._claim_imports(fix))

    def __init__(self, checker, option_values) -> None:
        super().__init__(checker, option_values)
        # Imported name -> module, for the imports this file's fixes request.
        self._claimed_imports: dict[str, str] = {}

    def _claim_imports(self, fix: Fix | None) -> Fix | None:
        """One class may need `from pydantic import Field` and another `from sqlmodel import
        Field`: the first request for the name wins; the other class gets no fix (once the
        name is bound to the other `Field`, it is not offered either)."""
        if fix is None:
            return None
        for request in fix.imports:
            if self._claimed_imports.setdefault(request.name, request.module) != request.module:
                return None
        return fix

    # ------------------------------------------------------------------ what is a field

    def _is_class_variable(self, annotation: ast.expr, scope) -> bool:
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = parse_module(annotation.value, mode="eval").body
            except SyntaxError:
                return False
        outer = annotation.value if isinstance(annotation, ast.Subscript) else annotation
        qualname = self.model.resolve(outer, scope)
        if qualname in _NOT_A_FIELD:
            return True
        # `ClassVar` spelled bare without a visible import (star import, stubs).
        return isinstance(outer, (ast.Name, ast.Attribute)) and _last_name(outer) == "ClassVar"

    def _field_default(self, statement: ast.AnnAssign, scope) -> FieldDefault | None:
        """The default value expression, looking through `Field(...)`; None if there is none."""
        value = statement.value
        if value is None:
            # `tags: Annotated[list[str], Field(default=[])]`
            annotation = statement.annotation
            if not isinstance(annotation, ast.Subscript):
                return None
            if self.model.resolve(annotation.value, scope) != "typing.Annotated":
                return None
            elements = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
            for metadata in elements[1:]:
                if isinstance(metadata, ast.Call) and self._is_field_call(metadata, scope):
                    return self._default_of_field(metadata)
            return None
        if isinstance(value, ast.Call):
            target = self.model.resolve(value.func, scope)
            if target in _PRIVATE_ATTR_FUNCTIONS:
                return None
            if self._is_field_call(value, scope):
                return self._default_of_field(value)
        return FieldDefault(value)

    def _is_field_call(self, call: ast.Call, scope) -> bool:
        return self.model.resolve(call.func, scope) in _FIELD_FUNCTIONS

    @staticmethod
    def _default_of_field(call: ast.Call) -> FieldDefault | None:
        if any(k.arg == "default_factory" for k in call.keywords):
            return None
        if call.args:
            return FieldDefault(call.args[0], call)
        keyword = next((k for k in call.keywords if k.arg == "default"), None)
        return FieldDefault(keyword.value, call, keyword) if keyword is not None else None

    def _is_mutable(self, default: ast.expr, scope) -> bool:
        if isinstance(default, _MUTABLE_LITERALS):
            return True
        if isinstance(default, ast.Call):
            return self.model.resolve(default.func, scope) in _MUTABLE_CONSTRUCTORS
        return False

    # ------------------------------------------------------------------ message

    def _message(self, field_name: str, default: ast.expr, class_scope) -> str:
        shown = ast.unparse(default)
        if len(shown) > _MAX_SHOWN:
            shown = shown[: _MAX_SHOWN - 3] + "..."
        # The factory the fix would write: a lambda only where it rebuilds the same value
        # (not over a class-body name, nor repeating a call such as `datetime.now()`).
        factory = factory_for(self.model, self.checker.lines, class_scope, default)
        if factory is None:
            advice = "a `default_factory` that builds the same value"
        else:
            if factory.startswith("lambda: "):
                factory = f"lambda: {ast.unparse(default)}"  # on one line
            advice = f"`Field(default_factory={factory})`"
        return (
            f"Mutable default `{shown}` on Pydantic field `{field_name}`: prefer {advice} "
            "(Pydantic copies it per instance: a clarity issue, not a shared-state bug)"
        )


def _last_name(expr: ast.expr) -> str:
    return expr.attr if isinstance(expr, ast.Attribute) else getattr(expr, "id", "")
