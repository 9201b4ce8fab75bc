"""Adding a keyword argument to a call the way the call is already written.

- One line, `@app.post("/items/")`: `, status_code=201` after the last argument (before a
  trailing comma, which stays last: `("/items/", status_code=201,)`).
- One argument per line with the closing parenthesis on its own line: a new line with the
  last argument's indentation, and a trailing comma when the call already has one. A
  comment after the last argument stays on that argument's line.
"""

from __future__ import annotations

import ast
from typing import Iterator

from ..diagnostics import Location, SourceLines
from ..fixes import Edit, insert_at
from ._source_text import end_of, end_of_line, indentation, line_ending, start_of, starts_its_line


def append_keyword(lines: SourceLines, call: ast.Call, keyword: str) -> tuple[Edit, ...] | None:
    """Edits that add `keyword` (e.g. `status_code=201`) as the call's last argument."""
    arguments = [*call.args, *call.keywords]
    call_end = end_of(lines, call)
    if not arguments:
        opening = _last_char(lines, end_of(lines, call.func), call_end, "(")
        if opening is None:
            return None
        return (insert_at(Location(opening.row, opening.column + 1), keyword),)
    last = max(arguments, key=lambda node: (node.end_lineno, node.end_col_offset))
    gap = _scan_gap(lines, end_of(lines, last), call_end)
    if gap is None:
        return None
    anchor, comma, closing = gap
    if closing.row == anchor.row or not starts_its_line(lines, start_of(lines, last)):
        return (insert_at(anchor, f", {keyword}"),)
    # One argument per line: the new keyword gets a line of its own.
    indent = indentation(lines, last.lineno)
    if comma is not None:
        newline = line_ending(lines, comma.row)
        return (insert_at(end_of_line(lines, comma.row), f"{newline}{indent}{keyword},"),)
    newline = line_ending(lines, anchor.row)
    return (
        insert_at(anchor, ","),
        insert_at(end_of_line(lines, anchor.row), f"{newline}{indent}{keyword}"),
    )


def _scan_gap(
    lines: SourceLines, start: Location, call_end: Location
) -> tuple[Location, Location | None, Location] | None:
    """Between the last argument and the call's `)`: only parentheses closing the argument
    (`f(("x"))`), a trailing comma, comments and line breaks. Returns where the argument
    really ends, the trailing comma and the call's `)`; None for anything unexpected."""
    closers: list[Location] = []
    comma: Location | None = None
    for location, char in _chars(lines, start, call_end):
        if char == "#":
            continue  # _chars skips the rest of the line
        if char == ")":
            closers.append(location)
        elif char == "," and comma is None:
            comma = location
        elif not char.isspace() and char != "\\":
            return None
    if not closers:
        return None
    closing = closers[-1]
    anchor = start
    if len(closers) > 1:  # the argument's own parentheses close before the comma
        inner = closers[-2]
        if comma is not None and comma < inner:
            return None
        anchor = Location(inner.row, inner.column + 1)
    return anchor, comma, closing


def _chars(lines: SourceLines, start: Location, end: Location) -> Iterator[tuple[Location, str]]:
    """The characters from `start` to `end`, skipping comments (yielding only their `#`)."""
    row, column = start.row, start.column
    while (row, column) < (end.row, end.column):
        text = lines.line(row)
        if column > len(text):
            row, column = row + 1, 1
            continue
        char = text[column - 1]
        yield Location(row, column), char
        if char == "#":
            row, column = row + 1, 1
        else:
            column += 1


def _last_char(lines: SourceLines, start: Location, end: Location, wanted: str) -> Location | None:
    found = None
    for location, char in _chars(lines, start, end):
        if char == wanted:
            found = location
    return found
