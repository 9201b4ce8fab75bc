"""Fixes as data: what a rule proposes, described during detection, applied elsewhere.

A `Fix` is a title, an applicability (ruff's: `safe` keeps runtime behaviour, `unsafe` may
change runtime behaviour, the API contract, the OpenAPI document, or drop comments,
`display-only` is shown but never applied) and text edits with ruff's positions (1-based
rows, 1-based character columns). Imports a fix needs are *requested*, never spliced by
the rule: the engine adds them with LibCST's `AddImportsVisitor`.

Nothing here imports libcst: describing a fix is cheap and detection stays libcst-free.
The engine (`fastapi_lint.fixes.engine`) imports it only when a fix is applied.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace
from enum import Enum

from ..diagnostics import Location, SourceLines


NEWLINE = re.compile(r"\r\n|\r|\n")


class Applicability(str, Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


@dataclass(frozen=True)
class Edit:
    """Replace the text between `location` and `end_location` with `content`."""

    content: str
    location: Location
    end_location: Location

    def to_json(self) -> dict:
        return {
            "content": self.content,
            "location": {"row": self.location.row, "column": self.location.column},
            "end_location": {"row": self.end_location.row, "column": self.end_location.column},
        }


@dataclass(frozen=True)
class ImportRequest:
    """`import module` (name None) or `from module import name` (as LibCST's AddImportsVisitor)."""

    module: str
    name: str | None = None


@dataclass(frozen=True)
class Fix:
    title: str
    applicability: Applicability
    edits: tuple[Edit, ...]
    imports: tuple[ImportRequest, ...] = field(default=())

    def to_json(self) -> dict:
        return {
            "applicability": self.applicability.value,
            "edits": [edit.to_json() for edit in self.edits],
            "message": self.title,
        }


def applicable_fix(diagnostic, settings, unsafe: bool) -> Fix | None:
    """The diagnostic's fix when it may be applied under `settings` (a `Settings`), with
    unsafe fixes on or off; None otherwise (no fix, display-only, or not fixable)."""
    fix = diagnostic.fix
    if not isinstance(fix, Fix) or diagnostic.code is None or not settings.is_fixable(diagnostic.code):
        return None
    applicability = settings.applicability_of(diagnostic.code, fix.applicability)
    if applicability is Applicability.SAFE or (applicability is Applicability.UNSAFE and unsafe):
        return fix
    return None


def with_settings_applied(diagnostics, settings) -> list:
    """The diagnostics as ruff reports them: no fix for a rule that is not fixable, and the
    fix's applicability after `extend-safe-fixes` / `extend-unsafe-fixes`."""
    out = []
    for diagnostic in diagnostics:
        fix = diagnostic.fix
        if isinstance(fix, Fix) and diagnostic.code is not None:
            if not settings.is_fixable(diagnostic.code):
                diagnostic = replace(diagnostic, fix=None)
            else:
                applicability = settings.applicability_of(diagnostic.code, fix.applicability)
                if applicability is not fix.applicability:
                    diagnostic = replace(diagnostic, fix=replace(fix, applicability=applicability))
        out.append(diagnostic)
    return out


def replace_node(lines: SourceLines, node: ast.AST, content: str) -> Edit:
    start, end = lines.span(node)
    return Edit(content, start, end)


def insert_at(location: Location, content: str) -> Edit:
    return Edit(content, location, location)


def offset_of(text: str, line_starts: list[int], location: Location) -> int:
    """The string offset of a 1-based row / 1-based character column."""
    if location.row - 1 >= len(line_starts):
        return len(text)
    return line_starts[location.row - 1] + location.column - 1


def line_starts_of(text: str) -> list[int]:
    """Where each row starts. Rows end where Python's tokenizer ends them (`\r\n`, `\r`,
    `\n`), not where `str.splitlines` does (it also splits at form feeds, `\x1c`,
    `\u2028`...), so that rows agree with `ast` line numbers."""
    return [0, *(match.end() for match in NEWLINE.finditer(text))]


def apply_edits(text: str, edits: list[Edit] | tuple[Edit, ...]) -> str:
    """Apply non-overlapping text edits (no imports, no checks: the engine does those)."""
    starts = line_starts_of(text)
    spans = sorted(
        ((offset_of(text, starts, e.location), offset_of(text, starts, e.end_location), e.content) for e in edits),
        key=lambda span: (span[0], span[1]),
    )
    out, cursor = [], 0
    for begin, end, content in spans:
        if begin < cursor:
            raise ValueError("overlapping edits")
        out.append(text[cursor:begin])
        out.append(content)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


__all__ = [
    "Applicability", "Edit", "Fix", "ImportRequest", "applicable_fix", "apply_edits", "insert_at",
    "line_starts_of", "offset_of", "replace_node", "with_settings_applied",
]
