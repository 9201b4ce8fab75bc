"""`fastapi-lint routes [PATH]`: each application's route table, in registration order.

Like `flask routes`, from the source alone (nothing is imported): method, full path,
handler and where it is registered, in the order Starlette tries the routes, with the
routes that can never run marked with what shadows them. `--output-format json` gives the
same as data. Also the glue between the `check` command and the project analysis.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .build import ProjectSession, load_project, prepare_projects
from .layout import find_project_root

if TYPE_CHECKING:
    from ..semantic import fastapi_model as fm


def add_project_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("whole-project analysis")
    group.add_argument("--no-project", action="store_true",
                       help="check each file on its own (no routers, models or helpers from other modules)")
    group.add_argument("--no-cache", action="store_true",
                       help="do not read or write the module summaries and results cached in .fastapi_lint_cache/")


def session_for_check(args: argparse.Namespace, files: list[Path], resolver, log: TextIO) -> ProjectSession | None:
    """The `check` command's projects (None with `--no-project`); `--verbose` says what
    was analysed and what could not be resolved statically."""
    if getattr(args, "no_project", False) or not files:
        return None
    session = prepare_projects(
        files, args.paths or ["."], resolver.for_path, use_cache=not args.no_cache, jobs=args.jobs
    )
    if args.verbose:
        for line in session.describe():
            log.write(f"fastapi-lint: {line}\n")
        for line in session.notes():
            log.write(f"fastapi-lint: not resolved: {line}\n")
    return session


# ---------------------------------------------------------------------- `routes`


def routes_command(argv: list[str], out: TextIO = sys.stdout) -> int:
    from ..config import SettingsResolver
    from ..output import display_path

    parser = argparse.ArgumentParser(
        prog="fastapi-lint routes",
        description="Print each application's routes in registration order, marking the ones that "
        "can never run. PATH: the project (a directory or a file in it; default: .).",
    )
    parser.add_argument("path", nargs="?", default=".", metavar="PATH")
    parser.add_argument("--output-format", choices=("text", "json"), default="text")
    parser.add_argument("--config", metavar="PATH", help="use this configuration file")
    parser.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    parser.add_argument("--no-cache", action="store_true", help="do not use .fastapi_lint_cache/")
    parser.add_argument("-v", "--verbose", action="store_true", help="also say what could not be resolved")
    args = parser.parse_args(argv)
    path = Path(args.path)
    if not path.exists():
        from ..discovery import MissingPathError

        raise MissingPathError(args.path)
    path = path.resolve()
    root = find_project_root(path) or path.parent
    resolver = SettingsResolver(config_file=args.config, isolated=args.isolated)
    project, _ = load_project(root, resolver.for_path, use_cache=not args.no_cache)
    # The applications under PATH (the project's root may be above it).
    tables = [t for t in route_tables(project) if root / t["file"] == path or path in (root / t["file"]).parents]

    def shown(relative: str | None) -> str | None:
        return display_path(str(root / relative)) if relative is not None else None

    if args.output_format == "json":
        for table in tables:
            table["file"] = shown(table["file"])
            for row in table["routes"]:
                row["file"] = shown(row["file"])
                for other in row["shadowed_by"] or ():
                    other["file"] = shown(other["file"])
        out.write(json.dumps(tables, indent=2) + "\n")
    else:
        out.write(format_tables(tables, shown))
    notes = project.notes()
    if args.verbose:
        for relative, line, message in notes:
            sys.stderr.write(f"fastapi-lint: not resolved: {shown(relative)}:{line}: {message}\n")
    elif notes:  # the table may lack routes: say so, not silently
        sys.stderr.write(f"fastapi-lint: {len(notes)} includes, routes or imports not resolved statically "
                         "(see -v)\n")
    return 0


def route_tables(project) -> list[dict[str, Any]]:
    """Every application of the project with its routes, as plain data."""
    routing = project.routing
    tables = []
    for app in routing.apps():
        module = project.modules[app.module]
        rows = [_row(resolved, verdict) for resolved, verdict in routing.table(app)]
        tables.append({
            "app": routing.app_name(app), "file": module.path, "line": app.node.lineno, "routes": rows,
        })
    return tables


def _row(resolved: fm.ResolvedRoute, entry_verdict) -> dict[str, Any]:
    node = resolved.node
    route = resolved.route
    if resolved.mount is not None:
        kind, methods = "mount", []
    else:
        kind, methods = resolved.kind, sorted(resolved.methods)
    row: dict[str, Any] = {
        "methods": methods, "path": resolved.path or "/", "kind": kind,
        "handler": route.handler.qualname if route is not None else None,
        "builtin": resolved.builtin is not None,
        "file": getattr(node, "path", None), "line": getattr(node, "lineno", None),
        "shadowed_by": None, "shadowed_methods": None, "example": None,
    }
    if resolved.mount is not None:
        row["handler"] = node.text
    if entry_verdict is not None and entry_verdict[1] is not None:
        verdict = entry_verdict[1]
        row["shadowed_methods"] = sorted(method or "WEBSOCKET" for _, method in verdict.keys)
        row["example"] = verdict.example  # a request path that shows it
        row["shadowed_by"] = [
            {"route": e.resolved.label, "file": getattr(e.resolved.node, "path", None),
             "line": getattr(e.resolved.node, "lineno", None),
             "handler": e.resolved.route.handler.qualname if e.resolved.route is not None else None}
            for e in verdict.earlier
        ]
    return row


def format_tables(tables: list[dict[str, Any]], shown) -> str:
    if not tables:
        return "No FastAPI application found.\n"
    out = []
    for table in tables:
        out.append(f"{table['app']} ({shown(table['file'])}:{table['line']})\n")
        rows = []
        for row in table["routes"]:
            method = {"mount": "MOUNT", "websocket": "WS"}.get(row["kind"], ",".join(row["methods"]) or "?")
            handler = "(FastAPI docs)" if row["builtin"] else (row["handler"] or "?")
            where = f"{shown(row['file'])}:{row['line']}" if row["file"] else ""
            note = ""
            if row["shadowed_by"]:
                earlier = " and ".join(
                    f"{o['route']}" + (f" ({shown(o['file'])}:{o['line']})" if o["file"] else " (FastAPI docs)")
                    for o in row["shadowed_by"]
                )
                partly = "" if row["shadowed_methods"] == row["methods"] or row["kind"] != "http" else (
                    " for " + ",".join(row["shadowed_methods"])
                )
                note = f"SHADOWED{partly} by {earlier}"
            rows.append((method, row["path"], handler, where, note))
        widths = [max(len(r[i]) for r in rows) for i in range(3)] if rows else [0, 0, 0]
        for method, path, handler, where, note in rows:
            line = f"  {method:<{widths[0]}}  {path:<{widths[1]}}  {handler:<{widths[2]}}  {where}"
            out.append((line + ("  " + note if note else "")).rstrip() + "\n")
        out.append("\n")
    return "".join(out)
