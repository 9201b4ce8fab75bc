"""Building project models: find each checked file's project, summarise every file of the
project (from the cache when unchanged, in worker processes when many changed), and hand
each checked file its `ProjectContext`.

The whole project is summarised even when only some of its files are checked (as
pre-commit does): whether a function is a dependency, or a router is included and where,
is written in other files, often ones that import the checked file rather than ones it
imports. With the cache, that costs a `stat` per unchanged file.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .cache import SummaryCache, content_hash
from .layout import ModuleName, is_nested_project, marker_root, module_name, pyproject_root
from .results import RESULTS_FILE, ResultCache, project_digest

if TYPE_CHECKING:
    from ..settings import Settings
    from .context import ProjectContext
    from .model import ProjectModel
    from .summary import ModuleSummary

# The checker, the model and the summaries are imported where a project is built: a run
# whose results all come from the cache (`ProjectSession.prepare`, `cached_result`) builds
# none, and importing them would be most of its time.

# Below this many files to summarise, starting workers costs more than it saves.
PARALLEL_MIN_FILES = 100


def summarize_source(data: bytes, relative: str, module: ModuleName) -> ModuleSummary:
    """One walk of the file (no rules), then its summary. Never raises for bad input."""
    from ..gc_pause import one_collection

    # The walk is a function of its own so that its tree and checker are gone (its frame
    # is) when the collection at the end of the block runs.
    with one_collection():
        return _summarize_source(data, relative, module)


def _summarize_source(data: bytes, relative: str, module: ModuleName) -> ModuleSummary:
    from ..checker import Checker, _recursion_limit
    from ..diagnostics import SourceLines
    from ..settings import Settings
    from ..source import decode_source, parse_module
    from .summary import ModuleSummary, summarize

    try:
        text = decode_source(data)
        with _recursion_limit(10_000), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = parse_module(text, filename=relative)
            checker = Checker(tree, SourceLines(text), relative, [], Settings(), module=module)
            checker.run()
            return summarize(checker, relative)
    except (SyntaxError, ValueError, RecursionError, UnicodeError) as error:
        summary = ModuleSummary(module.name, relative, module.is_package)
        summary.error = f"{type(error).__name__}: {error}"
        return summary
    except Exception as error:  # a bug in the summary must not stop the run
        summary = ModuleSummary(module.name, relative, module.is_package)
        summary.error = f"internal error: {type(error).__name__}: {error}"
        return summary


@dataclass
class _Pending:
    relative: str
    module: ModuleName
    stat: os.stat_result
    data: bytes
    digest: str


def _summarize_pending(items: list[tuple[bytes, str, ModuleName]]) -> list[dict]:
    return [summarize_source(data, relative, module).to_json() for data, relative, module in items]


def load_project(
    root: Path,
    settings_for: Callable[[Path], Settings],
    *,
    use_cache: bool = True,
    jobs: int | None = None,
    files: list[Path] | None = None,
) -> tuple[ProjectModel, SummaryCache]:
    """The project at `root`: every file discovery finds under it (with the settings'
    excludes), except those of nested projects (a directory with its own pyproject.toml).
    `files`: `project_files(root, settings_for)`, when the caller has just listed them."""
    from .model import ProjectModel

    cache = SummaryCache(root, enabled=use_cache).load()
    if files is None:
        files = project_files(root, settings_for)
    summaries: list[ModuleSummary] = []
    pending: list[_Pending] = []
    kept: set[str] = set()
    # (relative path, module name, summary digest) of each file: the project digest. The
    # project model is made of the summaries alone, so an edit that changes no summary (a
    # comment, a function body calling the same) leaves it, and every other file's results.
    contents: list[tuple[str, str, str]] = []
    cache.files = {path.relative_to(root).as_posix() for path in files}
    tops: dict[Path, Path] = {}
    for path in files:
        module = module_name(path, root, tops)
        if module is None:
            continue
        relative = path.relative_to(root).as_posix()
        kept.add(relative)
        try:
            stat = path.stat()
            cached = cache.lookup(relative, stat, module.name, module.is_package)
            if cached is None:
                data = path.read_bytes()
                digest = content_hash(data)
                cached = cache.lookup_content(relative, stat, digest, module.name, module.is_package)
                if cached is None:
                    pending.append(_Pending(relative, module, stat, data, digest))
                    continue
        except OSError:
            continue  # unreadable: the check of that file reports it
        cached.digest = cache.entries[relative].get("digest")  # what it says (`facts.py`)
        contents.append((relative, module.name, cached.digest or cache.entries[relative]["hash"]))
        summaries.append(cached)
    for item, (summary, data) in zip(pending, _summarize_all(pending, jobs)):
        cache.store(item.relative, item.stat, item.digest, summary, data)
        summary.digest = cache.entries[item.relative]["digest"]
        contents.append((item.relative, item.module.name, summary.digest))
        summaries.append(summary)
    cache.forget_except(kept)
    cache.save()
    cache.contents = contents
    return ProjectModel(root, summaries), cache


def project_files(root: Path, settings_for: Callable[[Path], Settings], walked: list[str] | None = None) -> list[Path]:
    """The files of the project at `root`: what discovery finds under it with the
    settings' excludes, less those of nested projects (a directory with its own
    pyproject.toml). `walked`: receives what discovery read (see `find_python_files`)."""
    from ..discovery import find_python_files

    nested: dict[Path, bool] = {}
    found = find_python_files([str(root)], settings_for, walked).files
    return [p for p in found if not _in_nested_project(p, root, nested)]


# A tree watch: what a tree's stamp was computed from, as (path, mtime_ns, size) with
# size -1 for a directory and mtime -1 for a file that was absent. A directory's mtime
# changes when an entry is added, removed or renamed in it, so stat'ing the directories
# discovery listed, the ignore and configuration files it met, and the project's files
# tells whether the tree is as it was, without listing it again: a one-file run
# (pre-commit, an editor) then costs a `stat` per file instead of a discovery.
Watch = tuple[tuple[str, int, int], ...]
# A path modified this recently may be modified again within the same tick of the file
# system's clock, leaving its mtime as it was ("racy git"): a watch holding one is not kept.
_RACY_NS = 2_000_000_000


def tree_watch(root: Path, files: list[Path], walked: list[str]) -> Watch | None:
    """The watch of `root`'s tree; None when something cannot be stat'ed or was modified
    in the last two seconds (the next run lists the tree again)."""
    import time

    recent = time.time_ns() - _RACY_NS
    candidates = [*walked, *(str(p) for p in files)]
    # Above the root: configuration and ignore files that would apply if they appeared.
    for parent in root.parents:
        candidates.extend(str(parent / name) for name in (".gitignore", ".ignore", "pyproject.toml"))
        candidates.append(str(parent / ".git" / "info" / "exclude"))
    entries = []
    for path in candidates:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            entries.append((path, -1, -1))
            continue
        except OSError:
            return None
        if stat.st_mtime_ns >= recent:
            return None
        is_dir = (stat.st_mode & 0o170000) == 0o040000
        entries.append((path, stat.st_mtime_ns, -1 if is_dir else stat.st_size))
    return tuple(entries)


def watch_holds(watch: Watch) -> bool:
    """Whether every path of `watch` is as it was (`tree_watch`)."""
    stat = os.stat
    try:
        for path, mtime, size in watch:
            try:
                now = stat(path)
            except FileNotFoundError:
                if mtime != -1:
                    return False
                continue
            if now.st_mtime_ns != mtime or (size != -1 and now.st_size != size):
                return False
    except (OSError, TypeError, ValueError):
        return False
    return True


def tree_stamp(root: Path, files: list[Path]) -> str | None:
    """A digest of what the project model of `root` is built from, read with a `stat` per
    file and no reading: each file's path, modification time and size (what the summary
    cache trusts too), whether each of their directories and `src/` is a package (module
    names depend on it, and an excluded `__init__.py` is not among the files), the root's
    pyproject.toml, and the code's version. None when a file cannot be stat'ed."""
    from .cache import code_version
    from .results import digest_of

    parts = [code_version(), str(root)]
    try:
        for path in sorted(files):
            stat = path.stat()
            parts.append(f"{path.relative_to(root).as_posix()}\0{stat.st_mtime_ns}\0{stat.st_size}")
        directories = {path.parent for path in files} | {root / "src"}
        parts.extend(f"{d}\0{(d / '__init__.py').exists()}\0{d.is_dir()}" for d in sorted(directories))
        pyproject = root / "pyproject.toml"
        if pyproject.exists():
            stat = pyproject.stat()
            parts.append(f"pyproject.toml\0{stat.st_mtime_ns}\0{stat.st_size}")
    except (OSError, ValueError):
        return None
    return digest_of("\n".join(parts))


def _summarize_all(pending: list[_Pending], jobs: int | None) -> list[tuple[ModuleSummary, dict | None]]:
    """Each pending file's summary, with its JSON when a worker process sent it so (the
    cache stores that rather than converting the summary back)."""
    items = [(p.data, p.relative, p.module) for p in pending]
    if jobs is None:
        from ..runner import available_cpus

        jobs = available_cpus() if len(items) >= PARALLEL_MIN_FILES else 1
    jobs = min(jobs, len(items))
    if jobs > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if multiprocessing.current_process().daemon:  # a flake8 worker may not have children
            return [(summarize_source(*item), None) for item in items]

        if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
            chunk_count = jobs * 4
            order = [list(range(i, len(items), chunk_count)) for i in range(chunk_count)]
            order = [chunk for chunk in order if chunk]
            results: list[tuple[ModuleSummary, dict] | None] = [None] * len(items)
            with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                from .summary import ModuleSummary

                chunks = [[items[i] for i in chunk] for chunk in order]
                for chunk, done in zip(order, pool.map(_summarize_pending, chunks)):
                    for index, data in zip(chunk, done):
                        results[index] = (ModuleSummary.from_json(data), data)
            return results  # type: ignore[return-value]
    return [(summarize_source(*item), None) for item in items]


_nested_cache: dict[Path, bool] = {}


def _in_nested_project(path: Path, root: Path, memo: dict[Path, bool] | None = None) -> bool:
    """Whether `path` is in a directory below `root` with its own pyproject.toml. `memo`:
    the answer by directory, for the files of one tree."""
    memo = {} if memo is None else memo
    prefix = os.path.join(str(root), "")
    if not str(path).startswith(prefix):
        return False
    directory = path.parent
    climbed = []
    found = False
    while directory != root and str(directory).startswith(prefix):
        if directory in memo:
            found = memo[directory]
            break
        climbed.append(directory)
        known = _nested_cache.get(directory)
        if known is None:
            known = _nested_cache[directory] = is_nested_project(directory, root)
        if known:
            found = True
            break
        directory = directory.parent
    for seen in climbed:
        memo[seen] = found
    return found


# ---------------------------------------------------------------------- a run's projects


@dataclass
class ProjectSession:
    """The projects of one run, and each checked file's place in them."""

    projects: dict[Path, ProjectModel] = field(default_factory=dict)
    caches: dict[Path, SummaryCache] = field(default_factory=dict)
    roots: dict[Path, Path] = field(default_factory=dict)  # checked file -> its project root
    results: dict[Path, ResultCache] = field(default_factory=dict)  # per-file results (`results.py`)
    # Roots whose model is built only when needed: their tree is as it was at the last run
    # (`tree_stamp`), so a file whose result holds is answered without the model (a
    # one-file run, as pre-commit's). (settings_for, use_cache, jobs, files or None) to
    # build it with.
    deferred: dict[Path, tuple] = field(default_factory=dict)
    results_name: str = RESULTS_FILE  # the results cache's file (the flake8 plugin has its own)
    _contexts: dict[Path, ProjectContext | None] = field(default_factory=dict, repr=False)

    def _result_slot(self, path: Path, settings: Settings):
        """(results cache, root, resolved path, context, settings key) for `path`, or None
        when it has no project or the cache is off."""
        resolved = Path(path).resolve()
        root = self.roots.get(resolved)
        results = self.results.get(root) if root is not None else None
        if results is None or not results.enabled:
            return None
        self.load_deferred()
        from .results import settings_digest

        context = self.context_for(resolved)  # memoised: `resolved` resolves to itself
        key = settings_digest(settings, str(path), root if context is not None else None)
        return results, root, resolved, context, key

    def cached_result(self, path: Path, data: bytes, settings: Settings) -> list | None:
        """`path`'s diagnostics from the result cache, when its entry still holds: the same
        content and settings, and the project facts its check read answered the same."""
        resolved = Path(path).resolve()
        if self.roots.get(resolved) in self.deferred:
            return self._result_of_unchanged_tree(path, resolved, data, settings)
        slot = self._result_slot(path, settings)
        if slot is None:
            return None
        results, root, resolved, context, settings_key = slot
        relative = resolved.relative_to(root).as_posix()
        if relative not in results.entries:
            return None
        entry = results.lookup(relative, content_hash(data), settings_key,
                               context.project if context is not None else None)
        if entry is None:
            return None
        results.hits += 1
        return _renamed(entry.diagnostics, entry.filename, str(path))

    def _result_of_unchanged_tree(self, path: Path, resolved: Path, data: bytes, settings: Settings) -> list | None:
        """`cached_result` without the model, for a root whose tree is unchanged: an entry
        checked against the same project digest holds as it is (no fact to replay)."""
        from .results import settings_digest

        root = self.roots[resolved]
        results = self.results[root]
        entry = results.entry(resolved.relative_to(root).as_posix())
        if entry is None or entry.project != results.project_digest or entry.content != content_hash(data):
            return None
        # Its settings key was made with the root if the file is a module of the project,
        # without it if not (`_result_slot`); the tree being unchanged, so is which it was.
        if entry.settings not in (settings_digest(settings, str(path), root), settings_digest(settings, str(path), None)):
            return None
        results.hits += 1
        return _renamed(entry.diagnostics, entry.filename, str(path))

    def load(self, root: Path, settings_for: Callable[[Path], Settings], *, use_cache: bool = True,
             jobs: int | None = None, files: list[Path] | None = None) -> None:
        """Build the project model of `root`, and the project digest its results are keyed by.
        `files`: the project's files, when just listed (`project_files`)."""
        project, cache = load_project(root, settings_for, use_cache=use_cache, jobs=jobs, files=files)
        # Computed here once, rather than in each worker process the check forks.
        project.role_of("")
        project.routing.findings()
        self.projects[root] = project
        self.caches[root] = cache
        self._contexts.clear()
        results = self.results.get(root)
        if results is None:
            results = self.results[root] = ResultCache(root, enabled=use_cache, name=self.results_name).load()
        results.project_digest = project_digest(
            root, cache.contents, (project.source_prefix, sorted(project.namespace_prefixes))
        )
        results.kept = cache.files

    def prepare(self, root: Path, settings_for: Callable[[Path], Settings], *, use_cache: bool = True,
                jobs: int | None = None) -> None:
        """Make the project at `root` ready to answer for its files: its results cache
        loaded, and its model built, or left for when a file's result does not hold when
        nothing it is built from changed since the last run (`tree_stamp`)."""
        results = self.results[root] = ResultCache(root, enabled=use_cache, name=self.results_name).load()
        files: list[Path] | None = None  # listed by this run, if it listed the tree
        if results.enabled:
            if results.saved_watch is not None and watch_holds(results.saved_watch):
                # Every directory, file and configuration is as at the last run: so is
                # the stamp, and the tree need not be listed.
                results.stamp, results.watch, results.files = (
                    results.saved_stamp, results.saved_watch, results.saved_files
                )
            else:
                walked: list[str] = []
                files = project_files(root, settings_for, walked)
                results.stamp = tree_stamp(root, files)
                results.files = tuple(path.relative_to(root).as_posix() for path in files)
                results.watch = tree_watch(root, files, walked) if results.stamp is not None else None
            if results.stamp is not None and results.stamp == results.saved_stamp:
                # Nothing the model is built from changed since the last run: its project
                # digest holds, and the model is built only if a file's result does not.
                results.project_digest = results.saved_project
                results.kept = set(results.files)
                self.deferred[root] = (settings_for, use_cache, jobs, files)
                return
        self.load(root, settings_for, use_cache=use_cache, jobs=jobs, files=files)

    def load_deferred(self) -> None:
        """Build the models left for when they are needed (before checking a file, or
        describing the projects)."""
        while self.deferred:
            root, (settings_for, use_cache, jobs, files) = self.deferred.popitem()
            self.load(root, settings_for, use_cache=use_cache, jobs=jobs, files=files)

    def cached_check(self, path: Path, data: bytes, settings: Settings, check):
        """`check(context)`'s diagnostics for `path`, checked with the project's reads
        recorded (`facts.py`); and the entry to store for it, None when `path` has no
        project or the cache is off."""
        slot = self._result_slot(path, settings)
        if slot is None:
            return check(self.context_for(path)), None
        from .context import ProjectContext
        from .facts import FactLog, FactRecorder
        from .results import ResultEntry

        results, root, resolved, context, settings_key = slot
        results.misses += 1
        log = FactLog()
        if context is None:  # checked on its own (not a module of the project): no facts read
            diagnostics = check(None)
        else:
            diagnostics = check(ProjectContext(FactRecorder(context.project, log), context.module))
        entry = ResultEntry(content_hash(data), settings_key, results.project_digest or "",
                            log.facts if log.complete else None, list(diagnostics), str(path))
        return diagnostics, (root, resolved.relative_to(root).as_posix(), entry)

    def store_results(self, entries) -> None:
        for root, relative, entry in entries:
            # After `--fix` rewrote files the project digest is unknown (""): such entries
            # hold only through their facts, replayed next time.
            self.results[root].store(relative, entry)

    def save_results(self, *, merge: bool = False) -> None:
        """`merge`: into the files as they are now (`ResultCache.save`), for a run whose
        processes each checked some files (flake8's workers)."""
        for results in self.results.values():
            results.save(merge=merge)

    def context_for(self, path: Path | str) -> ProjectContext | None:
        self.load_deferred()
        path = Path(path).resolve()
        if path not in self._contexts:
            self._contexts[path] = self._context(path)
        return self._contexts[path]

    def _context(self, path: Path) -> ProjectContext | None:
        root = self.roots.get(path)
        project = self.projects.get(root) if root is not None else None
        if project is None:
            return None
        module = module_name(path, root)
        if module is None:
            return None
        summary = project.modules.get(module.name)
        if summary is None or summary.path != path.relative_to(root).as_posix():
            return None  # not part of the project (excluded, or a duplicate name): on its own
        from .context import ProjectContext

        return ProjectContext(project, module)

    def root_for(self, path: Path | str, arguments: list[Path], settings_for: Callable[[Path], Settings], *,
                 jobs: int | None = None) -> Path | None:
        """The project root of a file this session has not seen yet, its project prepared
        on the first use (the flake8 plugin: files arrive one by one, in each of flake8's
        processes). `arguments`: the paths the run was given, resolved."""
        path = Path(path).resolve()
        if path not in self.roots:
            root = project_root_for(path, arguments)
            if root is None:
                return None
            self.roots[path] = root
            if root not in self.results:
                self.prepare(root, settings_for, jobs=jobs)
        return self.roots[path]

    def refreshed(self, changed: list[Path]) -> set[Path]:
        """Summarise the `changed` files again (`--fix` wrote them) in place; the roots of
        the projects that changed, whose files must be checked again."""
        roots = set()
        for path in changed:
            path = path.resolve()
            context = self.context_for(path)
            if context is None:
                continue
            root = self.roots[path]
            try:
                data = path.read_bytes()
            except OSError:
                continue
            summary = summarize_source(data, path.relative_to(root).as_posix(), context.module)
            project = self.projects[root].with_module(summary)
            project.role_of("")  # computed once here rather than in each forked worker
            project.routing.findings()
            self.projects[root] = project
            self._contexts.clear()
            if root in self.results:
                self.results[root].project_digest = None  # facts must be replayed now
            roots.add(root)
        return roots

    def notes(self) -> list[str]:
        """What could not be resolved statically, one line each (for `--verbose`)."""
        lines = []  # of the models built so far: a deferred one has nothing new to say
        for root, project in sorted(self.projects.items()):
            for path, line, message in project.notes():
                lines.append(f"{_shown(root / path)}:{line}: {message}")
        return lines

    def describe(self) -> list[str]:
        lines = [
            f"project {_shown(root)}: unchanged since the last run; its model is built only if a file "
            "must be checked again"
            for root in sorted(self.deferred)
        ]
        for root, project in sorted(self.projects.items()):
            stats = self.caches[root].stats
            lines.append(
                f"project {_shown(root)}: {len(project.modules)} modules, {len(project.routing.apps())} "
                f"application(s); summaries: {stats.unchanged} cached, {stats.rehashed} re-hashed, "
                f"{stats.summarized} computed"
            )
        return lines


def _shown(path: Path) -> str:
    from ..output import display_path

    return display_path(str(path))


def project_root_for(path: Path, arguments: list[Path]) -> Path | None:
    """The nearest pyproject.toml's directory; else the checked directory holding `path`;
    else, for a file named on its own, the root its other markers give (`marker_root`)."""
    root = pyproject_root(path)
    if root is not None:
        return root
    for argument in arguments:
        if argument.is_dir() and (argument == path.parent or argument in path.parents):
            return argument
    return marker_root(path)


def prepare_projects(
    files: list[Path],
    arguments: list[str],
    settings_for: Callable[[Path], Settings],
    *,
    use_cache: bool = True,
    jobs: int | None = None,
) -> ProjectSession:
    """Build the project model of every project the checked `files` belong to."""
    session = ProjectSession()
    argument_paths = [Path(a).resolve() for a in arguments]
    directories: dict[Path, Path | None] = {}
    for file in files:
        path = file.resolve()
        directory = path.parent
        if directory not in directories:
            directories[directory] = project_root_for(path, argument_paths)
        root = directories[directory]
        if root is not None:
            session.roots[path] = root
    for root in sorted(set(session.roots.values())):
        session.prepare(root, settings_for, use_cache=use_cache, jobs=jobs)
    return session


def _renamed(diagnostics: list, old: str, new: str) -> list:
    """Cached diagnostics under the name this run gives their file (`./app.py`, `app.py`)."""
    if old == new:
        return list(diagnostics)
    import dataclasses

    def rename(item):
        return dataclasses.replace(item, filename=new) if item.filename == old else item

    return [dataclasses.replace(d, filename=new if d.filename == old else d.filename,
                                related=tuple(rename(r) for r in d.related)) for d in diagnostics]
