"""Each file's diagnostics cached on disk, so that a warm run checks only what changed.

One pickle per project, `<root>/.fastapi_lint_cache/results.pickle`: for each file (by its
path relative to the root) the diagnostics of its last check and what they depended on.
The flake8 plugin keeps its own, `flake8-results.pickle`, the same but for its
diagnostics, which are those before `# noqa` (flake8 applies it itself, with its own
rules), keyed by the text flake8 parsed:

- `content`: the digest of the file's bytes;
- `settings`: the digest of the settings that apply to it (rule selection and options,
  per-file ignores, async scope...) and of the rules that ran (codes);
- `project`: the digest of the whole project when it was checked (every file's path,
  module name and summary digest, and the root): when it is unchanged, no fact can have
  changed (the project model is made of the summaries);
- `facts`: the project facts the check read (`facts.py`), replayed against the current
  project model when the project digest differs. An entry whose facts could not all be
  recorded (`complete` False) is trusted only with an unchanged project digest.

With them is the tree's stamp at that run (`build.tree_stamp`: every project file's path,
modification time and size) and the project digest it had. A run that finds the same stamp
knows the project digest without building the model, so a file whose entry was checked
against that digest is answered from the cache at the cost of a `stat` per project file;
the model is built only when a file must be checked (a one-file run, as pre-commit's).

The file lies inside the checked tree, so anyone who can commit there can plant one (a
repository cloned and checked by pre-commit): it is read by an unpickler that builds only
the classes a results file holds (`_result_classes`) and refuses any other name, so a
planted file cannot run code. It is then an invalid file, which is an empty cache.

Each entry is pickled on its own inside the file and unpickled when first asked for: a
one-file run reads the file (a few MB for a large project) but builds one entry, not all.

The whole file is keyed by `code_version()` (fastapi-lint's version and a fingerprint of
its source files, so a new or changed rule module invalidates every entry). Loading never
raises: a missing, truncated, corrupt or other-version file is an empty cache. Writing is
atomic (a temporary file in the same directory, then `os.replace`): a concurrent run reads
either the old or the new file, never half of one; when two runs write at once, the last
one wins and the other's new entries are simply checked again next time. Entries of files
no longer in the project are dropped on every save. The processes of one flake8 run each
check some of the files: each saves with `merge`, its new entries into the file as it is
then, read again under a lock (`flock`, where there is one).
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .cache import CACHE_DIRECTORY, code_version

RESULTS_FILE = "results.pickle"
FLAKE8_RESULTS_FILE = "flake8-results.pickle"
FORMAT = 3  # 3: entries pickled one by one


class _ResultsUnpickler(pickle.Unpickler):
    """`pickle.Unpickler` limited to the classes of a results file (see the module's doc)."""

    def find_class(self, module: str, name: str) -> Any:
        allowed = _result_classes().get((module, name))
        if allowed is None:
            raise pickle.UnpicklingError(f"not a class of a results file: {module}.{name}")
        return allowed


def _result_classes() -> dict[tuple[str, str], type]:
    from ..diagnostics import Diagnostic, Location, RelatedLocation
    from ..fixes import Applicability, Edit, Fix, ImportRequest
    from .facts import _Answer

    classes = (ResultEntry, Diagnostic, Location, RelatedLocation, Fix, Edit, ImportRequest, Applicability, _Answer)
    return {(cls.__module__, cls.__qualname__): cls for cls in classes}


@dataclass
class ResultEntry:
    content: str
    settings: str
    project: str
    facts: list[tuple] | None  # None: not replayable, valid only for the same project digest
    diagnostics: list  # as checked, before `with_settings_applied`; filenames as `filename`
    filename: str


@dataclass
class ResultCache:
    root: Path
    enabled: bool = True
    # The command's file; the flake8 plugin keeps its own (`FLAKE8_RESULTS_FILE`): its
    # diagnostics are those before `# noqa`, which flake8 applies itself.
    name: str = RESULTS_FILE
    # An entry as read from the file is its pickle, unpickled when asked for (`entry`).
    entries: dict[str, ResultEntry | bytes] = field(default_factory=dict)
    project_digest: str | None = None  # None: the project changed during the run (--fix)
    kept: set[str] | None = None  # the project's files, for pruning
    stamp: str | None = None  # this run's tree stamp (`build.tree_stamp`), None: unknown
    saved_stamp: str | None = None  # the stamp of the run that wrote the file ...
    saved_project: str | None = None  # ... and the project digest it had then
    # The stamp's watch (`build.tree_watch`) and the project's files (relative), this run's
    # and the saved ones: a run whose saved watch holds reuses the saved stamp.
    watch: tuple | None = None
    files: tuple | None = None
    saved_watch: tuple | None = None
    saved_files: tuple | None = None
    hits: int = 0
    misses: int = 0
    _dirty: bool = False
    _changed: set[str] = field(default_factory=set)  # entries stored or updated since loading

    @property
    def path(self) -> Path:
        return self.root / CACHE_DIRECTORY / self.name

    def load(self) -> ResultCache:
        if not self.enabled:
            return self
        try:
            with open(self.path, "rb") as handle:
                document = _ResultsUnpickler(handle).load()
            if (isinstance(document, dict) and document.get("format") == FORMAT
                    and document.get("version") == code_version() and isinstance(document.get("files"), dict)):
                self.entries = {k: v for k, v in document["files"].items() if isinstance(v, bytes)}
                stamp = document.get("stamp")
                if isinstance(stamp, tuple) and len(stamp) == 2 and all(isinstance(x, str) for x in stamp):
                    self.saved_stamp, self.saved_project = stamp
                    watch = document.get("watch")
                    if (isinstance(watch, tuple) and len(watch) == 3 and watch[0] == self.saved_stamp
                            and isinstance(watch[1], tuple) and isinstance(watch[2], tuple)):
                        _, self.saved_watch, self.saved_files = watch
        except Exception:  # missing, truncated, garbage, an old format: start empty
            self.entries = {}
        return self

    def entry(self, relative: str) -> ResultEntry | None:
        """`relative`'s entry as stored (no check that it holds)."""
        entry = self.entries.get(relative)
        if isinstance(entry, bytes):
            try:
                entry = _ResultsUnpickler(io.BytesIO(entry)).load()
            except Exception:  # refused or corrupt: as if absent
                entry = None
            if isinstance(entry, ResultEntry):
                self.entries[relative] = entry
            else:
                del self.entries[relative]
                entry = None
        return entry

    def lookup(self, relative: str, content: str, settings: str, model: Any) -> ResultEntry | None:
        entry = self.entry(relative)
        if entry is None or entry.content != content or entry.settings != settings:
            return None
        if self.project_digest is None or entry.project != self.project_digest:
            from .facts import replay

            if entry.facts is None or not replay(model, entry.facts):
                return None
            if self.project_digest is not None:
                # Its facts hold in this project: so does the entry, which a later run on
                # the same tree can then take without replaying them (or building the model).
                entry.project = self.project_digest
                self._dirty = True
                self._changed.add(relative)
        return entry

    def store(self, relative: str, entry: ResultEntry) -> None:
        self.entries[relative] = entry
        self._dirty = True
        self._changed.add(relative)

    def save(self, *, merge: bool = False) -> None:
        """Write the file when something changed. `merge`: several processes of one run
        each checked some of the files (flake8's workers), and each saves what it changed
        into the file as it is now (read again under a lock), not over it."""
        if not self.enabled:
            return
        if merge:
            stamp = (self.stamp, self.project_digest) if self.stamp and self.project_digest else (None, None)
            if not self._changed and stamp == (self.saved_stamp, self.saved_project):
                return
            with _locked(self.path.parent / f"{self.name}.lock"):
                ours = {name: self.entries[name] for name in self._changed if name in self.entries}
                current = ResultCache(self.root, name=self.name).load()
                self.entries = {**current.entries, **ours}
                if self.kept is not None:
                    # flake8 checks files the project leaves out (its excludes are not
                    # fastapi-lint's, nor is `.gitignore` read): their entries stay while
                    # the files do, or each run would check them again.
                    outside = {name for name in self.entries if name not in self.kept}
                    self.kept = self.kept | {name for name in outside if (self.root / name).is_file()}
                self.saved_stamp, self.saved_project = current.saved_stamp, current.saved_project
                self._dirty = bool(ours)
                self._save()
            self._changed.clear()
            return
        self._save()

    def _save(self) -> None:
        if self.kept is not None:
            gone = [name for name in self.entries if name not in self.kept]
            for name in gone:
                del self.entries[name]
            self._dirty = self._dirty or bool(gone)
        # After `--fix` rewrote files (no project digest) the stamp of the run's start
        # says nothing of the tree: none is kept, and the next run builds the model.
        stamp = (self.stamp, self.project_digest) if self.stamp and self.project_digest else None
        watch = (self.stamp, self.watch, self.files) if stamp and self.watch is not None and self.files is not None else None
        if (not self._dirty and (stamp or (None, None)) == (self.saved_stamp, self.saved_project)
                and (watch is None or (self.watch, self.files) == (self.saved_watch, self.saved_files))):
            return
        directory = self.path.parent
        temporary = directory / f"{self.name}.{os.getpid()}.tmp"
        try:
            directory.mkdir(exist_ok=True)
            with open(temporary, "wb") as handle:
                files = {
                    name: entry if isinstance(entry, bytes) else pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
                    for name, entry in self.entries.items()
                }
                pickle.dump({"format": FORMAT, "version": code_version(), "files": files, "stamp": stamp,
                             "watch": watch}, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
        except Exception:  # read-only checkout, disk full, an entry that cannot be pickled
            try:
                temporary.unlink()
            except OSError:
                pass
            return
        self._dirty = False
        self.saved_stamp, self.saved_project = stamp if stamp is not None else (None, None)
        _, self.saved_watch, self.saved_files = watch if watch is not None else (None, None, None)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (created) while the block runs, where the system offers
    `flock`; elsewhere, and when the directory cannot be written, no lock (the last
    writer wins, and the other's entries are checked again next time)."""
    try:
        import fcntl

        path.parent.mkdir(exist_ok=True)
        handle = open(path, "a")
    except (ImportError, OSError):
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:
            pass
        yield


def digest_of(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "backslashreplace"), digest_size=16).hexdigest()


_settings_digests: dict[tuple, tuple[Any, str]] = {}


def settings_digest(settings, filename: str, root: Path | None) -> str:
    """What besides the file and the project decides its diagnostics: the settings that
    apply to it, the rules that run on it, and the FastAPI version judged by (installed,
    or pinned by the project: `route-added-after-include`). `root`: the project's, None
    for a file checked on its own, as the rule is given it."""
    from ..rules._fastapi_version import fastapi_version

    rules = settings.enabled_codes(filename)
    version = fastapi_version("auto", filename, root)
    key = (id(settings), rules, version)
    known = _settings_digests.get(key)
    if known is None or known[0] is not settings:
        text = f"{code_version()}|{rules}|{version}|{settings!r}"
        known = settings, hashlib.blake2b(text.encode("utf-8", "backslashreplace"), digest_size=16).hexdigest()
        _settings_digests[key] = known
    return known[1]


def project_digest(root: Path, files: list[tuple[str, str, str]], layout: Any = None) -> str:
    """The project at `root` (moved or copied: another project, whose diagnostics name
    other paths) made of `files`: (relative path, module name, summary digest) each."""
    text = f"{code_version()}|{root}|{layout!r}"  # `layout`: what the model takes from the directories
    digest = hashlib.blake2b(text.encode("utf-8", "backslashreplace"), digest_size=16)
    for item in sorted(files):
        digest.update("\0".join(item).encode("utf-8", "backslashreplace") + b"\n")
    return digest.hexdigest()
