"""Checking many files: one at a time, or in worker processes for large trees.

Every file is checked independently (no state is shared across files), so the work splits
into chunks that forked workers check with the settings resolver they inherit. A crash
inside a rule is caught per file and reported as an internal error; the other files are
still checked.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from .checker import check_source
from .config import ConfigError, SettingsResolver
from .diagnostics import Diagnostic, Location
from .output import display_path
from .source import decode_source

# Below this many files, starting workers costs more than it saves.
PARALLEL_MIN_FILES = 100


@dataclass
class Run:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # for `--output-format full`
    files: int = 0

    def merge(self, other: Run) -> None:
        self.diagnostics.extend(other.diagnostics)
        self.internal_errors.extend(other.internal_errors)
        self.sources.update(other.sources)
        self.files += other.files


def _error_diagnostic(path: Path, message: str) -> Diagnostic:
    start = Location(1, 1)
    return Diagnostic(None, "", message, str(path), start, start)


def check_file(path: Path, resolver: SettingsResolver, run: Run, *, keep_source: bool, verbose: bool) -> None:
    """Check one file into `run`. Never raises, except for a configuration error."""
    run.files += 1
    try:
        data = path.read_bytes()
    except OSError as error:
        run.diagnostics.append(_error_diagnostic(path, f"cannot read file: {error.strerror or error}"))
        return
    try:
        result = check_source(data, str(path), resolver.for_path(path))
    except ConfigError:
        raise
    except Exception as error:  # a bug in a rule must not stop the other files
        detail = f"{type(error).__name__}: {error}"
        if verbose:
            detail += "\n" + traceback.format_exc()
        run.internal_errors.append(f"{display_path(str(path))}: internal error: {detail}")
        return
    run.diagnostics.extend(result.diagnostics)
    if keep_source and result.diagnostics:
        try:
            run.sources[str(path)] = decode_source(data)
        except Exception:  # undecodable: already reported as a diagnostic
            pass


# The resolver that forked workers inherit from the parent process.
_worker_resolver: SettingsResolver | None = None


def _check_chunk(paths: list[Path], keep_source: bool, verbose: bool) -> Run:
    assert _worker_resolver is not None
    run = Run()
    for path in paths:
        check_file(path, _worker_resolver, run, keep_source=keep_source, verbose=verbose)
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
) -> Run:
    """Check `paths`; `jobs` None picks serial or parallel by the number of files."""
    if jobs is None:
        jobs = available_cpus() if len(paths) >= PARALLEL_MIN_FILES else 1
    jobs = min(jobs, len(paths))
    if jobs > 1:
        # Imported here: most runs are serial, and these imports cost start-up time.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # Workers are forked (cheap, nothing is re-imported); where fork does not exist
        # the check stays serial rather than paying an interpreter start per worker.
        if "fork" in multiprocessing.get_all_start_methods():
            global _worker_resolver
            _worker_resolver = resolver
            chunk_count = jobs * 4  # small chunks even out files of very different sizes
            chunks = [paths[i::chunk_count] for i in range(chunk_count) if paths[i::chunk_count]]
            run = Run()
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(jobs, mp_context=context) as pool:
                flags = ([keep_source] * len(chunks), [verbose] * len(chunks))
                for partial in pool.map(_check_chunk, chunks, *flags):
                    run.merge(partial)
            return run
    run = Run()
    for path in paths:
        check_file(path, resolver, run, keep_source=keep_source, verbose=verbose)
    return run

