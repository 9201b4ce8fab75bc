"""Where a project starts and what each of its files is called when imported.

The project root is the directory of the nearest `pyproject.toml` above the checked path
(or the checked directory itself when there is none). For a file named on its own with no
`pyproject.toml` above it (pre-commit, flake8 on one file), the root is the nearest
directory holding `setup.cfg`, `setup.py` or `.git` (except a `.git` in the home directory
or at `/`), else the directory above the outermost `__init__.py` package holding the file;
only a file in none of these is checked on its own. A file's dotted module name is what
`import` would call it when the project is on `sys.path`:

- inside packages (directories with `__init__.py`), the name starts at the outermost
  package: `backend/app/routers/items.py` with `app/__init__.py` and
  `app/routers/__init__.py` is `app.routers.items`, wherever the root is;
- a `src/` directory directly under the root is an import root (`src/acme/api.py` is
  `acme.api`), as in setuptools' and ruff's `src` layout; when it has no `__init__.py`
  the project may also import it as a namespace package (`from src.acme.api import x`,
  as fastapi-best-practices does): `ProjectModel` resolves both spellings;
- outside packages, the name is the path from the root (or `src/`): `main.py` is `main`,
  `app/main.py` (a namespace package) is `app.main`; a package below a directory without
  `__init__.py` (`api/v1/` with no `api/__init__.py`) is named from the package
  (`v1.routes`), and `ProjectModel` also resolves the name the project imports it by
  through the namespace directory (`api.v1.routes`).

A directory holding its own `pyproject.toml` below the root is another project and is not
part of this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT_MARKER = "pyproject.toml"
# For a lone file without a pyproject.toml above it, in this order of preference (the
# nearest directory holding one of them).
OTHER_MARKERS = ("setup.cfg", "setup.py", ".git")
SOURCE_DIRECTORY = "src"


@dataclass(frozen=True)
class ModuleName:
    name: str  # dotted: "app.routers.items"
    is_package: bool  # an `__init__.py`: its relative imports start from itself


def find_project_root(path: Path) -> Path | None:
    """The directory of the nearest `pyproject.toml` at or above `path`; for a directory
    with none above it, the directory itself; for a file, `marker_root`; None for a file
    outside any project (single-file mode)."""
    path = path.resolve()
    found = pyproject_root(path)
    if found is not None:
        return found
    return path if path.is_dir() else marker_root(path)


def pyproject_root(path: Path) -> Path | None:
    """The directory of the nearest `pyproject.toml` at or above `path`."""
    path = path.resolve()
    start = path if path.is_dir() else path.parent
    for candidate in (start, *start.parents):
        if (candidate / PROJECT_MARKER).is_file():
            return candidate
    return None


def marker_root(path: Path) -> Path | None:
    """A lone file's project without a pyproject.toml: the nearest directory holding
    `setup.cfg`, `setup.py` or `.git`, else the directory above its outermost package."""
    start = path.resolve().parent
    # A `.git` in the home directory (a dotfiles repository) or at `/` is not a project.
    unlikely = {Path(start.anchor)}
    try:
        unlikely.add(Path.home().resolve())
    except (RuntimeError, KeyError):  # no home directory known
        pass
    for candidate in (start, *start.parents):
        for marker in OTHER_MARKERS:
            if (candidate / marker).exists() and not (marker == ".git" and candidate in unlikely):
                return candidate
    top = start
    while (top / "__init__.py").exists() and top.parent != top:
        top = top.parent
    return top if top != start else None


def import_roots(root: Path) -> list[Path]:
    """Directories that are on `sys.path` when the project runs: `src/` first, then the root."""
    source = root / SOURCE_DIRECTORY
    return [source, root] if source.is_dir() and not (source / "__init__.py").exists() else [root]


def module_name(path: Path, root: Path, tops: dict[Path, Path] | None = None) -> ModuleName | None:
    """The dotted name of `path` in the project at `root`; None when it has none
    (not a `.py`/`.pyi` file, a name that is not an identifier, outside the root).
    `tops`: a memo of each directory's outermost package, for many files of one tree."""
    path = path.resolve()
    if path.suffix not in (".py", ".pyi"):
        return None
    is_package = path.stem == "__init__"
    directory = path.parent
    # The outermost package that holds the file: its parent is where imports start.
    package_top = tops.get(directory) if tops is not None else None
    if package_top is None:
        package_top = directory
        while (package_top / "__init__.py").exists() and package_top.parent != package_top:
            package_top = package_top.parent
        if tops is not None:
            tops[directory] = package_top
    if package_top != directory:
        base = package_top
    else:  # not in a package: a top-level module, or a namespace package's module
        base = next((r for r in import_roots(root) if r == directory or r in directory.parents), None)
        if base is None:
            return None
    parts = list(path.relative_to(base).with_suffix("").parts)
    if is_package:
        parts = parts[:-1]
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ModuleName(".".join(parts), is_package)


def is_nested_project(directory: Path, root: Path) -> bool:
    """A directory below the root with its own `pyproject.toml` is a project of its own."""
    return directory != root and (directory / PROJECT_MARKER).is_file()
