"""Suppression comments, with ruff's semantics (its `noqa.rs` lexer, rule for rule).

- `# noqa` on a line suppresses every diagnostic reported on that line; `noqa` is
  case-insensitive (`# NOQA`), may follow another comment (`# why # noqa`), and may be
  followed by free text (`# noqa because ...`).
- `# noqa: FPI100, FPI101` (commas and/or spaces; `#noqa:FPI100`) suppresses exactly those
  codes on that line. Codes are upper-case letters then digits, matched exactly (no
  prefixes); text after the codes is a comment. A directive with a colon and no valid
  code (`# noqa:`, `# noqa: fpi100`) or glued text (`# noqa123`) suppresses nothing,
  as in ruff.
- `# fastapi-lint: noqa`, `# ruff: noqa` or `# flake8: noqa` on a line of its own,
  anywhere in the file, suppress the whole file; with `: CODES` only those codes.
- Syntax errors cannot be suppressed.

Comments are found with `tokenize`, so a `# noqa` inside a string does not count.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Iterable

from .diagnostics import Diagnostic

ALL = "all"
_INLINE = re.compile(r"#\s*noqa", re.IGNORECASE)
_FILE = re.compile(r"#\s*(?:fastapi-lint|ruff|flake8)\s*:\s*(?i:noqa)")
_CODE = re.compile(r"[A-Z]+[0-9]+")


def _lex_codes(text: str) -> frozenset[str] | None:
    """Codes after `noqa:`; None when the directive is invalid (ruff ignores it)."""
    codes: list[str] = []
    position, missing_delimiter = 0, False
    while position < len(text):
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            break
        if text[position] == ",":
            position += 1
            continue
        match = _CODE.match(text, position)
        if match is None:
            if missing_delimiter:  # `FPI100Fabc`
                return None
            break  # the first non-code word starts a free-text comment
        codes.append(match.group())
        position = match.end()
        if position >= len(text):
            break
        following = text[position]
        if following == ",":
            position += 1
            missing_delimiter = False
        elif following.isspace() or following == "#":
            missing_delimiter = False
        elif "A" <= following <= "Z":  # `FPI100FPI101`: ruff warns but accepts both
            missing_delimiter = True
        else:
            return None  # `FPI100abc`
        if following == "#":
            break
    return frozenset(codes) if codes else None


def _lex_directive(rest: str) -> str | frozenset[str] | None:
    """What follows `noqa`: ALL, a set of codes, or None (not a valid directive)."""
    if not rest or rest[0] == "#":
        return ALL
    if rest[0] == ":":
        return _lex_codes(rest[1:])
    if rest[0].isspace():
        stripped = rest.lstrip()
        if stripped.startswith(":"):
            return _lex_codes(stripped[1:])
        return ALL
    return None


def inline_directive(comment: str) -> str | frozenset[str] | None:
    match = _INLINE.search(comment)
    return _lex_directive(comment[match.end():]) if match else None


def file_directive(comment: str) -> str | frozenset[str] | None:
    match = _FILE.search(comment)
    return _lex_directive(comment[match.end():]) if match else None


@dataclass
class Suppressions:
    file_all: bool = False
    file_codes: set[str] = field(default_factory=set)
    line_all: set[int] = field(default_factory=set)
    line_codes: dict[int, set[str]] = field(default_factory=dict)

    def suppresses(self, diagnostic: Diagnostic) -> bool:
        if diagnostic.code is None:  # syntax errors cannot be suppressed
            return False
        if self.file_all or diagnostic.code in self.file_codes:
            return True
        row = diagnostic.noqa_row or diagnostic.location.row
        return row in self.line_all or diagnostic.code in self.line_codes.get(row, ())


def _comments(source: str) -> Iterable[tuple[int, bool, str]]:
    """(row, own_line, text) for every comment token; stops quietly where tokenize fails."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                own_line = not token.line[: token.start[1]].strip()
                yield token.start[0], own_line, token.string
    except (tokenize.TokenError, SyntaxError):
        return


def parse_suppressions(source: str) -> Suppressions:
    found = Suppressions()
    for row, own_line, comment in _comments(source):
        file_level = file_directive(comment)
        if file_level is not None:
            if own_line:  # ruff ignores (and warns about) a trailing `# ruff: noqa`
                if file_level == ALL:
                    found.file_all = True
                else:
                    found.file_codes |= file_level
            continue
        directive = inline_directive(comment)
        if directive == ALL:
            found.line_all.add(row)
        elif directive:
            found.line_codes.setdefault(row, set()).update(directive)
    return found


def filter_suppressed(diagnostics: Iterable[Diagnostic], source: str) -> list[Diagnostic]:
    diagnostics = list(diagnostics)
    if not diagnostics or "noqa" not in source.lower():
        return diagnostics
    suppressions = parse_suppressions(source)
    return [d for d in diagnostics if not suppressions.suppresses(d)]
