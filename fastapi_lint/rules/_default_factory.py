"""FPI200's fix: a mutable field default rewritten as `Field(default_factory=...)`.

The factory rebuilds the same value, evaluated where Python would evaluate it:
- `[]`, `{}` -> `list`, `dict`; `set()`, `deque()`, `c.OrderedDict()` -> the callee itself,
  evaluated in the class body exactly as the call was;
- anything else -> `lambda: <the default, as written>`. A lambda's body runs at each
  instantiation and does not see the class body's names, so this form is only offered when
  every name in the default is a builtin or a module-level import, class or function that
  the class body does not rebind, and every call in it is to a builtin or a container
  constructor (no call with side effects runs more often than before).

The `Field` used is the one the module already has for the model's flavour (Pydantic,
`pydantic.v1`, SQLModel), under the module's own spelling; otherwise `from <module> import
Field` is requested, when the name `Field` is free.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from ..diagnostics import SourceLines
from ..fixes import Applicability, Fix, ImportRequest, replace_node
from ..semantic.names import PYDANTIC_BASES, canonical
from ._source_text import end_of, node_text, start_of, text_between

_FIELD_OF_FLAVOUR = {
    "pydantic": ("pydantic", frozenset({"pydantic.Field"})),
    "pydantic.v1": ("pydantic.v1", frozenset({"pydantic.v1.Field", "pydantic.v1.fields.Field"})),
    "sqlmodel": ("sqlmodel", frozenset({"sqlmodel.Field"})),
}
_FLAVOUR_PREFIXES = (("sqlmodel.", "sqlmodel"), ("pydantic.v1.", "pydantic.v1"))
_EMPTY_LITERALS = {"[]": "list", "{}": "dict"}
_COMMENT = re.compile(r"#[^\r\n]*")
_MAX_TITLE = 40
_MAX_BASES = 50  # base classes followed for one model, mixins included
# Calls a lambda factory may repeat at each instantiation: builtins and containers.
_CONTAINER_CONSTRUCTORS = frozenset(
    {
        "collections.defaultdict", "collections.OrderedDict", "collections.deque",
        "collections.Counter", "collections.ChainMap", "collections.UserDict", "collections.UserList",
    }
)
_REPEATABLE_BUILTINS = frozenset(
    f"builtins.{name}"
    for name in (
        "list", "dict", "set", "frozenset", "tuple", "range", "str", "int", "float", "bool",
        "bytes", "len", "sorted", "reversed", "zip", "enumerate", "min", "max", "sum",
    )
)


@dataclass(frozen=True)
class FieldDefault:
    """Where a field's default is written.

    - `field_call` None: `tags: list[str] = []` (the default is the assigned value);
    - `keyword` None: `Field([])` (the first positional argument);
    - otherwise `Field(default=[])` (the `default=` keyword).
    """

    expr: ast.expr
    field_call: ast.Call | None = None
    keyword: ast.keyword | None = None


def default_factory_fix(
    model,
    lines: SourceLines,
    tree: ast.Module,
    class_node: ast.ClassDef,
    class_scope,
    statement: ast.AnnAssign,
    default: FieldDefault,
) -> Fix | None:
    factory = factory_for(model, lines, class_scope, default.expr)
    if factory is None:
        return None
    argument = f"default_factory={factory}"
    imports: tuple[ImportRequest, ...] = ()
    if default.field_call is None:
        flavour = _flavour(model, class_scope)
        if flavour is None:
            return None
        if flavour == "pydantic.v1" and _has_call(statement.annotation):
            return None  # v1 refuses `Annotated[..., Field()]` together with `= Field()`
        field = _field_spelling(model, tree, class_node, class_scope, flavour)
        if field is None:
            return None
        spelling, imports = field
        edit = replace_node(lines, default.expr, f"{spelling}({argument})")
    elif default.keyword is not None:
        edit = replace_node(lines, default.keyword, argument)
    else:
        if not _is_first_unparenthesized_argument(lines, default.field_call, default.expr):
            return None
        edit = replace_node(lines, default.expr, argument)
    shown = argument if len(argument) <= _MAX_TITLE and "\n" not in argument else "default_factory=lambda: ..."
    return Fix(f"Use `Field({shown})`", Applicability.UNSAFE, (edit,), imports)


# ---------------------------------------------------------------------- the factory


def factory_for(model, lines: SourceLines, class_scope, expr: ast.expr) -> str | None:
    """The factory that rebuilds `expr` as the source writes it, or None when no factory
    written from it is equivalent (FPI200's message then names none)."""
    text = node_text(lines, expr)
    builtin = _EMPTY_LITERALS.get(text)
    if builtin is not None and model.resolve(ast.Name(id=builtin), class_scope) == f"builtins.{builtin}":
        return builtin
    if isinstance(expr, ast.Call) and not expr.args and not expr.keywords:
        callee = node_text(lines, expr.func)
        if isinstance(expr.func, (ast.Name, ast.Attribute)) and text == f"{callee}()":
            return callee
    if _lambda_sees_the_same(model, class_scope, expr):
        return f"lambda: {text}"
    return None


def _lambda_sees_the_same(model, class_scope, expr: ast.expr) -> bool:
    """Would `lambda: expr`, defined in the class body, rebuild the same value each time?"""
    comprehension_names = {
        name.id
        for node in ast.walk(expr)
        if isinstance(node, ast.comprehension)
        for name in ast.walk(node.target)
        if isinstance(name, ast.Name)
    }
    outer = class_scope.parent
    while outer is not None and outer.kind == "class":  # a lambda skips every class body
        outer = outer.parent
    callees = {id(node.func) for node in ast.walk(expr) if isinstance(node, ast.Call)}
    for node in ast.walk(expr):
        if isinstance(node, (ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom, ast.Lambda, ast.Subscript)):
            return False
        if isinstance(node, ast.Attribute) and id(node) not in callees:
            return False  # `config.DEFAULT_TAG` would be read again at each instantiation
        if isinstance(node, ast.Call):
            target = model.resolve(node.func, class_scope)
            if target not in _REPEATABLE_BUILTINS and target not in _CONTAINER_CONSTRUCTORS:
                return False
        if isinstance(node, ast.Name) and node.id not in comprehension_names:
            if node.id in class_scope.bindings:  # invisible from the lambda's body
                return False
            binding = outer.lookup(node.id) if outer is not None else None
            if binding is None:
                if model.resolve(node, class_scope) != f"builtins.{node.id}":
                    return False
            elif binding.kind not in ("import", "class", "function"):
                return False  # a variable may be rebound or mutated after the class
    return True


# ---------------------------------------------------------------------- `Field` itself


def _flavour(model, class_scope) -> str | None:
    """The library of the model's root class (`pydantic`, `pydantic.v1`, `sqlmodel`),
    followed through this module's classes and, in a project, through other modules'
    classes; None when a Pydantic base cannot be followed to its library or the bases
    disagree: no fix rather than the wrong `Field`."""
    found: set[str] = set()
    if not _collect_flavours(model, class_scope.base_qualnames, found, set()):
        return None
    return found.pop() if len(found) == 1 else None


def _collect_flavours(model, bases, found: set[str], seen: set[str]) -> bool:
    """Add the flavour of each Pydantic base in `bases` to `found`; False when one of
    them leads where the analysis cannot follow."""
    for base in bases:
        if base in seen:
            continue
        seen.add(base)
        root = _root_flavour(base)
        if root is not None:
            found.add(root)
            continue
        local = model.class_named(base)
        if local is not None:
            if local[1].is_pydantic and not _collect_flavours(model, local[1].base_qualnames, found, seen):
                return False
            continue
        context = model.project
        if context is None or not context.is_pydantic_class(base):
            continue  # not a Pydantic class (a mixin): it does not choose the `Field`
        project = context.project
        summary = project.class_summary(project.resolve(base))
        if summary is None or len(seen) > _MAX_BASES:
            return False
        if not _collect_flavours(model, summary.bases, found, seen):
            return False
    return True


def _root_flavour(base: str) -> str | None:
    for prefix, flavour in _FLAVOUR_PREFIXES:
        if base.startswith(prefix):
            return flavour
    return "pydantic" if base in PYDANTIC_BASES else None


def _field_spelling(
    model, tree: ast.Module, class_node: ast.ClassDef, class_scope, flavour: str
) -> tuple[str, tuple[ImportRequest, ...]] | None:
    """How the class body can name the right `Field`, and the import it needs, if any."""
    module_name, targets = _FIELD_OF_FLAVOUR[flavour]
    used_in_class = [ast.unparse(node.func) for node in ast.walk(class_node) if isinstance(node, ast.Call)]
    candidates: list[tuple[int, int, str]] = []
    for name, binding, _ in class_scope.visible_bindings():
        if binding.kind != "import" or not binding.qualname:
            continue
        if binding.node is not None and binding.node.lineno > class_node.lineno:
            continue  # imported below the class: not bound yet when the class body runs
        if binding.qualname in targets:
            spelling, rank = name, 0 if name == "Field" else 1
        elif canonical(f"{binding.qualname}.Field") in targets:
            spelling, rank = f"{name}.Field", 2
        else:
            continue
        # The spelling the class body already uses comes first.
        candidates.append((-used_in_class.count(spelling), rank, spelling))
    if candidates:
        return min(candidates)[2], ()
    if class_scope.lookup("Field") is not None or _has_star_import(tree):
        return None  # `Field` means something else here (or may, through `import *`)
    return "Field", (ImportRequest(module_name, "Field"),)


def _has_call(annotation: ast.expr) -> bool:
    return any(isinstance(node, ast.Call) for node in ast.walk(annotation))


def _has_star_import(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names)
        for node in ast.walk(tree)
    )


def _is_first_unparenthesized_argument(lines: SourceLines, call: ast.Call, expr: ast.expr) -> bool:
    """`Field([])`, not `Field(([]))`: the keyword must replace the whole argument."""
    between = text_between(lines, end_of(lines, call.func), start_of(lines, expr))
    return call.args[:1] == [expr] and _COMMENT.sub("", between).strip() == "("


__all__ = ["FieldDefault", "default_factory_fix", "factory_for"]
