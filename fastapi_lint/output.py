"""Output formats, as ruff writes them.

- `concise`: `path:row:col: CODE message`, paths relative to the current directory.
  A file that could not be parsed or read: `path:row:col: SyntaxError: ...` (no code).
- `full`: the concise line, then the source line with the range underlined.
- `grouped`: diagnostics under a line per file.
- `json`: ruff's schema, a pretty-printed array of objects with the keys `cell`, `code`,
  `end_location`, `filename` (absolute), `fix`, `location`, `message`, `noqa_row`, `url`.
- `json-lines`: one such object per line.
- `github`: GitHub Actions workflow commands (`::error title=...::...`).

The text formats end with ruff's summary (`Found 3 errors.` / `All checks passed!`), on
stdout like ruff, unless `--quiet`.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Iterable

from .diagnostics import Diagnostic

FORMATS = ("concise", "full", "grouped", "json", "json-lines", "github")
TEXT_FORMATS = ("concise", "full", "grouped")
SYNTAX_ERROR_NAME = "syntax-error"


def display_path(filename: str, cwd: str | None = None) -> str:
    """Ruff's `relativize_path`: relative when under the current directory, else as is."""
    cwd = cwd or os.getcwd()
    path = os.path.abspath(filename)
    prefix = cwd.rstrip(os.sep) + os.sep
    return path[len(prefix):] if path.startswith(prefix) else path


def _label(diagnostic: Diagnostic) -> str:
    """`FPI101 message`, or the bare message for errors that are not rules (SyntaxError: ...)."""
    return f"{diagnostic.code} {diagnostic.message}" if diagnostic.code else diagnostic.message


def _position(diagnostic: Diagnostic) -> str:
    return f"{diagnostic.location.row}:{diagnostic.location.column}"


def format_concise(diagnostics: Iterable[Diagnostic]) -> str:
    return "".join(
        f"{display_path(d.filename)}:{_position(d)}: {_label(d)}\n" for d in diagnostics
    )


def format_full(diagnostics: Iterable[Diagnostic], sources: dict[str, str]) -> str:
    out = []
    for d in diagnostics:
        out.append(f"{display_path(d.filename)}:{_position(d)}: {_label(d)}\n")
        lines = sources.get(d.filename, "").splitlines()
        row = d.location.row
        if 1 <= row <= len(lines):
            line = lines[row - 1].expandtabs(1)
            gutter = " " * len(str(row))
            start = d.location.column - 1
            end = d.end_location.column - 1 if d.end_location.row == row else len(line)
            width = max(1, min(end, len(line)) - start)
            out.append(f"{gutter} |\n{row} | {line}\n{gutter} | {' ' * start}{'^' * width}\n{gutter} |\n")
        out.append("\n")
    return "".join(out)


def format_grouped(diagnostics: list[Diagnostic]) -> str:
    out = []
    current = None
    for d in diagnostics:
        if d.filename != current:
            if current is not None:
                out.append("\n")
            current = d.filename
            out.append(f"{display_path(d.filename)}:\n")
        out.append(f"  {_position(d)} {_label(d)}\n")
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
        "fix": None,  # fixes arrive with the fix engine
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


def format_diagnostics(output_format: str, diagnostics: list[Diagnostic], sources: dict[str, str]) -> str:
    if output_format == "concise":
        return format_concise(diagnostics)
    if output_format == "full":
        return format_full(diagnostics, sources)
    if output_format == "grouped":
        return format_grouped(diagnostics)
    if output_format == "json":
        return format_json(diagnostics)
    if output_format == "json-lines":
        return format_json_lines(diagnostics)
    if output_format == "github":
        return format_github(diagnostics)
    raise ValueError(f"unknown output format {output_format!r}")


def summary(count: int) -> str:
    """Ruff's last line for the text formats."""
    if count == 0:
        return "All checks passed!\n"
    return f"Found {count} error{'' if count == 1 else 's'}.\n"


def statistics(diagnostics: list[Diagnostic]) -> list[dict]:
    """Ruff's `--statistics` rows: count per code, most frequent first."""
    counts = Counter((d.code, d.name if d.code else SYNTAX_ERROR_NAME) for d in diagnostics)
    rows = [
        {"code": code, "name": name, "count": count, "fixable": False}
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
    return "".join(
        f"{row['count']:>{count_width}}\t{row['code'] or '':<{code_width}}\t{row['name']}\n" for row in rows
    )
