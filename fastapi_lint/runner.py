"""Checking many files: one at a time, or in worker processes for large trees.

Every file is checked independently (no state is shared across files), so the work splits
into chunks that forked workers check with the settings resolver they inherit. A crash
inside a rule is caught per file and reported as an internal error; the other files are
still checked.

With a `FixMode` each file is fixed instead (`fixes.engine.fix_source`): written back
(`--fix`) or turned into a unified diff (`--diff`); the diagnostics kept are those of the
fixed text. A file that does not parse is reported and never written.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .config import ConfigError, SettingsResolver
from .diagnostics import Diagnostic, Location
from .fixes import with_settings_applied
from .output import display_path
from .source import SourceDecodeError, decode_source

def check_source(data, filename, settings=None, *, project=None):
    """`checker.check_source`, imported when a file is first checked: the checker brings
    every rule and the semantic model, which a run answered from the result cache never
    needs (pre-commit's on an unchanged file)."""
    from .checker import check_source as check

    return check(data, filename, settings, project=project)


# Below this many files, starting workers costs more than it saves.
PARALLEL_MIN_FILES = 100


@dataclass(frozen=True)
class FixMode:
    """How to fix: `write` the files back (`--fix`), or not (`--diff`); with unsafe fixes?"""

    write: bool
    unsafe: bool


@dataclass
class Run:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # for `--output-format full`
    files: int = 0
    cached: int = 0  # of `files`, answered from the result cache (`project/results.py`)
    # With a FixMode: path -> code -> fixes applied; the diffs (`--diff`); why a file's
    # fixes were not (all) applied or written.
    fixed: dict[str, Counter] = field(default_factory=dict)
    diffs: list[str] = field(default_factory=list)
    fix_errors: list[str] = field(default_factory=list)
    # New result-cache entries (root, relative path, entry), stored by the parent process.
    results: list = field(default_factory=list)

    def merge(self, other: Run) -> None:
        self.diagnostics.extend(other.diagnostics)
        self.internal_errors.extend(other.internal_errors)
        self.sources.update(other.sources)
        self.files += other.files
        self.cached += other.cached
        self.fixed.update(other.fixed)
        self.diffs.extend(other.diffs)
        self.fix_errors.extend(other.fix_errors)
        self.results.extend(other.results)


def _error_diagnostic(path: Path, message: str) -> Diagnostic:
    start = Location(1, 1)
    return Diagnostic(None, "", message, str(path), start, start)


def check_file(
    path: Path, resolver: SettingsResolver, run: Run, *, keep_source: bool, verbose: bool,
    fix_mode: FixMode | None = None, complete_fixes: bool = False,
) -> None:
    """Check (or fix) one file into `run`. Never raises, except for a configuration error.

    `complete_fixes`: turn the imports fixes request into edits (for JSON output)."""
    if fix_mode is not None:
        fix_file(path, resolver, run, fix_mode, keep_source=keep_source, verbose=verbose,
                 complete_fixes=complete_fixes)
        return
    run.files += 1
    try:
        data = path.read_bytes()
    except OSError as error:
        run.diagnostics.append(_error_diagnostic(path, f"cannot read file: {error.strerror or error}"))
        return
    settings = resolver.for_path(path)
    try:
        if _projects is not None:
            found, entry = _projects.cached_check(
                path, data, settings,
                lambda project: check_source(data, str(path), settings, project=project).diagnostics,
            )
            if entry is not None:
                run.results.append(entry)
        else:
            found = check_source(data, str(path), settings).diagnostics
    except ConfigError:
        raise
    except Exception as error:  # a bug in a rule must not stop the other files
        detail = f"{type(error).__name__}: {error}"
        if verbose:
            detail += "\n" + traceback.format_exc()
        run.internal_errors.append(f"{display_path(str(path))}: internal error: {detail}")
        return
    _report(path, data, found, settings, run, keep_source=keep_source, complete_fixes=complete_fixes)


def _report(path: Path, data: bytes, found: list[Diagnostic], settings, run: Run, *, keep_source: bool,
            complete_fixes: bool) -> None:
    """A file's diagnostics as checked (or cached) into `run`, with its settings applied."""
    parsed = not any(d.code is None for d in found)  # no syntax or decoding error
    diagnostics = with_settings_applied(found, settings)
    if complete_fixes and parsed:
        diagnostics = complete(diagnostics, decode_source(data))
    run.diagnostics.extend(diagnostics)
    if keep_source and found:
        try:
            run.sources[str(path)] = decode_source(data)
        except Exception:  # undecodable: already reported as a diagnostic
            pass


def _from_cache(path: Path, resolver: SettingsResolver, run: Run, *, keep_source: bool,
                complete_fixes: bool) -> bool:
    """Report `path` from the result cache into `run` when its entry still holds (the same
    content, settings and project facts); False: it must be checked."""
    try:
        data = path.read_bytes()
    except OSError:
        return False  # the check reports it
    try:
        settings = resolver.for_path(path)
        found = _projects.cached_result(path, data, settings)
    except ConfigError:
        raise
    except Exception:  # checked as usual, which reports what is wrong
        return False
    if found is None:
        return False
    run.files += 1
    run.cached += 1
    _report(path, data, found, settings, run, keep_source=keep_source, complete_fixes=complete_fixes)
    return True


def fix_file(
    path: Path, resolver: SettingsResolver, run: Run, mode: FixMode, *, keep_source: bool, verbose: bool,
    complete_fixes: bool = False,
) -> None:
    """Fix one file into `run`: write it back, or record its diff."""
    from .fixes.engine import fix_source
    from .fixes.writer import SourceFile, WriteError, write_fixed

    run.files += 1
    shown = display_path(str(path))
    try:
        source = SourceFile.read(path)
    except OSError as error:
        run.diagnostics.append(_error_diagnostic(path, f"cannot read file: {error.strerror or error}"))
        return
    except SourceDecodeError as error:
        run.diagnostics.append(_error_diagnostic(path, str(error)))
        return
    settings = resolver.for_path(path)
    try:
        outcome = fix_source(source.text, str(path), settings, unsafe=mode.unsafe, project=_project_for(path))
    except ConfigError:
        raise
    except Exception as error:  # a bug in a rule or a fix: the file is left as it is
        detail = f"{type(error).__name__}: {error}"
        if verbose:
            detail += "\n" + traceback.format_exc()
        run.internal_errors.append(f"{shown}: internal error: {detail}")
        return
    if outcome.error:
        run.fix_errors.append(f"{shown}: {outcome.error}")
    text, remaining, fixed = outcome.text, outcome.remaining, outcome.fixed
    if fixed and text != source.text:
        if mode.write:
            try:
                write_fixed(source, text)
            except WriteError as error:
                run.fix_errors.append(f"{shown}: not fixed: {error}")
                # The file is as it was: report what it still has.
                text, fixed = source.text, Counter()
                remaining = check_source(source.text, str(path), settings, project=_project_for(path)).diagnostics
        else:
            run.diffs.append(unified_diff(source.text, text, shown))
    if fixed:
        run.fixed[str(path)] = fixed
    remaining = with_settings_applied(remaining, settings)
    run.diagnostics.extend(complete(remaining, text) if complete_fixes and not outcome.unparsable else remaining)
    if keep_source and remaining:
        run.sources[str(path)] = text


def complete(diagnostics: list[Diagnostic], text: str) -> list[Diagnostic]:
    """Fixes with their imports as edits, when any fix requests one (LibCST is needed)."""
    if not any(getattr(d.fix, "imports", None) for d in diagnostics):
        return diagnostics
    from .fixes.imports import with_import_edits

    return with_import_edits(diagnostics, text)


def unified_diff(old: str, new: str, name: str) -> str:
    """A unified diff as ruff's `--diff` prints it: `--- path` / `+++ path`, then a blank line."""
    import difflib

    from .fixes import NEWLINE

    out = []
    for line in difflib.unified_diff(_split_keep(old), _split_keep(new), fromfile=name, tofile=name):
        if not NEWLINE.search(line[-2:] if line else ""):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out) + "\n"


def _split_keep(text: str) -> list[str]:
    """Lines with their endings, split where Python ends lines."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


# The resolver that forked workers inherit from the parent process.
_worker_resolver: SettingsResolver | None = None
# The projects of this run (`fastapi_lint.project.ProjectSession`), also inherited by
# forked workers: each file is checked with its place in its project.
_projects = None


def _project_for(path: Path):
    return _projects.context_for(path) if _projects is not None else None


def _check_chunk(
    paths: list[Path], keep_source: bool, verbose: bool, fix_mode: FixMode | None, complete_fixes: bool
) -> Run:
    assert _worker_resolver is not None
    run = Run()
    for path in paths:
        check_file(path, _worker_resolver, run, keep_source=keep_source, verbose=verbose, fix_mode=fix_mode,
                   complete_fixes=complete_fixes)
    return run


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_files(
    paths: list[Path],
    resolver: SettingsResolver,
    *,
    jobs: int | None,
    keep_source: bool,
    verbose: bool,
    fix_mode: FixMode | None = None,
    projects=None,
    complete_fixes: bool = False,
    progress=None,
) -> Run:
    """Check `paths`; `jobs` None picks serial or parallel by the number of files.
    `projects`: the whole-project analysis of the files' projects (None: file by file).
    `progress`: called with a number of files each time that many are done."""
    run = _check_files(paths, resolver, jobs=jobs, keep_source=keep_source, verbose=verbose, fix_mode=fix_mode,
                       projects=projects, complete_fixes=complete_fixes, progress=progress)
    if fix_mode is not None and fix_mode.write and projects is not None and run.fixed:
        _recheck_projects(run, paths, resolver, jobs=jobs, keep_source=keep_source, verbose=verbose,
                          projects=projects, complete_fixes=complete_fixes)
    if projects is not None:
        projects.store_results(run.results)
        projects.save_results()
        run.results = []
    return run


def _recheck_projects(run: Run, paths: list[Path], resolver: SettingsResolver, *, jobs: int | None,
                      keep_source: bool, verbose: bool, projects, complete_fixes: bool) -> None:
    """After `--fix` wrote files: what other files are told about them (a route moved, an
    import added above a route, a handler made a plain `def`) is stale. The written files
    are summarised again and every checked file of their projects is checked again, so the
    diagnostics reported (and the exit code) are those a plain run would give now."""
    roots = projects.refreshed([Path(p) for p in run.fixed])
    if not roots:
        return
    again = [p for p in paths if projects.roots.get(p.resolve()) in roots]
    fresh = _check_files(again, resolver, jobs=jobs, keep_source=keep_source, verbose=verbose, fix_mode=None,
                         projects=projects, complete_fixes=complete_fixes)
    stale = {str(p) for p in again}
    run.diagnostics = [d for d in run.diagnostics if d.filename not in stale] + fresh.diagnostics
    for name in stale:
        run.sources.pop(name, None)
    run.sources.update(fresh.sources)


def _check_files(
    paths: list[Path],
    resolver: SettingsResolver,
    *,
    jobs: int | None,
    keep_source: bool,
    verbose: bool,
    fix_mode: FixMode | None,
    projects,
    complete_fixes: bool,
    progress=None,
) -> Run:
    global _projects
    _projects = projects
    hits = Run()
    if projects is not None and fix_mode is None:
        # Files whose cached results hold are answered here, before any worker starts.
        for attempt in ("without the model", "with it"):
            if attempt == "with it":
                if not paths or not projects.deferred:
                    break
                # A file must be checked: build the models left for later (once, here, not in
                # each worker the check forks), and ask again with their facts to replay.
                projects.load_deferred()
            unanswered = []
            for path in paths:
                if _from_cache(path, resolver, hits, keep_source=keep_source, complete_fixes=complete_fixes):
                    if progress is not None:
                        progress(1)
                else:
                    unanswered.append(path)
            paths = unanswered
    if jobs is None:
        jobs = available_cpus() if len(paths) >= PARALLEL_MIN_FILES else 1
    jobs = min(jobs, len(paths))
    if jobs > 1:
        # Imported here: most runs are serial, and these imports cost start-up time.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # Workers are forked (cheap, nothing is re-imported) on Linux only: macOS offers
        # fork but Python defaults to spawn there because forking is unsafe with its
        # system libraries; elsewhere the check stays serial rather than paying an
        # interpreter start per worker.
        if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
            global _worker_resolver
            _worker_resolver = resolver
            chunk_count = jobs * 4  # small chunks even out files of very different sizes
            chunks = [paths[i::chunk_count] for i in range(chunk_count) if paths[i::chunk_count]]
            run = Run()
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(jobs, mp_context=context) as pool:
                flags = ([keep_source] * len(chunks), [verbose] * len(chunks), [fix_mode] * len(chunks),
                         [complete_fixes] * len(chunks))
                for chunk, partial in zip(chunks, pool.map(_check_chunk, chunks, *flags)):
                    run.merge(partial)
                    if progress is not None:
                        progress(len(chunk))
            hits.merge(run)
            return hits
    run = hits
    for path in paths:
        check_file(path, resolver, run, keep_source=keep_source, verbose=verbose, fix_mode=fix_mode,
                   complete_fixes=complete_fixes)
        if progress is not None:
            progress(1)
    return run

