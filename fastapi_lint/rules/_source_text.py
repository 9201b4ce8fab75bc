"""Reading the source around `ast` nodes in fix positions (1-based rows, character columns).

`ast` gives UTF-8 byte columns; fixes are written in characters. `SourceLines.location`
is the one conversion; everything here goes through it.
"""

from __future__ import annotations

import ast

from ..diagnostics import Location, SourceLines


def start_of(lines: SourceLines, node: ast.AST) -> Location:
    return lines.location(node.lineno, node.col_offset)


def end_of(lines: SourceLines, node: ast.AST) -> Location:
    return lines.location(node.end_lineno, node.end_col_offset)


def line_body(lines: SourceLines, row: int) -> str:
    """The text of a line without its line ending."""
    return lines.line(row).rstrip("\r\n")


def line_ending(lines: SourceLines, row: int) -> str:
    """The line ending a line uses (`\\n` for the last line when it has none)."""
    text = lines.line(row)
    body = text.rstrip("\r\n")
    return text[len(body):] or _first_ending(lines)


def _first_ending(lines: SourceLines) -> str:
    for text in lines.lines:
        body = text.rstrip("\r\n")
        if len(body) < len(text):
            return text[len(body):]
    return "\n"


def end_of_line(lines: SourceLines, row: int) -> Location:
    """The position just before a line's line ending."""
    return Location(row, len(line_body(lines, row)) + 1)


def text_between(lines: SourceLines, start: Location, end: Location) -> str:
    if start.row == end.row:
        return lines.line(start.row)[start.column - 1 : end.column - 1]
    parts = [lines.line(start.row)[start.column - 1 :]]
    parts.extend(lines.line(row) for row in range(start.row + 1, end.row))
    parts.append(lines.line(end.row)[: end.column - 1])
    return "".join(parts)


def node_text(lines: SourceLines, node: ast.AST) -> str:
    """The exact source of a node, comments and line breaks included."""
    return text_between(lines, start_of(lines, node), end_of(lines, node))


def indentation(lines: SourceLines, row: int) -> str:
    text = line_body(lines, row)
    return text[: len(text) - len(text.lstrip(" \t"))]


def starts_its_line(lines: SourceLines, location: Location) -> bool:
    """Only whitespace before `location` on its line."""
    return not lines.line(location.row)[: location.column - 1].strip()
