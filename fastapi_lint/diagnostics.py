"""What a check produces: diagnostics, with positions counted the way ruff counts them."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

# The rule docs have no published site yet: `url` stays null in JSON output (ruff's value
# for rules without a page) until they do. `fastapi-lint rule CODE` prints them.
DOCS_URL: str | None = None


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based row and a 1-based column counted in characters (ruff's convention)."""

    row: int
    column: int


@dataclass(frozen=True)
class RelatedLocation:
    """A place a diagnostic's message refers to, in ruff's positions (FPI110: a call on
    the way to the blocking one). `filename` as diagnostics name files."""

    filename: str
    location: Location
    end_location: Location
    message: str


@dataclass(frozen=True)
class Diagnostic:
    # None for a syntax error, as in ruff: it is not a rule and cannot be ignored.
    code: str | None
    name: str
    message: str
    filename: str
    location: Location
    end_location: Location
    # Fixes arrive with the fix engine; detection already carries the slot so that
    # JSON output keeps ruff's schema (`"fix": null`).
    fix: object | None = None
    noqa_row: int | None = None
    # The further steps of a chain the message names, in order (FPI110: each call from the
    # helper on to the blocking one): SARIF output shows them, after the diagnostic's own
    # location, as a code flow.
    related: tuple[RelatedLocation, ...] = ()

    @property
    def url(self) -> str | None:
        return DOCS_URL.format(name=self.name) if DOCS_URL and self.name else None

    def sort_key(self) -> tuple:
        return (self.filename, self.location, self.code or "")


class SourceLines:
    """Converts `ast` positions (UTF-8 byte columns) to ruff's character columns.

    This is the one place where byte offsets become character offsets: every
    diagnostic position goes through `location()`.
    """

    def __init__(self, source: str) -> None:
        # Rows as Python's tokenizer counts them (`str.splitlines` would also split at
        # form feeds and `\u2028` inside a line, and every later row would be off).
        self.lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", source) or [""]

    def line(self, row: int) -> str:
        if 1 <= row <= len(self.lines):
            return self.lines[row - 1]
        return ""

    def location(self, row: int, byte_col: int) -> Location:
        text = self.line(row)
        if text.isascii():
            return Location(row, byte_col + 1)
        prefix = text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace")
        return Location(row, len(prefix) + 1)

    def def_header_span(self, node: ast.AST) -> tuple[Location, Location]:
        """From `async def` (or `def`) to the end of the function's name, on its own line."""
        text = self.line(node.lineno)
        start = node.col_offset
        encoded = text.encode("utf-8")
        name = getattr(node, "name", "").encode("utf-8")
        at = encoded.find(b"def", start)
        name_at = encoded.find(name, at + 3) if at >= 0 and name else -1
        end = name_at + len(name) if name_at >= 0 else start
        return self.location(node.lineno, start), self.location(node.lineno, end)

    def span(self, node: ast.AST) -> tuple[Location, Location]:
        start = self.location(node.lineno, node.col_offset)
        end_row = getattr(node, "end_lineno", None) or node.lineno
        end_col = getattr(node, "end_col_offset", None)
        if end_col is None:
            end_col = node.col_offset
        return start, self.location(end_row, end_col)


@dataclass
class FileResult:
    """Everything one file's check produced."""

    filename: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Set when the file could not be read or parsed: such a file is reported,
    # never silently skipped, and never rewritten.
    error: str | None = None
