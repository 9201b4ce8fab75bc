"""The `fastapi-lint` command, shaped like ruff's.

    fastapi-lint [check] [PATHS...]    check files (default: the current directory)
    fastapi-lint rule CODE_OR_NAME     print a rule's documentation
    fastapi-lint rules                 list every rule
    fastapi-lint routes [PATH]         each application's routes in registration order
    fastapi-lint server                the language server, over stdio (needs pygls)

Exit codes, as ruff's: 0 no diagnostics, 1 diagnostics (syntax errors included), 2 a usage
or configuration error, or an internal error (reported per file after checking the rest).
With `--fix`: 1 when diagnostics remain; `--fix-only`: 0; `--diff`: 1 when something
would be fixed; `--exit-non-zero-on-fix`: 1 when something was fixed, too. A fix that
could not be applied or written (reported per file) also makes it 2.
Only the standard library, `pathspec` and fastapi-lint itself are imported: no FastAPI or
Pydantic, and libcst only when a fix needs an import, so start-up stays fast.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
import time
from typing import TextIO

from . import __version__
from .config import ASYNC_SCOPES, CliOverrides, ConfigError, SettingsResolver, check_selectors
from .diagnostics import Diagnostic, Location
from .discovery import excluded_with_parents, find_python_files
from .patterns import absolute
from .fixes import with_settings_applied
from .fixes.command import FixOptions, add_fix_arguments, fix_options, fix_stdin
from .output import (
    COMPLETE_FIX_FORMATS, FORMATS, SOURCE_FORMATS, TEXT_FORMATS, FixStatus, FixSummary, display_path, fix_summary,
    format_diagnostics, format_statistics, statistics, summary_text,
)
from .project.routes import add_project_arguments, routes_command, session_for_check
from .runner import Run, check_files, check_source, complete
from .source import decode_source

SUBCOMMANDS = ("check", "rule", "rules", "routes", "server")


class UsageError(Exception):
    pass


# ---------------------------------------------------------------------- arguments


def _codes(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _check_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastapi-lint",
        usage="fastapi-lint [check] [OPTIONS] [PATHS ...]\n       fastapi-lint rule CODE | rules | routes [PATH] | server",
        description="A linter for FastAPI pitfalls. `fastapi-lint rule CODE` explains a rule; "
        "`fastapi-lint rules` lists them.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATHS", help="files or directories to check (default: .)")
    parser.add_argument("--version", action="version", version=f"fastapi-lint {__version__}")
    rules = parser.add_argument_group("rule selection")
    rules.add_argument("--select", action="append", type=_codes, metavar="CODES",
                       help="comma-separated codes or prefixes to enable (replaces the configuration's)")
    rules.add_argument("--extend-select", action="append", type=_codes, default=[], metavar="CODES",
                       help="codes or prefixes to enable in addition")
    rules.add_argument("--ignore", action="append", type=_codes, default=[], metavar="CODES",
                       help="codes or prefixes to disable")
    files = parser.add_argument_group("file selection")
    files.add_argument("--exclude", action="append", type=_codes, metavar="PATTERNS",
                       help="patterns to exclude (replaces the defaults and the configuration's)")
    files.add_argument("--extend-exclude", action="append", type=_codes, default=[], metavar="PATTERNS",
                       help="patterns to exclude in addition")
    files.add_argument("--respect-gitignore", dest="respect_gitignore", action="store_true", default=None,
                       help="skip files that .gitignore ignores (the default)")
    files.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false")
    files.add_argument("--force-exclude", dest="force_exclude", action="store_true", default=None,
                       help="apply exclusions to paths named on the command line too")
    files.add_argument("--no-force-exclude", dest="force_exclude", action="store_false")
    files.add_argument("--async-scope", choices=ASYNC_SCOPES, default=None,
                       help="where the async rules (FPI1xx) report: 'served' (the default): code a FastAPI "
                            "application runs; 'application': all but test code; 'all': test code too")
    files.add_argument("--jobs", type=_positive, metavar="N",
                       help="worker processes (default: one per CPU for large trees, else 1)")
    files.add_argument("--stdin-filename", metavar="PATH",
                       help="read the source from stdin; report it (and pick its settings) as PATH")
    files.add_argument("--show-files", action="store_true", help="list the files that would be checked, and exit")
    add_project_arguments(parser)
    add_fix_arguments(parser, _codes)
    config = parser.add_argument_group("configuration").add_mutually_exclusive_group()
    config.add_argument("--config", metavar="PATH", help="use this configuration file (pyproject.toml or a "
                        "file holding the [tool.fastapi-lint] keys at top level)")
    config.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    output = parser.add_argument_group("output")
    output.add_argument("--output-format", choices=FORMATS, default="concise")
    output.add_argument("--statistics", action="store_true", help="count diagnostics per rule instead")
    output.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are diagnostics")
    output.add_argument("--add-noqa", action="store_true",
                        help="add `# noqa: CODE` to every line with a diagnostic, and exit")
    verbosity = output.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print diagnostics, nothing else")
    verbosity.add_argument("-s", "--silent", action="store_true", help="print nothing (exit code only)")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="say which files and settings are used")
    return parser


def _flatten(groups: list[list[str]] | None) -> list[str] | None:
    return None if groups is None else [code for group in groups for code in group]


def _overrides(args: argparse.Namespace) -> CliOverrides:
    try:
        select = _flatten(args.select)
        return CliOverrides(
            select=check_selectors(select, "--select") if select is not None else None,
            extend_select=check_selectors(_flatten(args.extend_select), "--extend-select"),
            ignore=check_selectors(_flatten(args.ignore), "--ignore"),
            exclude=_flatten(args.exclude),
            extend_exclude=_flatten(args.extend_exclude) or [],
            respect_gitignore=args.respect_gitignore,
            force_exclude=args.force_exclude,
            async_scope=args.async_scope,
            fixable=check_selectors(fixable, "--fixable") if (fixable := _flatten(args.fixable)) is not None else None,
            extend_fixable=check_selectors(_flatten(args.extend_fixable), "--extend-fixable"),
            unfixable=check_selectors(_flatten(args.unfixable), "--unfixable"),
        )
    except ConfigError as error:
        raise UsageError(str(error)) from None


# ---------------------------------------------------------------------- checking


def _write(stream: TextIO, text: str) -> None:
    if text:
        stream.write(text)
        stream.flush()


def check_command(argv: list[str]) -> int:
    args = _check_parser().parse_args(argv)
    overrides = _overrides(args)
    started = time.perf_counter()
    log = sys.stderr
    resolver = SettingsResolver(config_file=args.config, isolated=args.isolated, overrides=overrides)
    fixes = fix_options(args, resolver)
    if args.add_noqa and (args.paths == ["-"] or args.stdin_filename):
        raise UsageError("--add-noqa edits files: it cannot read stdin")
    if args.paths == ["-"] or args.stdin_filename:
        run = _check_stdin(args, resolver, fixes)
        # With fixes, stdout carries the fixed source (or the diff): the report goes to stderr.
        report_stream = sys.stderr if fixes.mode is not None else sys.stdout
        if not args.silent:
            _report(args, run, fixes, report_stream)
        return _exit_code(args, run, fixes)
    discovery = find_python_files(args.paths or ["."], resolver.for_path)
    if args.verbose:
        for config in resolver.config_files() or ["none (defaults)"]:
            log.write(f"fastapi-lint: configuration: {config}\n")
        for path in discovery.force_excluded:
            log.write(f"fastapi-lint: excluded (--force-exclude): {display_path(str(path))}\n")
    if args.show_files:
        _write(sys.stdout, "".join(f"{display_path(str(path))}\n" for path in discovery.files))
        return 0
    if args.statistics and args.output_format not in (*TEXT_FORMATS, "json"):
        raise UsageError(f"--statistics supports the {', '.join(TEXT_FORMATS)} and json formats")
    if not discovery.files and not discovery.missing and not (args.quiet or args.silent):
        log.write("warning: No Python files found under the given path(s)\n")

    bar = _progress_bar(args, len(discovery.files))
    projects = session_for_check(args, discovery.files, resolver, log)
    if args.add_noqa:
        if bar is not None:
            bar.close()
        return _add_noqa(args, discovery, resolver, fixes, projects)
    run = check_files(
        discovery.files, resolver,
        jobs=args.jobs, keep_source=args.output_format in SOURCE_FORMATS, verbose=args.verbose,
        fix_mode=fixes.mode, projects=projects, complete_fixes=args.output_format in COMPLETE_FIX_FORMATS,
        progress=bar.advance if bar else None,
    )
    if bar is not None:
        bar.close()
    for missing in discovery.missing:
        # As ruff's E902: a diagnostic (no rule code), the run goes on, exit status 1.
        run.diagnostics.append(
            Diagnostic(None, "", "No such file or directory", missing, Location(1, 1), Location(1, 1))
        )
    run.diagnostics.sort(key=Diagnostic.sort_key)
    run.internal_errors.sort()
    run.fix_errors.sort()
    run.diffs.sort()

    if fixes.diff and not args.silent:
        _write(sys.stdout, "".join(run.diffs))
    if not args.silent:
        _report(args, run, fixes, sys.stdout)
    if args.verbose:
        elapsed = time.perf_counter() - started
        cached = f" ({run.cached} from the result cache)" if run.cached else ""
        log.write(f"fastapi-lint: checked {run.files} file{'s' if run.files != 1 else ''} in {elapsed:.3f}s{cached}\n")
    return _exit_code(args, run, fixes)


def _progress_bar(args: argparse.Namespace, files: int):
    """A progress bar on stderr for a long run on a terminal (`fastapi_lint.progress`);
    not with `--verbose`, whose lines would break it."""
    from .progress import ProgressBar, wanted

    if args.verbose or not wanted(sys.stderr, files, quiet=args.quiet or args.silent):
        return None
    bar = ProgressBar(sys.stderr, files)
    if not args.no_project:
        bar.status("Reading the project...")
    return bar


def _add_noqa(args: argparse.Namespace, discovery, resolver: SettingsResolver, fixes: FixOptions, projects) -> int:
    """`--add-noqa`, as ruff's: the files' current diagnostics get directives; `Added N noqa
    directives.` on stderr; exit 0 (a file that could not be edited is reported)."""
    from .add_noqa import add_noqa_to_files

    log = sys.stderr
    if fixes.mode is not None:
        log.write("warning: --fix is incompatible with --add-noqa.\n")
    run = check_files(discovery.files, resolver, jobs=args.jobs, keep_source=False, verbose=args.verbose,
                      projects=projects)
    added, problems = add_noqa_to_files(run.diagnostics)
    if not args.silent:
        for message in [*run.internal_errors, *problems]:
            log.write(f"error: {message}\n")
    if added and not (args.quiet or args.silent):
        log.write(f"Added {added} noqa directive{'' if added == 1 else 's'}.\n")
    return 0


def _exit_code(args: argparse.Namespace, run: Run, fixes: FixOptions) -> int:
    log = sys.stderr
    if not fixes.show_violations and not args.silent:
        # `--diff` / `--fix-only` print no diagnostics: still say which files could not be fixed.
        for d in run.diagnostics:
            if d.code is None:
                log.write(f"error: {display_path(d.filename)}: not fixed: {d.message}\n")
    for message in run.fix_errors:
        log.write(f"error: {message}\n")
    for message in run.internal_errors:
        log.write(f"error: {message}\n")
    if run.internal_errors:
        log.write("error: fastapi-lint crashed on the files above (a bug: please report it); "
                  "the other files were checked\n")
    if run.internal_errors or run.fix_errors:
        return 2
    if args.exit_zero:
        return 0
    fixed = any(run.fixed.values())
    if fixes.diff:
        return 1 if fixed else 0
    if fixes.fix_only:
        return 1 if fixes.exit_non_zero_on_fix and fixed else 0
    if fixes.exit_non_zero_on_fix and fixed:
        return 1
    return 1 if run.diagnostics else 0


def _check_stdin(args: argparse.Namespace, resolver: SettingsResolver, fixes: FixOptions) -> Run:
    """`fastapi-lint - [--stdin-filename app/main.py]`, for editors: source on stdin. With
    `--fix` the (fixed) source goes to stdout, with `--diff` the diff."""
    if args.paths not in ([], ["-"]):
        raise UsageError("with --stdin-filename, give no paths (or `-`)")
    filename = args.stdin_filename or "-"
    target = filename if args.stdin_filename else "."
    settings = resolver.for_path(target)
    data = sys.stdin.buffer.read()
    if args.stdin_filename and settings.force_exclude and excluded_with_parents(absolute(filename), settings):
        # As ruff: an editor passing an excluded file gets nothing reported, and with
        # `--fix` its source back unchanged.
        if fixes.mode is not None and fixes.mode.write:
            sys.stdout.buffer.write(data)
        return Run(files=0)
    if fixes.mode is None:
        result = check_source(data, filename, settings)
        diagnostics = with_settings_applied(result.diagnostics, settings)
        if args.output_format in COMPLETE_FIX_FORMATS and result.error is None:
            diagnostics = complete(diagnostics, decode_source(data))
        run = Run(diagnostics=diagnostics, files=1)
        if args.output_format in SOURCE_FORMATS and result.error is None:
            run.sources[filename] = decode_source(data)
        return run
    return fix_stdin(data, filename, settings, fixes)


def _report(args: argparse.Namespace, run: Run, fixes: FixOptions, stream: TextIO) -> None:
    text_format = args.output_format in TEXT_FORMATS
    fixed = sum(sum(table.values()) for table in run.fixed.values())
    applying = fixes.mode is None or fixes.mode.write
    summary = FixSummary(fixed, fixes.unsafe, applying, fixes.show_violations)
    if args.statistics:
        rows = statistics(run.diagnostics, bool(fixes.unsafe))
        if rows:  # ruff prints nothing at all when there is nothing to count
            _write(stream, format_statistics(rows, args.output_format))
            if text_format and not args.quiet:
                _write(stream, summary_text(len(run.diagnostics), summary, run.diagnostics))
        return
    if fixes.show_violations:
        # After `--fix`, every fix that could be applied was: no `[*]` marks (as ruff).
        show = fixes.mode is None or not fixes.mode.write
        status = FixStatus(show=show, unsafe=bool(fixes.unsafe))
        _write(stream, format_diagnostics(args.output_format, run.diagnostics, run.sources, status))
    elif not text_format:
        return
    if text_format:
        if fixes.show_fixes:
            _write(stream, fix_summary(run.fixed))
        if not args.quiet and not (run.internal_errors and not run.diagnostics):
            # "All checks passed!" would be a lie when a file could not be checked.
            _write(stream, summary_text(len(run.diagnostics), summary, run.diagnostics))


# ---------------------------------------------------------------------- rule docs


def rule_documentation(rule) -> str:
    return f"# {rule.name} ({rule.code})\n\n{inspect.cleandoc(rule.__doc__ or '')}\n"


def _json(payload: object) -> str:
    """JSON for rule metadata; option defaults may be sets or tuples."""

    def fallback(value: object) -> object:
        if isinstance(value, (set, frozenset)):
            return sorted(value, key=str)
        if isinstance(value, tuple):
            return list(value)
        return str(value)

    return json.dumps(payload, indent=2, default=fallback) + "\n"


def _rule_json(rule) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary(),
        "default_enabled": rule.default_enabled,
        "options": [{"name": o.name, "default": o.default, "doc": o.doc} for o in rule.options],
        "explanation": inspect.cleandoc(rule.__doc__ or ""),
    }


def rule_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="fastapi-lint rule", description="Explain a rule.")
    parser.add_argument("rule", nargs="?", metavar="CODE_OR_NAME")
    parser.add_argument("--all", action="store_true", help="explain every rule")
    parser.add_argument("--output-format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    if args.all == bool(args.rule):
        raise UsageError("give one rule code or name (e.g. `fastapi-lint rule FPI101`), or --all")
    from .rules import all_rules, rule_by_code_or_name

    if args.all:
        rules = list(all_rules())
    else:
        rule = rule_by_code_or_name(args.rule)
        if rule is None:
            raise UsageError(f"unknown rule `{args.rule}` (`fastapi-lint rules` lists them)")
        rules = [rule]
    if args.output_format == "json":
        payload = [_rule_json(r) for r in rules] if args.all else _rule_json(rules[0])
        _write(sys.stdout, _json(payload))
    else:
        _write(sys.stdout, "\n".join(rule_documentation(r) for r in rules))
    return 0


def rules_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="fastapi-lint rules", description="List every rule.")
    parser.add_argument("--output-format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    from .rules import all_rules

    rules = all_rules()
    if args.output_format == "json":
        payload = [{k: v for k, v in _rule_json(r).items() if k != "explanation"} for r in rules]
        _write(sys.stdout, _json(payload))
        return 0
    name_width = max((len(rule.name) for rule in rules), default=0)
    lines = []
    for rule in rules:
        off = "" if rule.default_enabled else " (off by default)"
        lines.append(f"{rule.code}  {rule.name:<{name_width}}  {rule.summary()}{off}\n")
    _write(sys.stdout, "".join(lines))
    return 0


# ---------------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in SUBCOMMANDS else "check"
    if argv and argv[0] in SUBCOMMANDS:
        argv = argv[1:]
    try:
        if command == "rule":
            return rule_command(argv)
        if command == "rules":
            return rules_command(argv)
        if command == "routes":
            return routes_command(argv)
        if command == "server":
            from .lsp import server_command

            return server_command(argv)
        return check_command(argv)
    except (UsageError, ConfigError) as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `fastapi-lint | head`: the reader left; keep Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as error:  # never a traceback for the user
        sys.stderr.write(f"error: internal error: {type(error).__name__}: {error} (a bug: please report it)\n")
        return 2
