"""The project model: every module's summary, and the questions that need several of them.

- `resolve(qualname)`: what a dotted name stands for, across modules: packages,
  `__init__` re-exports, `from .x import y as z`, `import pkg.mod as m`, methods of
  project classes (inherited ones too) and of module-level instances.
- `is_pydantic_class(qualname)`: a class whose Pydantic base is anywhere in the project,
  through any depth of project base classes and mixins.
- `role_of(qualname)`: "route" or "dependency" when another module registers the function
  (`Depends(get_query_token)`, `add_api_route("/x", views.handler)`, `@imported_router.get`).
- `blocking_chain(qualname)` (FPI110) and `call_cost(...)` (FPI120): what calling a project
  function reaches, through any number of synchronous project functions.
- `routing`: the applications and their registration order (`routing.py`).
- `serving`: which functions the applications run, from which entry (`serving.py`).

Everything is computed lazily and memoised: a run asks few questions of a large project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..semantic.names import FASTAPI_APP_CLASSES, FASTAPI_ROUTER_CLASSES, PYDANTIC_BASES, canonical
from .layout import SOURCE_DIRECTORY, import_roots
from .summary import ClassSummary, FunctionSummary, ModuleSummary

_MAX_DEPTH = 25  # re-export chains, inheritance and call chains deeper than this: unknown


@dataclass(frozen=True)
class Symbol:
    """What a qualname resolves to in the project."""

    kind: str  # "module", "function", "class", "router", "value"
    qualname: str  # where it is defined: "app.mailer.send", "app.models.Item"
    module: ModuleSummary = field(repr=False)
    type: str | None = None  # for values: their class, when known; for functions: what a decorator made of them
    router: int | None = None  # for routers: their index in `module.routers`


@dataclass(frozen=True)
class Chain:
    """What a call reaches: "blocking" (a catalogued API) or "slow" (known to be slow), and
    the calls that lead there, as written: ("mailer.send", "smtplib.SMTP")."""

    kind: str
    steps: tuple[str, ...]
    # Where each step's call is written, one per step: (module path relative to the
    # project root, [line, column, end line, end column] with `ast`'s byte columns), so
    # that SARIF output can show the chain as a code flow.
    sites: tuple[tuple[str, tuple[int, ...]], ...] = ()
    # Where the chain ends: (qualname of the function holding the call, its position).
    # Chains with one origin are one root cause (FPI110 reports them once).
    origin: tuple[str, tuple[int, ...]] | None = None


CHEAP = "cheap"


class ProjectModel:
    def __init__(self, root: Path | None, summaries: Iterable[ModuleSummary]) -> None:
        self.root = root
        self.modules: dict[str, ModuleSummary] = {}
        self.duplicates: list[ModuleSummary] = []  # same module name as another file
        for summary in summaries:
            known = self.modules.get(summary.module)
            # `x.py` wins over its stub `x.pyi`; otherwise the first file found.
            if known is None or (known.path.endswith(".pyi") and not summary.path.endswith(".pyi")):
                self.modules[summary.module] = summary
                if known is not None:
                    self.duplicates.append(known)
            else:
                self.duplicates.append(summary)
        # `src/` as an import root without `__init__.py`: `src.auth.router` is also a name
        # of the module `auth.router` (fastapi-best-practices imports `from src.auth ...`).
        self.source_prefix = None
        if root is not None and (root / SOURCE_DIRECTORY) in import_roots(root)[:-1]:
            self.source_prefix = SOURCE_DIRECTORY
        # Directories without `__init__.py` above a package (`api/` above `api/v1/` in the
        # hng boilerplate): the project imports `api.v1.routes` as well as `v1.routes`.
        self.namespace_prefixes = _namespace_prefixes(self.modules.values())
        self._resolved: dict[str, Symbol | None] = {}
        self._pydantic: dict[str, bool] = {}
        self._router_classes: dict[str, str] | None = None
        self._chains: dict[tuple[str, str, tuple[str, ...]], Chain | None] = {}
        self._call_sites: dict[tuple[str, ...], dict] = {}
        self._roles: dict[str, str] | None = None
        self._referenced: set[str] | None = None
        self._routing = None
        self._serving = None
        self._subclass_index: dict[str, list[tuple[ClassSummary, ModuleSummary]]] | None = None

    def with_module(self, summary: ModuleSummary) -> ProjectModel:
        """This project with `summary` in place of its module's summary (a file whose text
        changed during the run: fixed, or about to be)."""
        kept = [s for s in self.modules.values() if s.module != summary.module]
        return ProjectModel(self.root, [*kept, summary])

    # ------------------------------------------------------------------ names

    def resolve(self, qualname: str | None) -> Symbol | None:
        if not qualname:
            return None
        if qualname not in self._resolved:
            self._resolved[qualname] = None  # a cycle of re-exports resolves to nothing
            self._resolved[qualname] = self._resolve(qualname, 0)
        return self._resolved[qualname]

    def _resolve(self, qualname: str, depth: int) -> Symbol | None:
        if depth > _MAX_DEPTH:
            return None
        parts = qualname.split(".")
        for prefix in self.namespace_prefixes:
            # A namespace directory inside a package (`prefect/server/concurrency/`): the
            # package `prefect.server` exists, but the name only resolves through it.
            if len(parts) > len(prefix) and tuple(parts[: len(prefix)]) == prefix and ".".join(prefix) not in self.modules:
                found = self._resolve(".".join(parts[len(prefix):]), depth + 1)
                if found is not None:
                    return found
        for end in range(len(parts), 0, -1):
            module = self.modules.get(".".join(parts[:end]))
            if module is not None:
                break
        else:
            if self.source_prefix is not None and parts[0] == self.source_prefix and len(parts) > 1:
                return self._resolve(".".join(parts[1:]), depth + 1)
            for prefix in self.namespace_prefixes:
                if len(parts) > len(prefix) and tuple(parts[: len(prefix)]) == prefix:
                    return self._resolve(".".join(parts[len(prefix):]), depth + 1)
            return None
        rest = parts[end:]
        if not rest:
            return Symbol("module", module.module, module)
        name, more = rest[0], rest[1:]
        entry = module.names.get(name)
        if entry is None:
            return None
        own = f"{module.module}.{name}"
        if entry[0] == "import":
            target = entry[1]
            if not target or target == own:
                return None
            return self._resolve(".".join([target, *more]), depth + 1)
        if entry[0] == "function":
            return Symbol("function", own, module, type=entry[1] if len(entry) > 1 else None) if not more else None
        if entry[0] == "class":
            symbol = Symbol("class", own, module)
            if not more:
                return symbol
            return self._member(symbol, more[0], depth) if len(more) == 1 else None
        _, type_, router = entry
        if not more:
            if router is not None:
                return Symbol("router", own, module, router=router)
            return Symbol("value", own, module, type=type_)
        if type_ and len(more) == 1:  # a method of a module-level instance
            owner = self._resolve(type_, depth + 1)
            if owner is not None and owner.kind == "class":
                return self._member(owner, more[0], depth)
        return None

    def class_summary(self, symbol: Symbol | None) -> ClassSummary | None:
        if symbol is None or symbol.kind != "class":
            return None
        return symbol.module.classes.get(symbol.qualname)

    def _member(self, owner: Symbol, attribute: str, depth: int, seen: frozenset[str] = frozenset()) -> Symbol | None:
        """A method of a project class, looked up in its bases (depth first, as a simple MRO)."""
        cls = self.class_summary(owner)
        if cls is None or owner.qualname in seen or depth > _MAX_DEPTH:
            return None
        if attribute in cls.methods:
            return Symbol("function", f"{cls.qualname}.{attribute}", owner.module)
        for base in cls.bases:
            base_symbol = self._resolve(base, depth + 1)
            if base_symbol is not None and base_symbol.kind == "class":
                found = self._member(base_symbol, attribute, depth + 1, seen | {owner.qualname})
                if found is not None:
                    return found
        return None

    def overrides(self, qualname: str) -> list[FunctionSummary]:
        """`pkg.Storage.save`: the `save` methods of the project's subclasses of
        `pkg.Storage`, at any depth (what a call on a value typed `Storage` may run)."""
        owner_name, _, method = qualname.rpartition(".")
        if not owner_name or method.startswith("__"):
            return []
        owner = self.resolve(owner_name)
        if owner is None or owner.kind != "class":
            return []
        found: list[FunctionSummary] = []
        seen = {owner.qualname}
        pending = [owner.qualname]
        while pending:
            for cls, module in self._subclasses().get(pending.pop(), ()):
                if cls.qualname in seen:
                    continue
                seen.add(cls.qualname)
                pending.append(cls.qualname)
                function = module.functions.get(f"{cls.qualname}.{method}") if method in cls.methods else None
                if function is not None:
                    found.append(function)
        return found

    def descendants(self, class_qualname: str) -> set[str]:
        """The qualnames of the project's subclasses of a project class, at any depth."""
        seen: set[str] = set()
        pending = [class_qualname]
        while pending:
            for cls, _module in self._subclasses().get(pending.pop(), ()):
                if cls.qualname not in seen and cls.qualname != class_qualname:
                    seen.add(cls.qualname)
                    pending.append(cls.qualname)
        return seen

    def _subclasses(self) -> dict[str, list[tuple[ClassSummary, ModuleSummary]]]:
        if self._subclass_index is None:
            index: dict[str, list[tuple[ClassSummary, ModuleSummary]]] = {}
            for module in self.modules.values():
                for cls in module.classes.values():
                    for base in cls.bases:
                        symbol = self.resolve(base)
                        if symbol is not None and symbol.kind == "class":
                            index.setdefault(symbol.qualname, []).append((cls, module))
            self._subclass_index = index
        return self._subclass_index

    def function(self, symbol: Symbol | None) -> FunctionSummary | None:
        if symbol is None or symbol.kind != "function":
            return None
        return symbol.module.functions.get(symbol.qualname)

    # ------------------------------------------------------------------ classes

    def is_pydantic_class(self, qualname: str) -> bool:
        if canonical(qualname) in PYDANTIC_BASES:
            return True
        symbol = self.resolve(qualname)
        cls = self.class_summary(symbol)
        if cls is None:
            return False
        if cls.qualname not in self._pydantic:
            self._pydantic[cls.qualname] = False  # inheritance cycles are not Pydantic
            self._pydantic[cls.qualname] = cls.is_pydantic or any(self.is_pydantic_class(b) for b in cls.bases)
        return self._pydantic[cls.qualname]

    def router_classes(self) -> dict[str, str]:
        """The project's subclasses of `FastAPI` / `APIRouter`, at any depth, by qualname:
        "app" or "router" (aim's `class APIRouter(fastapi.APIRouter)`, which its views
        modules import). One answer for the whole project, so that a file's check asks once."""
        if self._router_classes is None:
            self._router_classes = {}
            for module in self.modules.values():
                for qualname in module.classes:
                    kind = self._router_class_kind(qualname, 0)
                    if kind is not None:
                        self._router_classes[qualname] = kind
        return self._router_classes

    def _router_class_kind(self, qualname: str, depth: int) -> str | None:
        name = canonical(qualname)
        if name in FASTAPI_APP_CLASSES:
            return "app"
        if name in FASTAPI_ROUTER_CLASSES:
            return "router"
        cls = self.class_summary(self.resolve(qualname))
        if cls is None or depth > _MAX_DEPTH:
            return None
        return next(filter(None, (self._router_class_kind(b, depth + 1) for b in cls.bases)), None)

    # ------------------------------------------------------------------ roles

    def role_of(self, qualname: str) -> str | None:
        """"route" / "dependency" when some module registers the function as one."""
        if self._roles is None:
            self._collect_roles()
        return self._roles.get(qualname)

    def is_referenced(self, qualname: str) -> bool:
        """Passed by reference from another module (a callback, a task, an event handler)."""
        if self._referenced is None:
            self._collect_roles()
        return qualname in self._referenced

    def _collect_roles(self) -> None:
        roles: dict[str, str] = {}
        referenced: set[str] = set()
        for module in self.modules.values():
            for name in module.dependencies:
                for definition in self._called_definitions(name):
                    roles.setdefault(definition, "dependency")
            for router in module.routers:
                for event in router.events:
                    if event["type"] == "route" and event.get("handler"):
                        for definition in self._called_definitions(event["handler"]):
                            roles[definition] = "route"
            for route in self.external_routes(module):
                roles[route["handler"]] = "route"
            for name in module.references:
                referenced.update(self._called_definitions(name))
        self._roles, self._referenced = roles, referenced

    def external_routes(self, module: ModuleSummary) -> list[dict]:
        """`module`'s routes on routers of other modules, and on routers built from a
        class of another module when the project makes it a `FastAPI`/`APIRouter` one."""
        return [route for route in module.external_routes
                if not route.get("router_class") or route["router_class"] in self.router_classes()]

    def _called_definitions(self, qualname: str) -> list[str]:
        """The function FastAPI calls for `qualname`: the function, or an instance's `__call__`."""
        symbol = self.resolve(qualname)
        if symbol is None:
            return []
        if symbol.kind == "function":
            return [symbol.qualname]
        if symbol.kind == "value" and symbol.type:
            owner = self.resolve(symbol.type)
            method = self._member(owner, "__call__", 0) if owner is not None and owner.kind == "class" else None
            return [method.qualname] if method is not None else []
        return []

    # ------------------------------------------------------------------ calls

    def callable_summary(self, qualname: str | None) -> FunctionSummary | str | None:
        """What a call of `qualname` runs: a project function's summary, `CHEAP` (a
        Pydantic model or a class without `__init__`), or None (not a project callable)."""
        direct = self._defined_function(qualname)
        if direct is not None:
            return direct
        symbol = self.resolve(qualname)
        if symbol is None:
            return None
        if symbol.kind == "function":
            return self.function(symbol)
        if symbol.kind == "class":
            if self.is_pydantic_class(symbol.qualname):
                return CHEAP
            init = self._member(symbol, "__init__", 0)
            return self.function(init) if init is not None else CHEAP
        return None

    def _defined_function(self, qualname: str | None) -> FunctionSummary | None:
        """A function by the name it is defined under (methods, nested `<locals>` ones)."""
        if not qualname:
            return None
        module_name = qualname
        while "." in module_name:
            module_name = module_name.rpartition(".")[0]
            module = self.modules.get(module_name)
            if module is not None:
                return module.functions.get(qualname)
        return None

    def blocking_chain(self, qualname: str, extra_blocking: Iterable[str] = ()) -> Chain | None:
        """FPI110: the first catalogued blocking call that calling the synchronous project
        function `qualname` reaches, through synchronous project functions."""
        found = self.callable_summary(qualname)
        if not isinstance(found, FunctionSummary) or found.is_async or found.memoised:
            return None
        return self._chain(found, "blocking", _canonical_names(extra_blocking), 0)

    def blocking_call_sites(self, extra_blocking: Iterable[str] = ()):
        """FPI110's root causes: the project's async call sites by the blocking call they
        reach (`root_causes.py`)."""
        key = _canonical_names(extra_blocking)
        if key not in self._call_sites:
            from .root_causes import blocking_call_sites

            self._call_sites[key] = blocking_call_sites(self, key)
        return self._call_sites[key]

    def call_sites_of(self, origin, extra_blocking: Iterable[str] = ()) -> list:
        """The async call sites reaching the root cause `origin` (`blocking_call_sites`):
        what a file's check asks about one of its calls, rather than about every root cause."""
        return list(self.blocking_call_sites(extra_blocking).get(origin, ()))

    def root_causes_in(self, module: str, extra_blocking: Iterable[str] = ()) -> dict:
        """`blocking_call_sites` of the root causes in functions of `module`."""
        summary = self.modules.get(module)
        if summary is None:
            return {}
        return {origin: sites for origin, sites in self.blocking_call_sites(extra_blocking).items()
                if origin[0] in summary.functions}

    def call_cost(self, qualname: str, extra_blocking: Iterable[str] = ()) -> Chain | str | None:
        """FPI120: calling the project callable `qualname` is `CHEAP`, or reaches the
        returned chain (a blocking call, or one not known to be cheap); None when
        `qualname` is not a project callable."""
        found = self.callable_summary(qualname)
        if found is None:
            return None
        if found == CHEAP or found.is_async or found.memoised:  # a coroutine; once per arguments
            return CHEAP
        # The strongest evidence: a blocking call anywhere down the chain, before the
        # first call of unknown cost (`template_renderer` reads a file after calling a
        # settings helper: the file read is what to name).
        extra = _canonical_names(extra_blocking)
        return self._chain(found, "blocking", extra, 0) or self._chain(found, "may_block", extra, 0) or CHEAP

    def _chain(self, function: FunctionSummary, mode: str, extra: tuple[str, ...], depth: int) -> Chain | None:
        key = (function.qualname, mode, extra)
        if key in self._chains:
            return self._chains[key]
        self._chains[key] = None  # recursion: a cycle adds nothing new
        found = None
        if depth <= _MAX_DEPTH:
            found = self._first_costly_call(function, mode, extra, depth)
        self._chains[key] = found
        return found

    def _first_costly_call(self, function: FunctionSummary, mode: str, extra: tuple[str, ...], depth: int):
        path = self._path_of(function)
        for call in sorted(function.calls, key=lambda c: c.position):
            if call.once:
                continue  # a lazy initialisation: a start-up cost, not one of every call
            site = ((path, tuple(call.position)),) if path is not None else ()
            origin = (function.qualname, tuple(call.position))
            if call.blocking is not None:
                return Chain("blocking", (call.blocking[1],), site, origin)
            if call.target is not None and canonical(call.target) in extra:
                return Chain("blocking", (call.target,), site, origin)
            callee = self.callable_summary(call.callee) if call.callee else None
            if isinstance(callee, FunctionSummary):
                if callee.is_async or callee.memoised:
                    continue  # builds a coroutine; runs once per distinct arguments
                inner = self._chain(callee, mode, extra, depth + 1)
                if inner is not None:
                    sites = (*site, *inner.sites) if site and len(inner.sites) == len(inner.steps) else ()
                    return Chain(inner.kind, (call.display, *inner.steps), sites, inner.origin)
                continue
            if callee == CHEAP:
                continue
            if mode == "may_block" and call.cost == "slow":
                # Inside a helper only what is known to be slow counts (a directory walk,
                # key derivation); a call of unknown cost there (`current_locale.get()`,
                # `source.items()`, a library of unknown cost) is too weak to name.
                return Chain("slow", (call.api.removesuffix("()"),), site, origin)
        return None

    def _path_of(self, function: FunctionSummary) -> str | None:
        """The path (relative to the root) of the module that defines `function`."""
        module_name = function.qualname
        while "." in module_name:
            module_name = module_name.rpartition(".")[0]
            module = self.modules.get(module_name)
            if module is not None and function.qualname in module.functions:
                return module.path
        return None

    # ------------------------------------------------------------------ routing

    @property
    def routing(self):
        if self._routing is None:
            from .routing import ProjectRouting

            self._routing = ProjectRouting(self)
        return self._routing

    @property
    def serving(self):
        """Which functions an application runs, and from which entry (`serving.py`)."""
        if self._serving is None:
            from .serving import Serving

            self._serving = Serving(self)
        return self._serving

    def knows_function(self, qualname: str) -> bool:
        return self._defined_function(qualname) is not None

    def notes(self) -> list[tuple[str, int, str]]:
        """What could not be resolved statically: (path, line, message), for `--verbose`."""
        found = [(m.path, line, message) for m in self.modules.values() for line, message in m.notes]
        found += [(m.path, 1, f"same module name `{m.module}` as another file: ignored") for m in self.duplicates]
        found += self.routing.notes
        return sorted(found)


def _namespace_prefixes(modules: Iterable[ModuleSummary]) -> tuple[tuple[str, ...], ...]:
    """The directories a module's path has above where its dotted name starts, when they
    could be imported as namespace packages (`api/v1/routes/users.py` named
    `v1.routes.users`: ("api",)); longest first."""
    found: set[tuple[str, ...]] = set()
    for module in modules:
        directories = module.path.split("/")[:-1]
        named = module.module.split(".")[:-1] if not module.is_package else module.module.split(".")
        if named and len(directories) > len(named) and directories[len(directories) - len(named):] == named:
            above = tuple(directories[: len(directories) - len(named)])
            if above and above[0] == SOURCE_DIRECTORY:
                # `src/prefect/server/concurrency/lease_storage/` (no `concurrency/__init__.py`):
                # imported as `prefect.server.concurrency.lease_storage` (`src/` is an import root).
                above = above[1:]
            if above and all(part.isidentifier() for part in above):
                found.add(above)
    return tuple(sorted(found, key=len, reverse=True))


def _canonical_names(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({canonical(name.strip()) for name in names}))
