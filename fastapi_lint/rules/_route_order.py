"""FPI400's fix, the routing side: the move is offered only when the new registration order
changes nothing but the shadowed route's fate.

`shadowed_route` computes the shadowing; this module asks it again about the order after the
move (imported lazily: the rule module imports this one).
"""

from __future__ import annotations

import ast

from ..diagnostics import SourceLines
from ..fixes import Applicability, Fix
from ..semantic import paths
from ..semantic.fastapi_model import Include, Mount, RegistrationBranches, Route, flatten, has_custom_matching
from ._route_move import lazy_annotation_names, move_edit, plan_move


class RouteMoves:
    """FPI400's fixes for one module, with what every candidate move needs computed once."""

    def __init__(self, model, tree: ast.Module, lines: SourceLines) -> None:
        self.model, self.tree, self.lines = model, tree, lines
        self._branches: RegistrationBranches | None = None
        self._lazy_names: set[str] | None = None
        self._contexts: list[list] | None = None

    def fix(self, finding) -> Fix | None:
        """Move the shadowed route's definition above the one route that shadows it, when
        both are top-level in this module on the same router object."""
        if len(finding.earlier) != 1:
            return None  # several routes together, or nothing we can move above
        moved, target = finding.route.route, finding.earlier[0].route
        if moved is None or target is None or moved.owner is not target.owner:
            return None  # a mount, a documentation route, or another router's route
        handler = moved.handler
        if handler is None or moved.node not in getattr(handler, "decorator_list", ()):
            return None
        routes = self.model.routes
        if any(route is not moved and route.handler is handler for route in routes):
            return None  # the function is registered more than once: all would move
        move = plan_move(self.tree, handler, target.node, {id(r.node) for r in routes}, self.lazy_names)
        if move is None:
            return None
        jumped_nodes = move.jumped_nodes()
        jumped: set[int] = set()
        for obj in self.model.routers:
            for event in obj.events:
                if id(event.node) not in jumped_nodes:
                    continue
                if isinstance(event, (Include, Mount)):
                    return None  # the move would change what an include or mount sees
                if isinstance(event, Route) and event.owner is moved.owner:
                    jumped.add(id(event))
        if id(target) not in jumped:
            return None
        if not moved_route_is_the_only_change(self.contexts(), self.branches, moved, target, jumped):
            return None
        return Fix(
            f"Move `{finding.route.label}` above `{finding.earlier[0].label}`",
            Applicability.UNSAFE,
            (move_edit(self.lines, self.tree, move),),
        )

    @property
    def branches(self) -> RegistrationBranches:
        if self._branches is None:
            self._branches = RegistrationBranches(self.tree)
        return self._branches

    def contexts(self) -> list[list]:
        """Each application's (or unincluded router's) routes, as the rule's entries."""
        if self._contexts is None:
            from .shadowed_route import _entries

            self._contexts = [
                [e for e in _entries(flatten(root)) if not has_custom_matching(self.model, e.resolved)]
                for root in self.model.root_routers()
            ]
        return self._contexts

    def lazy_names(self) -> set[str]:
        if self._lazy_names is None:
            self._lazy_names = lazy_annotation_names(self.tree)
        return self._lazy_names


def moved_route_is_the_only_change(
    contexts: list[list], branches: RegistrationBranches, moved: Route, target: Route, jumped: set[int]
) -> bool:
    """With `moved` registered just before the routes `jumped` (ids, `target` among them),
    in every application that has it: `moved` is no longer shadowed, no jumped route becomes
    shadowed, and no jumped route loses a request to `moved`, other than the ones `target`
    took from it (the point of the move) or that never reached the jumped route anyway."""
    from .shadowed_route import _shadowing

    def visible(before: list, entry) -> list:
        return [e for e in before if not branches.exclusive(e.resolved, entry.resolved)]

    for entries in contexts:
        if not any(entry.resolved.route is moved for entry in entries):
            continue
        reordered = _reordered(entries, moved, jumped)
        if reordered is None:
            return False
        old_index = {id(entry): index for index, entry in enumerate(entries)}
        for index, entry in enumerate(reordered):
            if entry.resolved.route is moved:
                if _shadowing(visible(reordered[:index], entry), entry) is not None:
                    return False
                continue
            if id(entry.resolved.route) not in jumped:
                continue
            before = visible(entries[: old_index[id(entry)]], entry)
            after = visible(reordered[:index], entry)
            if _shadowing(after, entry) is not None and _shadowing(before, entry) is None:
                return False
            for mover in (e for e in after if e.resolved.route is moved):
                for key in mover.shared(entry):
                    taken = [e.pattern for e in before if key in e.shared(mover)]
                    if entry.resolved.route is target:
                        taken.append(entry.pattern)
                    if taken and paths.covers(taken, mover.pattern).included:
                        continue  # these requests never reached `entry` anyway
                    if paths.overlap(mover.pattern, entry.pattern).exists:
                        return False
    return True


def _reordered(entries: list, moved: Route, jumped: set[int]) -> list | None:
    """`entries` with each occurrence of `moved` just before the first jumped route of the
    same include; None when some jumped route is missing there (a path we cannot read)."""
    result = list(entries)
    for entry in [e for e in entries if e.resolved.route is moved]:
        via = entry.resolved.via
        present = {id(e.resolved.route) for e in entries if e.resolved.via == via}
        if not jumped <= present:
            return None
        result.remove(entry)
        first = next(i for i, e in enumerate(result) if e.resolved.via == via and id(e.resolved.route) in jumped)
        result.insert(first, entry)
    return result
