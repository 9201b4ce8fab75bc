"""FPI400's fix, the source side: moving a top-level route definition above another.

What moves is the route's whole block: the comment lines directly above its first
decorator (column 0, up to a blank line), its decorators, the function, and the indented
comment lines that end its body. It goes above the shadowing statement's own block,
followed by as many blank lines as it had above it (two, in most files).

The move must not change what any code sees when the module runs. The moved `def`
evaluates its decorators and default values when it is defined, and FastAPI's route
decorator resolves the handler's annotations right then too, even under `from __future__
import annotations` (a model defined below the route leaves it "not fully defined": every
request fails). So no statement it jumps over may bind or mutate a name those use, nor a
name used in a lazy annotation anywhere in the module (a string annotation, or any
annotation under `from __future__ import annotations`: FastAPI resolves the annotations of
the route's dependencies when the route is registered). No statement it jumps over may use
the moved function's name while it is defined (`Depends(moved)`), or bind that name
itself. The statements jumped over must be definitions, imports, assignments or route
registrations: anything else could do anything.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable

from ..diagnostics import Location, SourceLines
from ..fixes import Edit
from ._source_text import line_ending
from ..source import parse_module

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_PLAIN_STATEMENTS = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign,
    ast.Import, ast.ImportFrom, ast.Pass,
)


@dataclass(frozen=True)
class StatementMove:
    moved: ast.FunctionDef | ast.AsyncFunctionDef
    target: ast.stmt  # the statement the moved one goes above
    jumped: tuple[ast.stmt, ...]  # from `target` up to the moved statement, excluded

    def jumped_nodes(self) -> set[int]:
        return {id(node) for statement in self.jumped for node in ast.walk(statement)}


def plan_move(
    tree: ast.Module,
    moved_handler: ast.AST,
    target_node: ast.AST,
    registrations: set[int],
    lazy_names: Callable[[], set[str]],
) -> StatementMove | None:
    """The move of `moved_handler` (a top-level `def`) above the top-level statement that
    contains `target_node`, when the definitions it jumps over allow it. `registrations`:
    ids of the route registration calls of the module (an `add_api_route(...)` statement may
    be jumped over); `lazy_names()`: `lazy_annotation_names(tree)`."""
    body = tree.body
    if moved_handler not in body:
        return None
    moved_index = body.index(moved_handler)
    target_index = next(
        (i for i, statement in enumerate(body[:moved_index])
         if _first_row(statement) <= target_node.lineno <= statement.end_lineno),
        None,
    )
    if target_index is None:
        return None
    move = StatementMove(moved_handler, body[target_index], tuple(body[target_index:moved_index]))
    for statement in move.jumped:
        if isinstance(statement, _PLAIN_STATEMENTS):
            continue
        if isinstance(statement, ast.Expr):
            if isinstance(statement.value, ast.Constant) or id(statement.value) in registrations:
                continue
        return None
    if not _names_allow(move, lazy_names()):
        return None
    return move


# ---------------------------------------------------------------------- names


def _names_allow(move: StatementMove, lazy_annotation_names: set[str]) -> bool:
    moved = move.moved
    needed = _definition_time_loads(moved) | lazy_annotation_names
    if any(isinstance(node, ast.NamedExpr) for node in _definition_time_nodes(moved)):
        return False
    bound: set[str] = set()
    used: set[str] = set()
    for statement in move.jumped:
        bound |= _bound_or_mutated(statement)
        used |= _definition_time_loads(statement)
    return not (needed & bound) and moved.name not in bound | used


def _definition_time_nodes(statement: ast.stmt):
    """Every node Python (or FastAPI's decorator) evaluates when the statement runs: a
    `def`'s decorators, defaults and annotations, never its body (lambdas included,
    conservatively)."""
    stack: list[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _FUNCTIONS):
            stack.extend(node.decorator_list)
            stack.extend(d for d in [*node.args.defaults, *node.args.kw_defaults] if d is not None)
            stack.extend(_annotations(node))
        else:
            stack.extend(ast.iter_child_nodes(node))


def _annotations(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    arguments = [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]
    arguments += [a for a in (function.args.vararg, function.args.kwarg) if a is not None]
    found = [a.annotation for a in arguments if a.annotation is not None]
    return found + ([function.returns] if function.returns is not None else [])


def _definition_time_loads(statement: ast.stmt) -> set[str]:
    return {
        node.id
        for node in _definition_time_nodes(statement)
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store)
    }


def lazy_annotation_names(tree: ast.Module) -> set[str]:
    """Names in the module's annotations that are resolved later than they are written:
    string annotations, and every annotation under `from __future__ import annotations`."""
    everything = has_future_annotations(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, _FUNCTIONS):
            annotations = _annotations(node)
        elif isinstance(node, ast.AnnAssign):
            annotations = [node.annotation]
        else:
            continue
        for annotation in annotations:
            for part in ast.walk(annotation):
                if isinstance(part, ast.Name) and everything:
                    names.add(part.id)
                elif isinstance(part, ast.Constant) and isinstance(part.value, str):
                    names |= _names_in_string(part.value)
    return names


def _names_in_string(text: str) -> set[str]:
    try:
        parsed = parse_module(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    return {node.id for node in ast.walk(parsed) if isinstance(node, ast.Name)}


def _bound_or_mutated(statement: ast.stmt) -> set[str]:
    """Names a statement binds (conservatively: anywhere outside function bodies, class
    bodies included) and names whose object it changes (`router.prefix = ...`)."""
    names: set[str] = set()
    for node in _definition_time_nodes(statement):
        if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            root = node
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                root = root.value
            if isinstance(root, ast.Name):
                names.add(root.id)
    return names


def has_future_annotations(tree: ast.Module) -> bool:
    return any(
        isinstance(statement, ast.ImportFrom)
        and statement.module == "__future__"
        and any(alias.name == "annotations" for alias in statement.names)
        for statement in tree.body
    )


# ---------------------------------------------------------------------- text


def move_edit(lines: SourceLines, tree: ast.Module, move: StatementMove) -> Edit:
    """One edit, from the target's block to the end of the moved block: the moved block,
    its blank lines, then everything it jumped over, byte for byte. One edit rather than an
    insertion and a deletion, so that two moves whose ranges overlap never apply in the
    same round (each was checked against the order the other one changes)."""
    body = tree.body
    moved_index = body.index(move.moved)
    previous_end = body[moved_index - 1].end_lineno
    next_start = _first_row(body[moved_index + 1]) if moved_index + 1 < len(body) else len(lines.lines) + 1
    block_start = _comment_block_start(lines, _first_row(move.moved), previous_end)
    block_end = _body_comments_end(lines, move.moved.end_lineno, next_start)
    gap_start = block_start
    while gap_start - 1 > previous_end and not lines.line(gap_start - 1).strip():
        gap_start -= 1
    target_index = body.index(move.target)
    target_floor = body[target_index - 1].end_lineno if target_index else 0
    target_start = _comment_block_start(lines, _first_row(move.target), target_floor)

    block = [lines.line(row) for row in range(block_start, block_end + 1)]
    end = Location(block_end + 1, 1)
    if not block[-1].endswith(("\n", "\r")):  # the last line of a file without a final newline
        end = Location(block_end, len(block[-1]) + 1)
        block[-1] += line_ending(lines, block_end)
    separator = [lines.line(row) for row in range(gap_start, block_start)][-2:]
    jumped = [lines.line(row) for row in range(target_start, gap_start)]
    if end.column > 1:  # what was jumped over now ends the edited range: no final newline
        jumped[-1] = jumped[-1].rstrip("\r\n")
    return Edit("".join(block + separator + jumped), Location(target_start, 1), end)


def _first_row(statement: ast.stmt) -> int:
    decorators = getattr(statement, "decorator_list", [])
    return min([statement.lineno, *(d.lineno for d in decorators)])


def _comment_block_start(lines: SourceLines, row: int, floor: int) -> int:
    """The first of the column-0 comment lines directly above `row` (not above `floor`)."""
    while row - 1 > floor and lines.line(row - 1).startswith("#"):
        row -= 1
    return row


def _body_comments_end(lines: SourceLines, row: int, ceiling: int) -> int:
    """`row`, extended over the indented comment lines that close a function body."""
    while row + 1 < ceiling:
        text = lines.line(row + 1)
        if not text[:1].isspace() or not text.lstrip().startswith("#"):
            break
        row += 1
    return row
