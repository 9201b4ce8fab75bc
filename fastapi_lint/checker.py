"""The checker: one parse, one walk, every enabled rule dispatched from it.

The walk follows pyflakes: module-level statements run in order (imports, classes, app
and router construction, route decorators, includes); function bodies are deferred until
the module's top level is done, so that when a body is walked every module-level fact is
known (which functions are routes or dependencies, what every global name is bound to).
"""

from __future__ import annotations

import ast
import sys
import warnings
from collections import deque
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

from .diagnostics import Diagnostic, FileResult, Location, SourceLines
from .gc_pause import one_collection
from .rules import Rule
from .semantic.model import HTTP_EXCEPTION_CLASSES, SemanticModel, builds_instance
from .semantic.run_once import exits_early
from .semantic.names import (
    DEPENDS_FUNCTIONS,
    FASTAPI_APP_CLASSES,
    FASTAPI_ROUTER_CLASSES,
    OFFLOADING_CALLS,
    canonical,
)
from .semantic.registration import FastAPIRegistration
from .semantic.scopes import Binding, CallContext, CallRecord, ClassScope, FunctionScope, Scope
from .served_scope import keep_served
from .settings import Settings
from .source import SourceDecodeError, decode_source, parse_module, syntax_error_message
from . import noqa as noqa_mod

T = TypeVar("T")


class Checker(FastAPIRegistration):
    def __init__(
        self,
        tree: ast.Module,
        lines: SourceLines,
        filename: str,
        rules: list[type[Rule]],
        settings: Settings,
        project=None,
        module=None,
    ) -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename
        self.settings = settings
        # `project`: a `fastapi_lint.project.ProjectContext` (the file's module name and
        # the whole project's model), or None to check the file on its own. `module`: the
        # file's `ModuleName` without a project (to summarise it for one).
        self.model = SemanticModel(filename)
        module = project.module if project is not None else module
        if module is not None:
            self.model.module_name, self.model.is_package = module.name, module.is_package
        self.model.project = project
        self.model.may_walrus = any(":=" in line for line in lines.lines)
        self.diagnostics: list[Diagnostic] = []
        self.rules = [rule(self, settings.options_for(rule)) for rule in rules]
        self._hooks: dict[str, list[Callable]] = {}
        for rule in self.rules:
            for hook in rule.defined_hooks():
                self._hooks.setdefault(hook, []).append(getattr(rule, hook))
        self.scope: Scope = self.model.module
        self._deferred: deque[tuple[FunctionScope, ast.AST]] = deque()
        self._awaited: set[int] = set()
        # Lambdas passed straight to a call that runs them here (not to an offloader).
        self._inline_lambdas: set[int] = set()
        self._lone_project = None
        # What the blocking-call rules (FPI100-FPI107 share one classifier) found each call
        # to be: classified once per call, not once per rule (`BlockingCallRule.classify`).
        self.blocking_calls: dict[tuple, object] = {}
        self._project_router_classes: dict[str, str] | None = None  # asked once per file
        # Calls and `+=` that may edit a router's routes in ways the model does not follow
        # (`include_router`, `.routes` passed or extended): the summary counts the ones
        # it did not model, from this list rather than from another walk of the tree.
        self.route_list_edits: list[ast.AST] = []
        # The `if`s whose body the walk is in, and the early-exit `if`s whose block it is
        # in after them (as `(if, the statements after it)`), each with its function.
        self._open_ifs: list[tuple[ast.If | tuple[ast.If, list[ast.stmt]], FunctionScope]] = []
        self._http_raisers: set[ast.AST] = set()  # see `SemanticModel.http_raisers`
        self._handlers: dict[type, Callable[[ast.AST], None]] = {}

    # ------------------------------------------------------------------ reporting

    def report(
        self, rule: Rule, node: ast.AST, message: str, *, end_node: ast.AST | None = None, fix=None,
        related: tuple = (),
    ) -> None:
        start, end = self.lines.span(node)
        if end_node is not None:
            end = self.lines.span(end_node)[1]
        self.report_span(rule, start, end, message, fix=fix, related=related)

    def report_span(
        self, rule: Rule, start: Location, end: Location, message: str, *, fix=None, related: tuple = ()
    ) -> None:
        self.diagnostics.append(
            Diagnostic(rule.code, rule.name, message, self.filename, start, end, fix=fix, noqa_row=start.row,
                       related=related)
        )

    # ------------------------------------------------------------------ the walk

    def run(self) -> list[Diagnostic]:
        self._visit_body(self.tree.body)
        if self.model.project is not None:  # roles given by other modules, before bodies
            self.model.project.apply_roles(self.model)
        while self._deferred:
            function, node = self._deferred.popleft()
            self._visit_function_body(function, node)
        self.model.http_raisers = self._http_raisers
        self._resolve_late_dependencies()
        for hook in self._hooks.get("visit_module_end", ()):
            hook()
        self.diagnostics = keep_served(self, self.diagnostics, drop=self.settings.async_scope == "served")
        return self.diagnostics

    def project_model(self):
        """The whole project's model, or one made of this module alone (its own helpers
        and entries), once the walk is done."""
        if self.model.project is not None:
            return self.model.project.project
        if self._lone_project is None:
            from .project.model import ProjectModel
            from .project.summary import summarize

            self._lone_project = ProjectModel(None, [summarize(self, self.filename, judge_costs=False)])
        return self._lone_project

    def _visit_body(self, body: list[ast.stmt]) -> None:
        opened = 0
        for index, statement in enumerate(body):
            self.visit(statement)
            if exits_early(statement):
                # `if _x is not None: return _x`: what follows runs only while the test
                # is false, as if in the body of `if _x is None:` (`model.runs_once`).
                function = self.scope.enclosing_function()
                if function is not None:
                    self._open_ifs.append(((statement, body[index + 1 :]), function))
                    opened += 1
        if opened:
            del self._open_ifs[-opened:]

    def visit(self, node: ast.AST) -> None:
        # The handler of each node class, looked up once per checker: this runs for
        # every node of the file.
        handler = self._handlers.get(type(node))
        if handler is None:
            handler = self._handler(type(node))
        handler(node)

    def _handler(self, kind: type) -> Callable[[ast.AST], None]:
        handler = self._handlers[kind] = getattr(self, "visit_" + kind.__name__, self.generic_visit)
        return handler

    def visit_Constant(self, node: ast.Constant) -> None:
        pass  # a leaf: its value is never a node, and nothing is bound or called here

    def generic_visit(self, node: ast.AST) -> None:
        # `ast.iter_child_nodes`, inlined (it is a generator over another generator), over
        # the fields that can hold a node other than a leaf (`_child_fields`).
        fields = _CHILD_FIELDS.get(type(node))
        if fields is None:
            fields = _child_fields(type(node))
        # `self.visit` inlined too: one call less for each node of the file.
        handlers = self._handlers
        for name in fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        (handlers.get(type(item)) or self._handler(type(item)))(item)
            elif isinstance(value, ast.AST):
                (handlers.get(type(value)) or self._handler(type(value)))(value)

    # Imports ---------------------------------------------------------------

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.scope.bind(alias.asname, Binding("import", canonical(alias.name), node))
            else:
                top = alias.name.split(".")[0]
                self.scope.bind(top, Binding("import", top, node))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = self.model.absolute_import(node.level or 0, node.module)
        for alias in node.names:
            if alias.name == "*":
                continue
            qualname = f"{module}.{alias.name}" if module and not module.endswith(".") else module + alias.name
            self.scope.bind(alias.asname or alias.name, Binding("import", canonical(qualname), node))

    # Definitions -----------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._visit_arguments(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        enclosing = self.scope
        if enclosing is self.model.module:
            qualname = self.model.local_qualname(node.name)
        elif isinstance(enclosing, FunctionScope) and (outer := self.model.scope_qualname(enclosing)):
            # `outer.<locals>.inner`, as its summary is named: a call of a function defined
            # in the function, or the name handed over (`StreamingResponse(events())`),
            # resolves to it, and FPI110 and the served-code walk follow it as any other.
            qualname = f"{outer}.<locals>.{node.name}"
        else:
            qualname = None
        enclosing.bind(node.name, Binding("function", qualname, node))
        function = FunctionScope(
            "function",
            node,
            enclosing,
            is_async=isinstance(node, ast.AsyncFunctionDef),
            class_scope=enclosing if isinstance(enclosing, ClassScope) else None,
        )
        self.model.add_function(function)
        self._register_decorators(node)
        self._deferred.append((function, node))

    visit_AsyncFunctionDef = visit_FunctionDef

    def _visit_arguments(self, args: ast.arguments) -> None:
        for default in [*args.defaults, *args.kw_defaults]:
            if default is not None:
                self.visit(default)
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None and arg.annotation is not None:
                self.visit(arg.annotation)

    def _visit_function_body(self, function: FunctionScope, node: ast.AST) -> None:
        outer = self.scope
        self.scope = function
        self._bind_parameters(function, node.args)
        self._visit_body(node.body)
        self.scope = outer

    def _bind_parameters(self, function: FunctionScope, args: ast.arguments) -> None:
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        pairs = list(zip(positional, defaults)) + list(zip(args.kwonlyargs, args.kw_defaults))
        for index, (arg, default) in enumerate(pairs):
            type_ = self.model.annotation_type(arg.annotation, function.parent or self.model.module)
            if type_ is None and index == 0 and function.class_scope is not None and arg in positional:
                type_ = self.model.class_qualname(function.class_scope.node)
            if type_ is None and isinstance(default, ast.Call):
                # `db=Depends(get_db)`: what `get_db` is annotated to return or yield.
                outer = function.parent or self.model.module
                if self.model.resolve(default.func, outer) in DEPENDS_FUNCTIONS:
                    type_ = self.model.dependency_result_type(default, outer)
            binding = Binding("value", type=type_, node=arg, value=default)
            if type_ in FASTAPI_APP_CLASSES | FASTAPI_ROUTER_CLASSES or self._router_class_kind(type_):
                kind = "app" if type_ in FASTAPI_APP_CLASSES or self._router_class_kind(type_) == "app" else "router"
                binding.router = self._new_router(kind, arg.arg, arg, {}, opaque=True)
            function.bind(arg.arg, binding)
        for arg in (args.vararg, args.kwarg):
            if arg is not None:
                function.bind(arg.arg, Binding("value", node=arg))

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_arguments(node.args)
        function = FunctionScope("lambda", node, self.scope, is_async=False)
        enclosing = self.scope.enclosing_function()
        function.inline_on_loop = (
            id(node) in self._inline_lambdas and enclosing is not None and enclosing.runs_on_event_loop
        )
        outer = self.scope
        self.scope = function
        self._bind_parameters(function, node.args)
        self.visit(node.body)
        self.scope = outer

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for base in node.bases:
            self.visit(base)
        for keyword in node.keywords:
            self.visit(keyword.value)
        # `RootModel[list[str]]`, `Page[int]`: a subscripted base is its generic class.
        bases = [
            self.model.resolve(base.value if isinstance(base, ast.Subscript) else base, self.scope)
            for base in node.bases
        ]
        class_scope = ClassScope("class", node, self.scope)
        class_scope.base_qualnames = [b for b in bases if b]
        class_scope.is_pydantic = any(self.model.is_pydantic_base(b) for b in bases)
        self.model.add_class(node, class_scope)
        outer = self.scope
        self.scope = class_scope
        self._visit_body(node.body)
        self.scope = outer
        qualname = self.model.local_qualname(node.name) if outer is self.model.module else None
        outer.bind(node.name, Binding("class", qualname, node))
        for hook in self._hooks.get("visit_class", ()):
            hook(node, class_scope)

    # Bindings --------------------------------------------------------------

    def _value_binding(self, value: ast.expr | None, annotation: ast.expr | None = None) -> Binding:
        type_ = self.model.annotation_type(annotation, self.scope) if annotation is not None else None
        if type_ is None and value is not None:
            type_ = self.model.infer_type(value, self.scope)
        binding = Binding("value", type=type_, value=value)
        if value is not None:
            binding.router = self._router_of(value)
        return binding

    def _bind_target(self, target: ast.expr, binding: Binding) -> None:
        if isinstance(target, ast.Name):
            self.scope.bind(target.id, binding)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._bind_target(element, Binding("value"))
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, Binding("value"))
        elif isinstance(target, ast.Attribute):
            self.visit(target.value)
            if isinstance(target.value, ast.Name):
                cls = self.model.self_class(target.value, self.scope)
                if cls is not None:
                    built = builds_instance(binding.value)
                    if binding.type and (built or target.attr not in cls.constructed_attributes):
                        cls.attribute_types[target.attr] = binding.type
                        if built:
                            cls.constructed_attributes.add(target.attr)
                    if binding.router:
                        cls.attribute_routers[target.attr] = binding.router
        else:
            self.visit(target)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        binding = self._value_binding(node.value)
        for target in node.targets:
            self._note_dependency_override(target, node.value)
            self._bind_target(target, binding)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.visit(node.annotation)
        if node.value is not None:
            self.visit(node.value)
        binding = self._value_binding(node.value, node.annotation)
        if isinstance(self.scope, ClassScope) and isinstance(node.target, ast.Name) and binding.type:
            self.scope.attribute_types[node.target.id] = binding.type
        if node.value is not None or not isinstance(self.scope, ClassScope):
            self._bind_target(node.target, binding)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._bind_target(node.target, self._value_binding(node.value))

    def _note_inline_lambdas(self, call: ast.Call, target: str | None) -> None:
        if target in OFFLOADING_CALLS or target in DEPENDS_FUNCTIONS:
            return
        if isinstance(call.func, ast.Attribute) and call.func.attr in ("run_in_executor", "add_task", "run_sync"):
            return
        for arg in [*call.args, *(k.value for k in call.keywords)]:
            if isinstance(arg, ast.Lambda):
                self._inline_lambdas.add(id(arg))

    def visit_BinOp(self, node: ast.BinOp) -> None:
        # `"a" + "b" + ...` nests to the left, thousands deep in generated code: walk
        # the chain iteratively instead of recursing once per operator.
        operands = []
        while isinstance(node, ast.BinOp):
            operands.append(node.right)
            node = node.left
        self.visit(node)
        for operand in reversed(operands):
            self.visit(operand)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store):
            self.scope.bind(node.id, Binding("value"))

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.scope.bind(node.name, Binding("value"))
        self._visit_body(node.body)

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        if isinstance(node, ast.AsyncWith):
            self._count_await()
        for item in node.items:
            if isinstance(item.context_expr, ast.Call):
                self.model.with_items[id(item.context_expr)] = (node, item)
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                binding = Binding(
                    "value", type=self.model.infer_type(item.context_expr, self.scope), entered=item.context_expr
                )
                self._bind_target(item.optional_vars, binding)
        self._visit_body(node.body)

    visit_AsyncWith = visit_With

    def visit_For(self, node: ast.For | ast.AsyncFor | ast.comprehension) -> None:
        if isinstance(node, ast.AsyncFor) or getattr(node, "is_async", False):
            self._count_await()
        self.visit(node.iter)
        # The loop variable is an element of the iterable: `value` records where it came
        # from (rules judge elements of cheap values as cheap).
        self._bind_target(node.target, Binding("value", value=node.iter))
        for child in ast.iter_child_nodes(node):
            if child is not node.iter and child is not node.target:
                self.visit(child)

    visit_AsyncFor = visit_For
    visit_comprehension = visit_For

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        # Generators bind the names the element expression uses: visit them first.
        for generator in node.generators:
            self.visit(generator)
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.comprehension):
                self.visit(child)

    visit_SetComp = visit_GeneratorExp = visit_DictComp = visit_ListComp

    # Async facts -----------------------------------------------------------

    def _count_await(self) -> None:
        function = self.scope.enclosing_function()
        if function is not None:
            function.awaits += 1

    def visit_Await(self, node: ast.Await) -> None:
        self._count_await()
        if isinstance(node.value, ast.Call):
            self._awaited.add(id(node.value))
        self.visit(node.value)

    def visit_Yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        function = self.scope.enclosing_function()
        if function is not None:
            function.yields += 1
        self.generic_visit(node)

    visit_YieldFrom = visit_Yield

    # Calls -----------------------------------------------------------------

    def visit_If(self, node: ast.If) -> None:
        # As `generic_visit` (test, body, else), noting the `if`s whose body a call is in:
        # a call under a lazy-initialisation guard runs once (`model.runs_once`).
        self.visit(node.test)
        function = self.scope.enclosing_function()
        if function is not None:
            self._open_ifs.append((node, function))
        self._visit_body(node.body)
        if function is not None:
            self._open_ifs.pop()
        self._visit_body(node.orelse)

    def visit_Raise(self, node: ast.Raise) -> None:
        if isinstance(node.exc, ast.Call) and self.model.resolve(node.exc.func, self.scope) in HTTP_EXCEPTION_CLASSES:
            scope: Scope | None = self.scope
            while scope is not None and scope.node is not None:  # up to the module
                self._http_raisers.add(scope.node)
                scope = scope.parent
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.value, ast.Attribute) and node.value.attr == "routes":
            self.route_list_edits.append(node)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        target = self.model.resolve(node.func, self.scope)
        function = self.scope.enclosing_function()
        awaited = id(node) in self._awaited
        if function is not None:
            function.calls.append(CallRecord(node, target, awaited))
            if self._open_ifs:
                guards = [statement for statement, owner in self._open_ifs if owner is function]
                if guards:
                    self.model.call_guards[id(node)] = guards
        if target in DEPENDS_FUNCTIONS:
            self._register_dependency(node)
        else:
            self._note_functions_passed(node, target)
        self._note_served_callbacks(node, target)
        if isinstance(node.func, ast.Attribute):
            self._register_router_call(node)
        elif isinstance(node.func, ast.Call):
            self._note_route_applied_by_hand(node)
        if (isinstance(node.func, ast.Attribute) and node.func.attr == "include_router") or any(
            isinstance(a, ast.Attribute) and a.attr == "routes" for a in node.args
        ):
            self.route_list_edits.append(node)
        self._note_inline_lambdas(node, target)
        ctx = CallContext(self.scope, function, target, awaited)
        for hook in self._hooks.get("visit_call", ()):
            hook(node, ctx)
        self.generic_visit(node)


# Fields that hold only leaf nodes with no fields of their own: `ctx` (`Load`, `Store`,
# `Del`), `op` (an operator) and `ops` (`Compare`'s operators). No handler is defined for
# any of those classes, so their visit did nothing but cost two calls, and a third of a
# module's nodes are `Load`s.
_LEAF_FIELDS = frozenset({"ctx", "op", "ops"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    fields = _CHILD_FIELDS[kind] = tuple(name for name in kind._fields if name not in _LEAF_FIELDS)
    return fields


@contextmanager
def _recursion_limit(at_least: int) -> Iterator[None]:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, at_least))
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def _deeply(action: Callable[[], T]) -> T:
    """Run `action`; only if it nests too deep for the current limit, again with a higher one.

    The limit is process-wide and CPython's AST constructor checks it did not change while
    it ran, so it is raised only for the rare file that needs it, never by default.
    """
    try:
        return action()
    except RecursionError:
        with _recursion_limit(10_000):
            return action()


def check_source(
    source: str | bytes, filename: str, settings: Settings | None = None, *, project=None
) -> FileResult:
    """Check one file's source. Never raises for bad input: errors become the result's `error`.

    `project`: the file's place in a project (`fastapi_lint.project.ProjectContext`)."""
    # The file's tree and checker are made in `_check_source`, whose frame is gone when the
    # collection at the end of the block runs: they are garbage by then, not survivors.
    with one_collection():
        return _check_source(source, filename, settings or Settings(), project)


def _check_source(source: str | bytes, filename: str, settings: Settings, project) -> FileResult:
    result = FileResult(filename)
    try:
        text = decode_source(source)
    except SourceDecodeError as error:
        # Reported like a syntax error (no code): an undecodable file is never skipped silently.
        result.error = str(error)
        result.diagnostics.append(
            Diagnostic(None, "", result.error, filename, Location(1, 1), Location(1, 1))
        )
        return result
    try:
        # Warnings about the user's code (invalid escapes, `"str"(...)`) are the compiler's
        # business, not the linter's: keep them off the user's terminal.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = _deeply(lambda: parse_module(text, filename=filename))
    except SyntaxError as error:
        result.error = syntax_error_message(error, text)
        row = error.lineno or 1
        col = (error.offset or 1) - 1
        location = Location(row, max(col, 0) + 1)
        result.diagnostics.append(
            Diagnostic(None, "", result.error, filename, location, location, noqa_row=None)
        )
        return result
    except (ValueError, RecursionError) as error:  # null bytes, absurd nesting
        result.error = f"cannot parse: {error}"
        result.diagnostics.append(
            Diagnostic(None, "", result.error, filename, Location(1, 1), Location(1, 1))
        )
        return result
    result.diagnostics = check_tree(tree, text, filename, settings, apply_noqa=True, project=project)
    return result


def check_tree(
    tree: ast.Module, source_text: str, filename: str, settings: Settings, apply_noqa: bool = True,
    project=None,
) -> list[Diagnostic]:
    """Run the enabled rules on an already parsed module (the flake8 plugin reuses flake8's
    tree, and leaves `# noqa` to flake8 with `apply_noqa=False`)."""
    rules = settings.enabled_rules(filename)
    if not rules:
        return []
    lines = SourceLines(source_text)
    try:
        # The checker is made inside the block, so it is garbage when the collection runs
        # (the flake8 plugin's way in; `check_source` has paused the collector already).
        with one_collection():
            diagnostics = _deeply(
                lambda: Checker(tree, lines, filename, rules, settings, project=project).run()
            )
    except RecursionError:
        # Nesting deeper than the walk can follow (generated code): say so, like a
        # file that cannot be parsed, instead of crashing the run.
        return [
            Diagnostic(None, "", "cannot analyse: the code is nested too deeply",
                       filename, Location(1, 1), Location(1, 1))
        ]
    if apply_noqa:
        diagnostics = noqa_mod.filter_suppressed(diagnostics, source_text)
    return sorted(diagnostics, key=Diagnostic.sort_key)
