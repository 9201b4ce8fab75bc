"""`--add-noqa`: suppress every current finding with a `# noqa: CODE` comment, as ruff does.

- The directive goes on the line a diagnostic's `noqa_row` names (the line a suppression is
  read from, `noqa.py`), after the line's code and any comment, two spaces before it:
  `x = f()  # noqa: FPI101`. All the codes of one line go into one directive, sorted.
- A line that already has `# noqa: CODES` gets the new codes merged into that directive
  (the existing ones kept, unknown ones too, all sorted); text after the codes (a reason)
  is kept, where ruff would drop it. A bare `# noqa` is left alone (it already silences
  the line), and so is a file with a file-level exemption (its diagnostics are gone).
- Comments are placed where `tokenize` says a comment can go: a line that ends inside a
  string (a triple-quoted string, an f-string spanning lines) or with a backslash
  continuation gets no directive there, since `#` would become part of the string or
  break the line; such a line is reported instead.
- The new text must parse and must suppress every diagnostic it was written for;
  otherwise the file is left as it is and reported. A file that does not parse is never
  touched.
"""

from __future__ import annotations

import io
import re
import tokenize
import warnings
from dataclasses import dataclass, field

from .diagnostics import Diagnostic
from .noqa import _CODE, _INLINE, ALL, inline_directive, parse_suppressions
from .source import parse_module

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass
class NoqaEdits:
    text: str
    added: int = 0  # lines that got a new or extended directive
    skipped: list[int] = field(default_factory=list)  # rows where no comment can go


@dataclass(frozen=True)
class _LineComments:
    commentable: set[int]  # rows whose end is outside any string and continuation
    comments: dict[int, list[tuple[int, str]]]  # row -> (column, comment text)


def _scan(text: str) -> _LineComments:
    commentable: set[int] = set()
    comments: dict[int, list[tuple[int, str]]] = {}
    # Universal newlines: rows as `ast` counts them, a lone `\r` ending one too.
    for token in tokenize.generate_tokens(io.StringIO(text, newline=None).readline):
        if token.type in (tokenize.NEWLINE, tokenize.NL):
            commentable.add(token.start[0])
        elif token.type == tokenize.COMMENT:
            commentable.add(token.start[0])
            comments.setdefault(token.start[0], []).append((token.start[1], token.string))
    return _LineComments(commentable, comments)


def _codes_end(comment: str, start: int) -> int | None:
    """Where the codes of the `# noqa: CODES` directive starting at `start` end."""
    match = _INLINE.match(comment, start)
    if match is None:
        return None
    position = match.end()
    while position < len(comment) and comment[position].isspace():
        position += 1
    if position >= len(comment) or comment[position] != ":":
        return None
    position += 1
    end = None
    while True:
        while position < len(comment) and (comment[position].isspace() or comment[position] == ","):
            position += 1
        code = _CODE.match(comment, position)
        if code is None:
            return end
        end = position = code.end()


def _existing_directive(comments: list[tuple[int, str]]) -> tuple[int, int, frozenset[str]] | str | None:
    """On one line: (start, end) columns of a `# noqa: CODES` directive and its codes,
    ALL for a bare `# noqa`, or None."""
    for column, comment in comments:
        directive = inline_directive(comment)
        if directive is None:
            continue
        if directive == ALL:
            return ALL
        start = _INLINE.search(comment).start()
        end = _codes_end(comment, start)
        if end is None:
            continue
        return column + start, column + end, frozenset(directive)
    return None


def _directive(codes) -> str:
    return "# noqa: " + ", ".join(sorted(codes))


def add_noqa(text: str, diagnostics: list[Diagnostic]) -> NoqaEdits:
    """`text` with a directive for each line that has one of `diagnostics` (rules only)."""
    by_row: dict[int, set[str]] = {}
    for diagnostic in diagnostics:
        if diagnostic.code is None:  # the file does not parse: never touched
            return NoqaEdits(text)
        by_row.setdefault(diagnostic.noqa_row or diagnostic.location.row, set()).add(diagnostic.code)
    if not by_row:
        return NoqaEdits(text)
    try:
        scan = _scan(text)
    except (tokenize.TokenError, SyntaxError):
        return NoqaEdits(text)
    lines = _LINE.findall(text)
    result = NoqaEdits(text)
    for row in sorted(by_row):
        if not 1 <= row <= len(lines) or row not in scan.commentable:
            result.skipped.append(row)
            continue
        line = lines[row - 1]
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        existing = _existing_directive(scan.comments.get(row, []))
        if existing == ALL:
            continue
        if existing is None:
            new = f"{body.rstrip()}  {_directive(by_row[row])}"
        else:
            start, end, codes = existing
            if by_row[row] <= codes:
                continue
            new = f"{body[:start].rstrip()}  {_directive(codes | by_row[row])}{body[end:]}"
        if new != body:
            lines[row - 1] = new + ending
            result.added += 1
    result.text = "".join(lines)
    return result


def check_result(original: str, edits: NoqaEdits, diagnostics: list[Diagnostic]) -> str | None:
    """Why the new text must not be written (None: it may)."""
    if edits.text == original:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parse_module(edits.text)
    except (SyntaxError, ValueError) as error:
        return f"adding noqa directives would break the file ({error}); it was left as it is"
    suppressions = parse_suppressions(edits.text)
    skipped = set(edits.skipped)
    for diagnostic in diagnostics:
        if (diagnostic.noqa_row or diagnostic.location.row) in skipped:
            continue
        if not suppressions.suppresses(diagnostic):
            return f"a noqa directive for {diagnostic.code} on line {diagnostic.location.row} would not take effect"
    return None


def add_noqa_to_files(diagnostics: list[Diagnostic]) -> tuple[int, list[str]]:
    """Add directives to every file with diagnostics: (directives added, problems)."""
    from pathlib import Path

    from .fixes.writer import SourceFile, WriteError, write_fixed
    from .output import display_path
    from .source import SourceDecodeError

    by_file: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        by_file.setdefault(diagnostic.filename, []).append(diagnostic)
    added, problems = 0, []
    for filename, found in sorted(by_file.items()):
        shown = display_path(filename)
        if any(d.code is None for d in found):
            problems.append(f"{shown}: no noqa directives added: {found[0].message}")
            continue
        try:
            source = SourceFile.read(Path(filename))
        except (OSError, SourceDecodeError) as error:
            problems.append(f"{shown}: no noqa directives added: {getattr(error, 'strerror', None) or error}")
            continue
        edits = add_noqa(source.text, found)
        for row in edits.skipped:
            problems.append(f"{shown}:{row}: no noqa directive added: the line ends inside a string or "
                            "with a line continuation, where a comment cannot go")
        refusal = check_result(source.text, edits, found)
        if refusal is not None:
            problems.append(f"{shown}: {refusal}")
            continue
        if edits.added:
            try:
                write_fixed(source, edits.text)
            except WriteError as error:
                problems.append(f"{shown}: no noqa directives added: {error}")
                continue
            added += edits.added
    return added, problems
