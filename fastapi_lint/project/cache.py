"""Module summaries cached on disk, so that a second run only re-reads changed files.

One JSON file per project, `<root>/.fastapi_lint_cache/summaries.json`, holding for each
file (by its path relative to the root) its modification time, size, content hash, module
name, and summary. A file whose time and size are unchanged is not opened; one whose time
changed but whose content hash did not (a `git checkout`, a `touch`) is read but not
parsed again. The whole cache is discarded when fastapi-lint's code changes (the version
key covers the package's version, the summary format and its source files).

The directory holds a `.gitignore` of `*`, as ruff's cache does, and is in the default
excludes. Writing is atomic (temporary file, then rename); a root that cannot be written
just means no cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__

if TYPE_CHECKING:
    from .summary import ModuleSummary

# The format of `summary.py`'s summaries, in every cache key: bump it when what a summary
# holds changes. (Kept here, not there: a run answered from the result cache reads the
# keys and never a summary, so it need not import `summary.py`.)
SUMMARY_VERSION = 17

CACHE_DIRECTORY = ".fastapi_lint_cache"
CACHE_FILE = "summaries.json"


@lru_cache(maxsize=1)
def code_version() -> str:
    """fastapi-lint's version, the summary format, and a fingerprint of its source files
    (path, size and time of each: an edited checkout invalidates every cache)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    digest = hashlib.blake2b(f"{__version__}:{SUMMARY_VERSION}".encode(), digest_size=8)
    for relative, stat in sorted(_source_stats(package, "")):
        digest.update(f"{relative}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _source_stats(directory: str, prefix: str) -> list[tuple[str, os.stat_result]]:
    # `os.scandir`, not `Path.rglob`: the fingerprint is read on every run, the one-file
    # run answered from the cache included, and pathlib's objects were most of its cost.
    found = []
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.endswith(".py") and entry.is_file():
                found.append((prefix + entry.name, entry.stat()))
            elif entry.is_dir() and entry.name != "__pycache__":
                found += _source_stats(entry.path, f"{prefix}{entry.name}/")
    return found


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def summary_digest(data: dict[str, Any]) -> str:
    """A digest of what a module summary says (`ModuleSummary.to_json()`): the same after an
    edit that changes nothing summarised (a comment, a function's body that calls the same)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.blake2b(text.encode("utf-8", "backslashreplace"), digest_size=16).hexdigest()


@dataclass
class CacheStats:
    unchanged: int = 0  # neither opened nor parsed
    rehashed: int = 0  # opened (time changed), same content: not parsed
    summarized: int = 0  # parsed and walked


@dataclass
class SummaryCache:
    root: Path
    enabled: bool = True
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    stats: CacheStats = field(default_factory=CacheStats)
    # (relative path, module name, summary digest) of the project's files, once loaded.
    contents: list[tuple[str, str, str]] = field(default_factory=list)
    files: set[str] = field(default_factory=set)  # every file of the project, relative
    _dirty: bool = False

    @property
    def path(self) -> Path:
        return self.root / CACHE_DIRECTORY / CACHE_FILE

    def load(self) -> SummaryCache:
        if not self.enabled:
            return self
        try:
            with open(self.path, encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError):
            return self
        if isinstance(document, dict) and document.get("version") == code_version():
            self.entries = document.get("files", {})
        return self

    def lookup(self, relative: str, stat: os.stat_result, module: str, is_package: bool) -> ModuleSummary | None:
        """The cached summary when the file's time and size are unchanged."""
        entry = self.entries.get(relative)
        if entry is None or (entry["module"], entry["is_package"]) != (module, is_package):
            return None
        if (entry["mtime_ns"], entry["size"]) != (stat.st_mtime_ns, stat.st_size):
            return None
        self.stats.unchanged += 1
        from .summary import ModuleSummary

        return ModuleSummary.from_json(entry["summary"])

    def lookup_content(self, relative: str, stat: os.stat_result, digest: str, module: str, is_package: bool):
        """The cached summary when the content is the same (the time changed)."""
        entry = self.entries.get(relative)
        if entry is None or entry["hash"] != digest or (entry["module"], entry["is_package"]) != (module, is_package):
            return None
        entry["mtime_ns"], entry["size"] = stat.st_mtime_ns, stat.st_size
        self._dirty = True
        self.stats.rehashed += 1
        from .summary import ModuleSummary

        return ModuleSummary.from_json(entry["summary"])

    def store(self, relative: str, stat: os.stat_result, digest: str, summary: ModuleSummary,
              data: dict | None = None) -> None:
        """`data`: `summary.to_json()`, when already made (by the worker that summarised it)."""
        self.stats.summarized += 1
        if data is None:
            data = summary.to_json()
        self.entries[relative] = {
            "mtime_ns": stat.st_mtime_ns, "size": stat.st_size, "hash": digest,
            "module": summary.module, "is_package": summary.is_package, "summary": data,
            "digest": summary_digest(data),
        }
        self._dirty = True

    def forget_except(self, kept: set[str]) -> None:
        """Drop the entries of files that are gone (only after a whole-project pass)."""
        gone = set(self.entries) - kept
        for relative in gone:
            del self.entries[relative]
        self._dirty = self._dirty or bool(gone)

    def save(self) -> None:
        if not self.enabled or not self._dirty:
            return
        directory = self.path.parent
        try:
            directory.mkdir(exist_ok=True)
            ignore = directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by fastapi-lint\n*\n", encoding="utf-8")
            temporary = directory / f"{CACHE_FILE}.{os.getpid()}.tmp"
            with open(temporary, "w", encoding="utf-8") as handle:
                # `dumps`, not `dump`: `json.dump` streams through the pure-Python encoder,
                # 10x slower than the C one `dumps` uses (1.2 s of a cold run on prefect).
                handle.write(json.dumps({"version": code_version(), "files": self.entries}, separators=(",", ":")))
            os.replace(temporary, self.path)
        except OSError:
            return  # a read-only checkout: run without a cache
        self._dirty = False
