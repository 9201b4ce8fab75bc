"""What the checker and the rules see of the project while checking one of its files.

`Checker(..., project=ProjectContext(...))` exposes it as `self.model.project`; every rule
keeps working when it is None (a lone file, stdin).
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass
from typing import Iterable

from ..semantic.call_cost import CallCost
from .layout import ModuleName
from .model import CHEAP, Chain, ProjectModel
from .summary import FunctionSummary


@dataclass
class ProjectContext:
    project: ProjectModel
    module: ModuleName
    # (text, project) for the last text whose routes moved since the summary.
    _refreshed: tuple[str, ProjectModel] | None = dataclasses.field(default=None, repr=False, compare=False)
    # `class_bases` answers by (qualname, method): the blocking rules ask it for every
    # method call on a value of a project class, the same few questions thousands of
    # times a file, and the project does not change while a file is checked.
    _bases: dict[tuple[str, str], list[str] | None] = dataclasses.field(
        default_factory=dict, repr=False, compare=False
    )

    def apply_roles(self, model) -> None:
        """Roles other modules give to this module's functions, before their bodies are
        walked: a dependency used in another module is a dependency here (FPI120 applies,
        FPI121 does not); an async function passed by reference elsewhere is exempt from
        FPI121 as one passed here is."""
        for function in model.functions:
            qualname = model.scope_qualname(function)
            if qualname is None:
                continue
            role = self.project.role_of(qualname)
            if role is not None:
                model.project_roles[function.node] = role
            if function.is_async and self.project.is_referenced(qualname):
                model.passed_by_reference.add(function.node)

    def is_pydantic_class(self, qualname: str) -> bool:
        return self.project.is_pydantic_class(qualname)

    def class_bases(self, qualname: str, method: str) -> list[str] | None:
        """The bases of the project class `qualname`, to look `method` up in (None: not a
        project class, or one that defines `method` itself)."""
        key = (qualname, method)
        if key in self._bases:
            return self._bases[key]
        cls = self.project.class_summary(self.project.resolve(qualname))
        bases = None if cls is None or method in cls.methods else cls.bases
        self._bases[key] = bases
        return bases

    def decorated_type(self, qualname: str) -> str | None:
        """What a decorator made of the project function `qualname` (see `catalog.DECORATED_TYPES`)."""
        symbol = self.project.resolve(qualname)
        return symbol.type if symbol is not None and symbol.kind == "function" else None

    def function_result_type(self, qualname: str) -> str | None:
        """The class the project function `qualname`'s return annotation names."""
        symbol = self.project.resolve(qualname)
        if symbol is None or symbol.kind != "function":
            return None
        found = self.project.callable_summary(symbol.qualname)
        return found.returns if isinstance(found, FunctionSummary) else None

    def is_own(self, qualname: str) -> bool:
        """Defined in this very module (the per-file analysis already knows it)."""
        return qualname.startswith(self.module.name + ".")

    def call_cost(self, target: str, call: ast.Call, described: str, extra_blocking: Iterable[str]) -> CallCost | None:
        """FPI120's cost of calling a function of another module of the project: cheap
        when it provably reaches nothing that may block, else what it reaches."""
        if self.is_own(target):
            return None
        found = self.project.call_cost(target, extra_blocking)
        if found is None:
            return None
        if found == CHEAP:
            return CallCost("cheap")
        assert isinstance(found, Chain)
        return CallCost(found.kind, " -> ".join([described, *(f"{step}()" for step in found.steps)]), via=True)

    def blocking_chain(self, target: str, extra_blocking: Iterable[str] = ()) -> Chain | None:
        return self.project.blocking_chain(target, extra_blocking)

    def shadowed_routes(self, model, text: str | None = None) -> list | None:
        """FPI400's findings whose shadowed route is in this module, pointing at this
        module's own `Route` objects (for reporting and fixes), routes of other modules
        left as the project sees them.

        When the routes of the text being checked are not where the project summarised them
        (a fix moved one, or added an import above them), the module is summarised again
        from `text` and the findings come from the project with that summary instead;
        None only when that is impossible (no text given)."""
        local = {(route.node.lineno, route.node.col_offset): route for route in model.routes}
        project = self.project
        if _route_positions(project.modules.get(self.module.name)) != sorted(local):
            if text is None:
                return None
            project = self._with_text(text)

        def here(resolved):
            route = resolved.route
            if route is None or route.node.module != self.module.name:
                return resolved
            found = local.get((route.node.lineno, route.node.col_offset))
            return resolved if found is None else dataclasses.replace(resolved, route=found, node=found.node)

        findings = []
        for finding in project.routing.findings_in(self.module.name):
            findings.append(dataclasses.replace(
                finding, route=here(finding.route), earlier=[here(e) for e in finding.earlier]
            ))
        return findings

    def _with_text(self, text: str) -> ProjectModel:
        """The project with this module summarised from `text` (memoised: the fix engine
        checks the same text more than once)."""
        if self._refreshed is None or self._refreshed[0] != text:
            from .build import summarize_source

            known = self.project.modules.get(self.module.name)
            path = known.path if known is not None else f"{self.module.name.replace('.', '/')}.py"
            summary = summarize_source(text.encode("utf-8"), path, self.module)
            self._refreshed = (text, self.project.with_module(summary))
        return self._refreshed[1]


def _route_positions(summary) -> list[tuple[int, int]]:
    return sorted(
        (event["position"][0], event["position"][1])
        for router in (summary.routers if summary is not None else ())
        for event in router.events if event["type"] == "route"
    )
