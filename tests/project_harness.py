"""Multi-module fixture projects as tests, in the single-file fixtures' style.

A fixture project is a directory of `tests/fixtures/projects/` with its own
`pyproject.toml` (its configuration, and the project root). Every line, in any of its
files, that must be reported ends with `# error: CODE`; every other line must stay silent.
The project is checked whole, as `fastapi-lint <project>` does, in-process and without the
summary cache.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi_lint.checker import check_source
from fastapi_lint.config import SettingsResolver
from fastapi_lint.discovery import find_python_files
from fastapi_lint.project import prepare_projects
from fixture_harness import ERROR_COMMENT, FIXTURES

PROJECTS_DIRECTORY = FIXTURES / "projects"

Finding = tuple[str, int, str]  # (path relative to the project, row, code)


def all_projects() -> list[Path]:
    return sorted(p for p in PROJECTS_DIRECTORY.iterdir() if (p / "pyproject.toml").is_file())


def expected(root: Path) -> list[Finding]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for row, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = ERROR_COMMENT.search(line)
            if match:
                found += [(path.relative_to(root).as_posix(), row, c.strip()) for c in match["codes"].split(",")]
    return sorted(found)


def actual(root: Path, *, whole_project: bool = True) -> list[Finding]:
    resolver = SettingsResolver(cwd=root)
    files = find_python_files([str(root)], resolver.for_path).files
    session = prepare_projects(files, [str(root)], resolver.for_path, use_cache=False) if whole_project else None
    found = []
    for path in files:
        context = session.context_for(path) if session is not None else None
        result = check_source(path.read_bytes(), str(path), resolver.for_path(path), project=context)
        assert result.error is None, result.error
        found += [(path.relative_to(root).as_posix(), d.location.row, d.code) for d in result.diagnostics]
    return sorted(found)


def noqa_copy(root: Path, destination: Path, *, bare: bool = False) -> Path:
    """A copy of the project with every `# error: CODES` turned into a suppression."""
    copy = destination / root.name
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".fastapi_lint_cache", "__pycache__"))
    replacement = (lambda m: "# noqa") if bare else (lambda m: f"# noqa: {m['codes']}")
    for path in copy.rglob("*.py"):
        path.write_text(ERROR_COMMENT.sub(replacement, path.read_text(encoding="utf-8")), encoding="utf-8")
    return copy
