"""Output formats, as ruff writes them.

- `concise`: `path:row:col: CODE message`, paths relative to the current directory.
  A file that could not be parsed or read: `path:row:col: SyntaxError: ...` (no code).
- `full`: the concise line, then the source line with the range underlined.
- `grouped`: diagnostics under a line per file.
- `json`: ruff's schema, a pretty-printed array of objects with the keys `cell`, `code`,
  `end_location`, `filename` (absolute), `fix`, `location`, `message`, `noqa_row`, `url`.
- `json-lines`: one such object per line.
- `github`: GitHub Actions workflow commands (`::error title=...::...`).
- `sarif`: SARIF 2.1.0 for GitHub code scanning (`sarif.py`).

The text formats end with ruff's summary (`Found 3 errors.` / `All checks passed!`), on
stdout like ruff, unless `--quiet`. When fixes exist, a fixable diagnostic is marked
` [*]` after its code (only those that the current `--unsafe-fixes` setting would apply,
and not after `--fix`, when every such fix was applied), and the summary says what
`--fix` / `--unsafe-fixes` would do, in ruff's words (`printer.rs`).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from .diagnostics import Diagnostic
from .fixes import Applicability, Fix

FORMATS = ("concise", "full", "grouped", "json", "json-lines", "github", "sarif")
# The formats that carry every edit of a fix (the imports a fix needs, as edits), and the
# ones that need the checked files' text.
COMPLETE_FIX_FORMATS = ("json", "json-lines", "sarif")
SOURCE_FORMATS = ("full", "sarif")
TEXT_FORMATS = ("concise", "full", "grouped")
SYNTAX_ERROR_NAME = "syntax-error"


def display_path(filename: str, cwd: str | None = None) -> str:
    """Ruff's `relativize_path`: relative when under the current directory, else as is."""
    cwd = cwd or os.getcwd()
    path = os.path.abspath(filename)
    prefix = cwd.rstrip(os.sep) + os.sep
    return path[len(prefix):] if path.startswith(prefix) else path


def fix_applies(diagnostic: Diagnostic, unsafe: bool) -> bool:
    """Whether `--fix` would apply the diagnostic's fix (its applicability already reflects
    `extend-safe-fixes` / `extend-unsafe-fixes`, and unfixable rules carry no fix)."""
    fix = diagnostic.fix
    if not isinstance(fix, Fix):
        return False
    return fix.applicability is Applicability.SAFE or (fix.applicability is Applicability.UNSAFE and unsafe)


def _label(diagnostic: Diagnostic, mark_fixable: bool = False) -> str:
    """`FPI101 message` (`FPI101 [*] message` when fixable and marked), or the bare message
    for errors that are not rules (SyntaxError: ...)."""
    if not diagnostic.code:
        return diagnostic.message
    mark = " [*]" if mark_fixable else ""
    return f"{diagnostic.code}{mark} {diagnostic.message}"


def _position(diagnostic: Diagnostic) -> str:
    return f"{diagnostic.location.row}:{diagnostic.location.column}"


@dataclass(frozen=True)
class FixStatus:
    """Whether to mark fixable diagnostics, and with which `--unsafe-fixes` setting."""

    show: bool = False
    unsafe: bool = False

    def marks(self, diagnostic: Diagnostic) -> bool:
        return self.show and fix_applies(diagnostic, self.unsafe)


NO_FIX_STATUS = FixStatus()


def format_concise(diagnostics: Iterable[Diagnostic], status: FixStatus = NO_FIX_STATUS) -> str:
    return "".join(
        f"{display_path(d.filename)}:{_position(d)}: {_label(d, status.marks(d))}\n" for d in diagnostics
    )


def format_full(diagnostics: Iterable[Diagnostic], sources: dict[str, str], status: FixStatus = NO_FIX_STATUS) -> str:
    out = []
    for d in diagnostics:
        out.append(f"{display_path(d.filename)}:{_position(d)}: {_label(d, status.marks(d))}\n")
        lines = sources.get(d.filename, "").splitlines()
        row = d.location.row
        if 1 <= row <= len(lines):
            line = lines[row - 1].expandtabs(1)
            gutter = " " * len(str(row))
            start = d.location.column - 1
            end = d.end_location.column - 1 if d.end_location.row == row else len(line)
            width = max(1, min(end, len(line)) - start)
            out.append(f"{gutter} |\n{row} | {line}\n{gutter} | {' ' * start}{'^' * width}\n{gutter} |\n")
            if isinstance(d.fix, Fix):
                out.append(f"{gutter} = help: {d.fix.title}\n")
        out.append("\n")
    return "".join(out)


def format_grouped(diagnostics: list[Diagnostic], status: FixStatus = NO_FIX_STATUS) -> str:
    out = []
    current = None
    for d in diagnostics:
        if d.filename != current:
            if current is not None:
                out.append("\n")
            current = d.filename
            out.append(f"{display_path(d.filename)}:\n")
        out.append(f"  {_position(d)} {_label(d, status.marks(d))}\n")
    if diagnostics:
        out.append("\n")
    return "".join(out)


def _location(location) -> dict[str, int]:
    return {"column": location.column, "row": location.row}


def to_json_object(diagnostic: Diagnostic) -> dict:
    return {
        "cell": None,
        "code": diagnostic.code,
        "end_location": _location(diagnostic.end_location),
        "filename": os.path.abspath(diagnostic.filename),
        "fix": diagnostic.fix.to_json() if isinstance(diagnostic.fix, Fix) else None,
        "location": _location(diagnostic.location),
        "message": diagnostic.message,
        "noqa_row": diagnostic.noqa_row if diagnostic.code else None,
        "url": diagnostic.url or None,
    }


def format_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([to_json_object(d) for d in diagnostics], indent=2, sort_keys=True) + "\n"


def format_json_lines(diagnostics: Iterable[Diagnostic]) -> str:
    return "".join(
        json.dumps(to_json_object(d), sort_keys=True, separators=(",", ":")) + "\n" for d in diagnostics
    )


def _github_escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(diagnostics: Iterable[Diagnostic]) -> str:
    out = []
    for d in diagnostics:
        path = display_path(d.filename)
        title = f"fastapi-lint ({d.code})" if d.code else "fastapi-lint"
        out.append(
            f"::error title={_github_escape(title, property_value=True)},"
            f"file={_github_escape(path, property_value=True)},"
            f"line={d.location.row},col={d.location.column},"
            f"endLine={d.end_location.row},endColumn={d.end_location.column}::"
            f"{_github_escape(f'{path}:{_position(d)}: {_label(d)}')}\n"
        )
    return "".join(out)


def format_diagnostics(
    output_format: str, diagnostics: list[Diagnostic], sources: dict[str, str], status: FixStatus = NO_FIX_STATUS
) -> str:
    if output_format == "concise":
        return format_concise(diagnostics, status)
    if output_format == "full":
        return format_full(diagnostics, sources, status)
    if output_format == "grouped":
        return format_grouped(diagnostics, status)
    if output_format == "json":
        return format_json(diagnostics)
    if output_format == "json-lines":
        return format_json_lines(diagnostics)
    if output_format == "github":
        return format_github(diagnostics)
    if output_format == "sarif":
        from .sarif import format_sarif

        return format_sarif(diagnostics, sources)
    raise ValueError(f"unknown output format {output_format!r}")


def summary(count: int) -> str:
    """Ruff's last line for the text formats (no fixes involved)."""
    return summary_text(count, FixSummary())


@dataclass(frozen=True)
class FixSummary:
    """What the summary needs to know about fixes (ruff's `FixableStatistics` and mode).

    `unsafe` is ruff's `UnsafeFixes`: None when neither `--unsafe-fixes` nor
    `--no-unsafe-fixes` (nor the config key) was given: then the summary hints at it."""

    fixed: int = 0
    unsafe: bool | None = None
    applying: bool = True  # `--fix` (written), not `--diff` ("Would fix")
    show_violations: bool = True  # False with `--fix-only` and `--diff`


def fixable_counts(diagnostics: Iterable[Diagnostic], unsafe: bool | None) -> tuple[int, int]:
    """(fixes `--fix` would apply, unsafe fixes it would not), as ruff counts them."""
    applicable = hidden = 0
    for d in diagnostics:
        if not isinstance(d.fix, Fix):
            continue
        if fix_applies(d, bool(unsafe)):
            applicable += 1
        elif d.fix.applicability is Applicability.UNSAFE:
            hidden += 1
    return applicable, hidden


def _plural(count: int, word: str, suffix: str = "s") -> str:
    return f"{word}{'' if count == 1 else suffix}"


def summary_text(remaining: int, fixes: FixSummary, diagnostics: Iterable[Diagnostic] = ()) -> str:
    """Ruff's `write_summary_text`, sentence for sentence."""
    applicable, hidden = fixable_counts(diagnostics, fixes.unsafe)
    fixed = fixes.fixed
    lines = []
    if fixes.show_violations:
        total = fixed + remaining
        if fixed > 0:
            lines.append(f"Found {total} {_plural(total, 'error')} ({fixed} fixed, {remaining} remaining).")
        elif remaining > 0:
            lines.append(f"Found {remaining} {_plural(remaining, 'error')}.")
        else:
            lines.append("All checks passed!")
        if applicable or hidden:
            if fixes.unsafe is None:
                if applicable and hidden:
                    lines.append(f"[*] {applicable} fixable with the `--fix` option ({hidden} hidden "
                                 f"{_plural(hidden, 'fix', 'es')} can be enabled with the `--unsafe-fixes` option).")
                elif applicable:
                    lines.append(f"[*] {applicable} fixable with the `--fix` option.")
                else:
                    lines.append(f"No fixes available ({hidden} hidden {_plural(hidden, 'fix', 'es')} can be "
                                 "enabled with the `--unsafe-fixes` option).")
            elif applicable:
                lines.append(f"[*] {applicable} fixable with the --fix option.")
    else:
        errors = _plural(fixed, "error")
        if hidden:
            fixes_word = _plural(hidden, "fix", "es")
            if fixed and fixes.applying:
                lines.append(f"Fixed {fixed} {errors} ({hidden} additional {fixes_word} available with `--unsafe-fixes`).")
            elif fixed:
                lines.append(f"Would fix {fixed} {errors} ({hidden} additional {fixes_word} available with "
                             "`--unsafe-fixes`).")
            elif fixes.applying:
                lines.append(f"No errors fixed ({hidden} {fixes_word} available with `--unsafe-fixes`).")
            else:
                lines.append(f"No errors would be fixed ({hidden} {fixes_word} available with `--unsafe-fixes`).")
        elif fixed:
            lines.append(f"Fixed {fixed} {errors}." if fixes.applying else f"Would fix {fixed} {errors}.")
    return "".join(line + "\n" for line in lines)


def fix_summary(fixed: dict[str, Counter]) -> str:
    """Ruff's `print_fix_summary` (`--show-fixes`): the fixes applied per file, most first,
    between blank lines."""
    total = sum(sum(table.values()) for table in fixed.values())
    if not total:
        return ""
    from .rules import rule_by_code_or_name

    width = len(str(max(max(table.values()) for table in fixed.values() if table)))
    out = ["\n", f"Fixed {total} {_plural(total, 'error')}:\n"]
    for filename in sorted(fixed, key=display_path):
        table = fixed[filename]
        if not table:
            continue
        out.append(f"- {display_path(filename)}:\n")
        for code, count in sorted(table.items(), key=lambda item: (-item[1], item[0])):
            rule = rule_by_code_or_name(code)
            out.append(f"    {count:>{width}} × {code} ({rule.name if rule else code})\n")
    out.append("\n")
    return "".join(out)


def statistics(diagnostics: list[Diagnostic], unsafe: bool = False) -> list[dict]:
    """Ruff's `--statistics` rows: count per code, most frequent first; `fixable` when every
    diagnostic of the code has a fix that `--fix` would apply."""
    counts = Counter((d.code, d.name if d.code else SYNTAX_ERROR_NAME) for d in diagnostics)
    fixable: dict[str | None, bool] = {}
    for d in diagnostics:
        applies = fix_applies(d, unsafe)
        fixable[d.code] = fixable.get(d.code, True) and applies
    rows = [
        {"code": code, "name": name, "count": count, "fixable": fixable.get(code, False)}
        for (code, name), count in sorted(counts.items(), key=lambda item: (item[0][0] or "", item[0][1]))
    ]
    rows.sort(key=lambda row: -row["count"])  # stable: ties stay in code order
    return rows


def format_statistics(rows: list[dict], output_format: str) -> str:
    """Text: flake8's `--statistics` table as ruff prints it (count, code, name); or JSON."""
    if output_format == "json":
        return json.dumps(rows, indent=2) + "\n"
    if not rows:
        return ""
    count_width = max(len(str(row["count"])) for row in rows)
    code_width = max(len(row["code"] or "") for row in rows)
    any_fixable = any(row["fixable"] for row in rows)

    def mark(row: dict) -> str:
        return ("[*] " if row["fixable"] else "[ ] ") if any_fixable else ""

    return "".join(
        f"{row['count']:>{count_width}}\t{row['code'] or '':<{code_width}}\t{mark(row)}{row['name']}\n"
        for row in rows
    )
