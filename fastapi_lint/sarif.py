"""`--output-format sarif`: SARIF 2.1.0, as GitHub code scanning reads it.

- One run, one `tool.driver` listing every rule (the FPI rules in code order, then the two
  kinds of problem that are not rules: `syntax-error` and `io-error`); each result names its
  rule by `ruleId` (the code) and by `ruleIndex` (its place in that list).
- Locations are relative to the repository root (the nearest directory above the current
  one holding `.git`, else the current directory) under the base id `%SRCROOT%`, so the same
  file has the same URI on every machine; files outside it get an absolute `file:` URI.
  Lines are 1-based and columns count characters, as fastapi-lint's own positions do:
  the run says so (`columnKind: unicodeCodePoints`; SARIF's default would be UTF-16 code
  units). `endColumn` is the column after the region, as in SARIF.
- `partialFingerprints.primaryLocationLineHash` is a hash of the rule code, the file and
  the text of the diagnostic's line with all whitespace removed, then `:` and the number of
  earlier results with the same hash: an edit elsewhere in the file (lines added above)
  keeps the fingerprint, so code scanning keeps the alert instead of opening a new one.
- A fix becomes a SARIF `fix` (one artifact change, a replacement per edit, imports the
  fix needs included), its applicability in the fix's `properties`.
- FPI110's helper chain becomes a `codeFlows` thread flow: the reported call, then each
  call on the way to the blocking one.
- A file that does not parse (or cannot be read) is a *result* of `syntax-error` (or
  `io-error`), not a tool notification: GitHub shows results as alerts in the file, while
  notifications of third-party tools appear nowhere in its interface.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Iterable
from urllib.parse import quote

from . import __version__
from .diagnostics import DOCS_URL, Diagnostic, Location
from .fixes import Fix

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
ROOT_BASE_ID = "%SRCROOT%"
TOOL_NAME = "fastapi-lint"
LEVEL = "error"  # every diagnostic fails the run (exit 1), as ruff's SARIF says too

SYNTAX_ERROR = "syntax-error"
IO_ERROR = "io-error"
_NOT_RULES = {
    SYNTAX_ERROR: ("A file could not be parsed as Python.",
                   "The file does not parse, so none of its code was checked. Fix the syntax error "
                   "(or exclude the file) and run again."),
    IO_ERROR: ("A file could not be read or decoded, or does not exist.",
               "Nothing in the file was checked: it is missing, unreadable, or not in its declared "
               "encoding."),
}


# ---------------------------------------------------------------------- rules


def _section(doc: str, heading: str) -> str:
    """The text of a `## heading` section of a rule docstring."""
    lines = doc.splitlines()
    try:
        start = lines.index(heading) + 1
    except ValueError:
        return ""
    body = []
    for line in lines[start:]:
        if line.startswith("## "):
            break
        body.append(line)
    return "\n".join(body).strip()


def _unwrapped(text: str) -> str:
    """Paragraphs on one line each: viewers wrap plain text themselves."""
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in text.split("\n\n") if paragraph.strip())


@lru_cache(maxsize=1)
def _project_urls() -> dict[str, str]:
    """The package's `Project-URL`s (`[project.urls]`), by lower-case label."""
    try:
        entries = metadata.metadata("fastapi-lint").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return {}
    urls = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    return urls


def information_uri() -> str | None:
    urls = _project_urls()
    return urls.get("homepage") or urls.get("repository") or urls.get("source")


def help_uri(name: str) -> str | None:
    """The rule's page: the published docs when there are some, else `docs/rules/<name>.md`
    in the repository the package names; None when neither is known (the help text
    carries the whole page anyway)."""
    if DOCS_URL:
        return DOCS_URL.format(name=name)
    repository = _project_urls().get("repository") or _project_urls().get("source")
    if repository and repository.startswith(("https://", "http://")):
        return f"{repository.rstrip('/')}/blob/main/docs/rules/{name}.md"
    return None


def rule_descriptors() -> list[dict]:
    """`tool.driver.rules`: every rule, then the two kinds of problem that are not rules."""
    from .rules import all_rules

    descriptors = []
    for rule in sorted(all_rules(), key=lambda r: r.code):
        doc = inspect.cleandoc(rule.__doc__ or "")
        descriptor = {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary()},
            "fullDescription": {"text": _unwrapped(_section(doc, "## What it does")) or rule.summary()},
            "help": {"text": doc, "markdown": f"# {rule.name} ({rule.code})\n\n{doc}"},
            "defaultConfiguration": {"level": LEVEL, "enabled": bool(rule.default_enabled)},
            "properties": {"tags": ["fastapi"]},
        }
        uri = help_uri(rule.name)
        if uri:
            descriptor["helpUri"] = uri
        descriptors.append(descriptor)
    for rule_id, (short, full) in _NOT_RULES.items():
        descriptors.append({
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": short},
            "fullDescription": {"text": full},
            "help": {"text": full},
            "defaultConfiguration": {"level": LEVEL},
        })
    return descriptors


def rule_id_of(diagnostic: Diagnostic) -> str:
    if diagnostic.code:
        return diagnostic.code
    message = diagnostic.message
    return SYNTAX_ERROR if message.startswith(("SyntaxError", "cannot parse")) else IO_ERROR


# ---------------------------------------------------------------------- locations


def repository_root(cwd: str | None = None) -> Path:
    """The nearest directory at or above `cwd` holding `.git`, else `cwd` itself."""
    start = Path(cwd or os.getcwd()).resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def artifact_location(filename: str, root: Path) -> dict:
    path = Path(os.path.abspath(filename))
    try:
        relative = path.relative_to(root)
    except ValueError:
        return {"uri": path.as_uri()}
    return {"uri": quote(relative.as_posix(), safe="/"), "uriBaseId": ROOT_BASE_ID}


def region(start: Location, end: Location) -> dict:
    out = {"startLine": start.row, "startColumn": start.column}
    if end >= start:
        out.update(endLine=end.row, endColumn=end.column)
    return out


def _physical(filename: str, start: Location, end: Location, root: Path) -> dict:
    return {"physicalLocation": {"artifactLocation": artifact_location(filename, root), "region": region(start, end)}}


# ---------------------------------------------------------------------- fingerprints


_NEWLINES = re.compile(r"\r\n|\r|\n")


class _Sources:
    """Each file's lines, from the run's sources or read once from disk."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources
        self.lines: dict[str, list[str]] = {}

    def line(self, filename: str, row: int) -> str:
        if filename not in self.lines:
            text = self.sources.get(filename)
            if text is None:
                text = _read(filename)
            self.lines[filename] = _NEWLINES.split(text)
        lines = self.lines[filename]
        return lines[row - 1] if 1 <= row <= len(lines) else ""


def _read(filename: str) -> str:
    from .source import decode_source

    try:
        return decode_source(Path(filename).read_bytes())
    except Exception:  # unreadable or undecodable: reported as a result already
        return ""


def line_hash(rule_id: str, uri: str, line: str) -> str:
    """What the fingerprint is made of: the rule, the file, and the line's text without
    whitespace (re-indenting or re-spacing the line keeps it); not its number."""
    normalized = "".join(line.split())
    return hashlib.sha256(f"{rule_id}\0{uri}\0{normalized}".encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------------- results


def _fix(fix: Fix, filename: str, root: Path) -> dict:
    return {
        "description": {"text": fix.title},
        "artifactChanges": [{
            "artifactLocation": artifact_location(filename, root),
            "replacements": [
                {"deletedRegion": region(edit.location, edit.end_location), "insertedContent": {"text": edit.content}}
                for edit in sorted(fix.edits, key=lambda e: (e.location, e.end_location))
            ],
        }],
        "properties": {"applicability": fix.applicability.value},
    }


def _code_flow(diagnostic: Diagnostic, root: Path) -> dict:
    first = _physical(diagnostic.filename, diagnostic.location, diagnostic.end_location, root)
    first["message"] = {"text": "called on the event loop"}
    steps = [{"location": first}]
    for step in diagnostic.related:
        location = _physical(step.filename, step.location, step.end_location, root)
        location["message"] = {"text": step.message}
        steps.append({"location": location})
    return {"message": {"text": diagnostic.message}, "threadFlows": [{"locations": steps}]}


def sarif_log(diagnostics: Iterable[Diagnostic], sources: dict[str, str] | None = None,
              root: Path | None = None) -> dict:
    root = root or repository_root()
    descriptors = rule_descriptors()
    index = {descriptor["id"]: i for i, descriptor in enumerate(descriptors)}
    lines = _Sources(sources or {})
    seen: dict[str, int] = {}
    results = []
    for diagnostic in diagnostics:
        rule_id = rule_id_of(diagnostic)
        location = _physical(diagnostic.filename, diagnostic.location, diagnostic.end_location, root)
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        digest = line_hash(rule_id, uri, lines.line(diagnostic.filename, diagnostic.location.row))
        occurrence = seen.get(digest, 0)
        seen[digest] = occurrence + 1
        result = {
            "ruleId": rule_id,
            "ruleIndex": index[rule_id],
            "level": LEVEL,
            "message": {"text": diagnostic.message},
            "locations": [location],
            "partialFingerprints": {"primaryLocationLineHash": f"{digest}:{occurrence + 1}"},
        }
        if isinstance(diagnostic.fix, Fix) and diagnostic.fix.edits:
            result["fixes"] = [_fix(diagnostic.fix, diagnostic.filename, root)]
        if diagnostic.related:
            result["codeFlows"] = [_code_flow(diagnostic, root)]
        results.append(result)
    driver = {"name": TOOL_NAME, "version": __version__, "semanticVersion": __version__, "rules": descriptors}
    uri = information_uri()
    if uri:
        driver["informationUri"] = uri
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "originalUriBaseIds": {ROOT_BASE_ID: {"uri": root.as_uri().rstrip("/") + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def format_sarif(diagnostics: Iterable[Diagnostic], sources: dict[str, str] | None = None) -> str:
    return json.dumps(sarif_log(diagnostics, sources), indent=2) + "\n"
