"""The command line's side of fixing: its flags, what they and the configuration decide
together (as ruff decides it), and fixing a file read from stdin."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..config import SettingsResolver
from ..output import display_path
from ..runner import FixMode, Run, check_source, unified_diff
from ..settings import Settings
from ..source import SourceDecodeError
from . import with_settings_applied


def add_fix_arguments(parser: argparse.ArgumentParser, codes: Callable[[str], list[str]]) -> None:
    """Ruff's fix flags; `codes` parses `--fixable` and friends as `--select` is parsed."""
    fixes = parser.add_argument_group("fixes")
    fixes.add_argument("--fix", dest="fix", action="store_true", default=None, help="apply fixes (safe ones; "
                       "with --unsafe-fixes, unsafe ones too) and report what remains")
    fixes.add_argument("--no-fix", dest="fix", action="store_false")
    fixes.add_argument("--unsafe-fixes", dest="unsafe_fixes", action="store_true", default=None,
                       help="also apply (and count as fixable) fixes that may change behaviour")
    fixes.add_argument("--no-unsafe-fixes", dest="unsafe_fixes", action="store_false")
    fixes.add_argument("--show-fixes", dest="show_fixes", action="store_true", default=None,
                       help="list the fixes applied, per file")
    fixes.add_argument("--no-show-fixes", dest="show_fixes", action="store_false")
    fixes.add_argument("--diff", action="store_true",
                       help="print the changes --fix would make as a unified diff; write nothing")
    fixes.add_argument("--fix-only", dest="fix_only", action="store_true", default=None,
                       help="apply fixes without reporting what remains (exit 0 unless something failed)")
    fixes.add_argument("--no-fix-only", dest="fix_only", action="store_false")
    fixes.add_argument("--fixable", action="append", type=codes, metavar="CODES",
                       help="only these codes or prefixes may be fixed (replaces the configuration's)")
    fixes.add_argument("--extend-fixable", action="append", type=codes, default=[], metavar="CODES",
                       help="codes or prefixes that may be fixed, in addition")
    fixes.add_argument("--unfixable", action="append", type=codes, default=[], metavar="CODES",
                       help="codes or prefixes never to fix")
    fixes.add_argument("--exit-non-zero-on-fix", action="store_true",
                       help="exit 1 when something was fixed, even if nothing remains")


@dataclass(frozen=True)
class FixOptions:
    """What the command line and the configuration say about fixing (ruff's rules: the
    command line wins; `--diff` shows what `--fix` would do; `--fix-only` implies `--fix`)."""

    mode: FixMode | None  # None: only check
    diff: bool
    fix_only: bool
    show_fixes: bool
    unsafe: bool | None  # None: neither `--unsafe-fixes` nor `--no-unsafe-fixes` (nor the key)
    exit_non_zero_on_fix: bool

    @property
    def show_violations(self) -> bool:
        return not (self.diff or self.fix_only)


def fix_options(args: argparse.Namespace, resolver: SettingsResolver) -> FixOptions:
    base = resolver.fixed if resolver.fixed is not None else resolver.default

    def choose(flag: bool | None, configured: bool | None) -> bool | None:
        return flag if flag is not None else configured

    unsafe = choose(args.unsafe_fixes, base.unsafe_fixes)
    fix_only = bool(choose(args.fix_only, base.fix_only))
    fix = bool(choose(args.fix, base.fix)) or fix_only
    mode = FixMode(write=not args.diff, unsafe=bool(unsafe)) if fix or args.diff else None
    return FixOptions(
        mode, args.diff, fix_only and not args.diff, bool(choose(args.show_fixes, base.show_fixes)), unsafe,
        args.exit_non_zero_on_fix,
    )


def fix_stdin(data: bytes, filename: str, settings: Settings, fixes: FixOptions) -> Run:
    """Fix source read from stdin: with `--fix` the (fixed) source goes to stdout, with
    `--diff` the diff; the report is the caller's (on stderr)."""
    from .engine import fix_source
    from .writer import SourceFile, WriteError

    assert fixes.mode is not None
    run = Run(files=1)
    try:
        source = SourceFile.from_bytes(Path(filename), data)
    except SourceDecodeError:
        result = check_source(data, filename, settings)  # reports the decoding error
        run.diagnostics = result.diagnostics
        if fixes.mode.write:
            sys.stdout.buffer.write(data)
        return run
    outcome = fix_source(source.text, filename, settings, unsafe=fixes.mode.unsafe)
    text = outcome.text
    if outcome.error:
        run.fix_errors.append(f"{display_path(filename)}: {outcome.error}")
    remaining, fixed = outcome.remaining, outcome.fixed
    try:
        fixed_bytes = source.encode(text)
    except WriteError as error:
        run.fix_errors.append(f"{display_path(filename)}: not fixed: {error}")
        text, fixed_bytes, fixed = source.text, data, None
        remaining = check_source(data, filename, settings).diagnostics
    if fixed:
        run.fixed[filename] = fixed
    run.diagnostics = with_settings_applied(remaining, settings)
    if fixes.mode.write:
        sys.stdout.buffer.write(fixed_bytes)
        sys.stdout.flush()
    elif fixed:
        sys.stdout.write(unified_diff(source.text, text, display_path(filename)))
    return run
