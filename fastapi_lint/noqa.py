"""Suppression comments, with ruff's semantics.

- `# noqa` on a line suppresses every diagnostic reported on that line.
- `# noqa: FPI100, FPI101` suppresses exactly those codes on that line.
- `# fastapi-lint: noqa`, `# ruff: noqa` or `# flake8: noqa` anywhere in the file, on a
  line of its own, suppress the whole file; with `: CODES` only those codes.

Comments are found with `tokenize`, so a `# noqa` inside a string does not count.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Iterable

from .diagnostics import Diagnostic

_CODE_LIST = r"(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)"
LINE_NOQA = re.compile(r"#\s*noqa(?::\s*" + _CODE_LIST + r")?", re.IGNORECASE)
FILE_NOQA = re.compile(
    r"^#\s*(?:fastapi-lint|ruff|flake8)\s*:\s*noqa(?::\s*" + _CODE_LIST + r")?\s*(?:#.*)?$",
    re.IGNORECASE,
)


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


def _codes(text: str | None) -> set[str]:
    return {code.upper() for code in re.split(r"[\s,]+", text or "") if code}


def parse_suppressions(source: str) -> Suppressions:
    found = Suppressions()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return found
    for index, token in enumerate(tokens):
        if token.type != tokenize.COMMENT:
            continue
        row = token.start[0]
        own_line = index == 0 or tokens[index - 1].type in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT) or tokens[index - 1].end[0] < row
        file_match = FILE_NOQA.match(token.string.strip())
        if file_match and own_line:
            if file_match.group("codes"):
                found.file_codes |= _codes(file_match.group("codes"))
            else:
                found.file_all = True
            continue
        line_match = LINE_NOQA.search(token.string)
        if line_match:
            codes = line_match.group("codes")
            if codes:
                found.line_codes.setdefault(row, set()).update(_codes(codes))
            else:
                found.line_all.add(row)
    return found


def filter_suppressed(diagnostics: Iterable[Diagnostic], source: str) -> list[Diagnostic]:
    diagnostics = list(diagnostics)
    if not diagnostics or "noqa" not in source.lower():
        return diagnostics
    suppressions = parse_suppressions(source)
    return [d for d in diagnostics if not suppressions.suppresses(d)]
