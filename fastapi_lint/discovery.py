"""Which files to check, found as ruff finds them.

- Directories are walked for `*.py` files, skipping what `exclude` (ruff's
  default list unless configured) and `extend-exclude` match, and, with
  `respect-gitignore` (the default), what `.gitignore` files ignore. As in ruff (the
  `ignore` crate), `.gitignore` files count only inside a git work tree (a `.git` above
  or at the walked directory), together with `.git/info/exclude`; `.ignore` files count
  everywhere. Deeper ignore files win over shallower ones; an ignored directory is not
  entered. Symlinked directories are not followed. Unlike ruff, stubs (`*.pyi`) are not
  walked: every rule here is about what code does when it runs, and a stub never runs
  (gradio ships a `.pyi` copy of each component beside its `.py`: walking both reported
  the same call twice).
- A file named on the command line is always checked, whatever its name, unless
  `force-exclude` is on and an exclude pattern matches it or one of its parents.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .patterns import absolute
from .settings import Settings

if TYPE_CHECKING:
    import pathspec

PYTHON_SUFFIXES = (".py",)
# Files in a walked directory that change what discovery finds when edited in place.
_WATCHED_NAMES = frozenset({".gitignore", ".ignore", "pyproject.toml"})


@dataclass(frozen=True)
class _IgnoreFile:
    base: str  # directory holding the file, absolute, POSIX
    spec: pathspec.PathSpec

    def verdict(self, path: str, is_dir: bool) -> bool | None:
        """True: ignored, False: re-included by a `!` pattern, None: not mentioned."""
        relative = path[len(self.base) + 1 :] + ("/" if is_dir else "")
        check = getattr(self.spec, "check_file", None)
        if check is not None:  # pathspec >= 0.12 tells negations apart
            return check(relative).include
        return True if self.spec.match_file(relative) else None


def _load_ignore_file(path: Path) -> _IgnoreFile | None:
    import pathspec  # only when there is an ignore file: it costs start-up time

    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    return _IgnoreFile(path.parent.as_posix(), spec) if spec.patterns else None


def _git_root(directory: Path) -> Path | None:
    for candidate in (directory, *directory.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _ignore_files_in(directory: Path, in_git: bool) -> list[_IgnoreFile]:
    names = (".gitignore", ".ignore") if in_git else (".ignore",)  # later wins
    found = []
    for name in names:
        candidate = directory / name
        if candidate.is_file():
            loaded = _load_ignore_file(candidate)
            if loaded is not None:
                found.append(loaded)
    return found


def _inherited_ignore_files(directory: Path) -> list[_IgnoreFile]:
    """Ignore files of the directories above `directory`, outermost first."""
    git_root = _git_root(directory)
    chain: list[_IgnoreFile] = []
    if git_root is not None:
        exclude = git_root / ".git" / "info" / "exclude"
        if exclude.is_file():
            loaded = _load_ignore_file(exclude)
            if loaded is not None:
                chain.append(_IgnoreFile(git_root.as_posix(), loaded.spec))
    for parent in reversed(directory.parents):
        in_git = git_root is not None and (parent == git_root or git_root in parent.parents)
        chain.extend(_ignore_files_in(parent, in_git))
    # A directory named on the command line is walked even when ignored (as in ruff and
    # ripgrep, whose matchers test each path, not its parents): an ignore file that
    # ignores the directory itself must not ignore everything below it.
    posix = directory.as_posix()
    return [f for f in chain if not (posix.startswith(f.base + "/") and f.verdict(posix, True))]


def _ignored(chain: list[_IgnoreFile], path: str, is_dir: bool) -> bool:
    for ignore_file in reversed(chain):
        if path.startswith(ignore_file.base + "/"):
            verdict = ignore_file.verdict(path, is_dir)
            if verdict is not None:
                return verdict
    return False


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    # Paths named on the command line and then excluded by --force-exclude.
    force_excluded: list[Path] = field(default_factory=list)
    # Paths named on the command line that do not exist: reported like ruff's E902, and
    # the other paths are still checked.
    missing: list[str] = field(default_factory=list)


def excluded_with_parents(path: Path, settings: Settings) -> bool:
    """For `force-exclude`: the path or any parent up to the project root is excluded."""
    root = settings.anchor
    for candidate in (path, *path.parents):
        if settings.is_excluded(candidate):
            return True
        if candidate == root:
            break
    return False


def find_python_files(
    paths: list[str], settings_for: Callable[[Path], Settings], walked: list[str] | None = None
) -> Discovery:
    """The files to check under `paths`, sorted, without duplicates.

    A path that does not exist is listed in `missing`. `walked`, when given, receives
    every directory listed and every ignore or configuration file met in them
    (`.gitignore`, `.ignore`, `pyproject.toml`): what the answer depends on besides the
    files (see `project/build.py`'s `TreeWatch`).
    """
    found = Discovery()
    seen: set[Path] = set()
    for raw in paths:
        path = absolute(raw)
        if not path.exists():
            found.missing.append(raw)
            continue
        settings = settings_for(path)
        if settings.force_exclude and excluded_with_parents(path, settings):
            found.force_excluded.append(path)
            continue
        if path.is_dir():
            chain = _inherited_ignore_files(path) if settings.respect_gitignore else []
            git_root = _git_root(path)
            candidates = _walk(path, chain, settings_for, git_root, walked)
        else:
            candidates = iter([path])
        for candidate in candidates:
            if candidate not in seen:
                seen.add(candidate)
                found.files.append(candidate)
    found.files.sort()
    return found


def _walk(
    directory: Path,
    chain: list[_IgnoreFile],
    settings_for: Callable[[Path], Settings],
    git_root: Path | None,
    walked: list[str] | None = None,
) -> Iterator[Path]:
    settings = settings_for(directory)
    if settings.respect_gitignore:
        in_git = git_root is not None
        chain = chain + _ignore_files_in(directory, in_git)
    else:
        chain = []
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        # An unreadable directory: its files cannot be listed, let alone checked.
        return
    subdirectories = []
    if walked is not None:
        walked.append(str(directory))
        walked.extend(entry.path for entry in entries if entry.name in _WATCHED_NAMES)
    for entry in entries:
        path = entry.path.replace(os.sep, "/")
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = not is_dir and entry.is_file()
        except OSError:
            continue
        if is_dir:
            if settings.is_excluded(entry.path) or _ignored(chain, path, True):
                continue
            subdirectories.append(Path(entry.path))
        elif is_file and entry.name.endswith(PYTHON_SUFFIXES):
            if settings.is_excluded(entry.path) or _ignored(chain, path, False):
                continue
            yield Path(entry.path)
    for subdirectory in subdirectories:
        yield from _walk(subdirectory, chain, settings_for, git_root, walked)
