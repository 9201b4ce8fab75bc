"""Whole-project analysis: what no single file shows.

- `layout`: the project root and each file's dotted module name (packages, `src/`).
- `summary`: a small, cacheable summary of each module, from the checker's one walk.
- `cache`: summaries on disk (`.fastapi_lint_cache/`), keyed by file time, size and hash.
- `model`: `ProjectModel`, names resolved across modules, Pydantic bases, roles, call chains.
- `routing`: applications across modules, their registration order, FPI400's verdicts.
- `context`: `ProjectContext`, what the checker and rules see (`model.project`).
- `build`: building the projects of a run (`prepare_projects`), in parallel when large.
- `routes`: the `fastapi-lint routes` table.
"""

from __future__ import annotations

from typing import Any

from .build import ProjectSession, load_project, prepare_projects
from .layout import ModuleName, find_project_root, module_name

__all__ = [
    "ModuleName",
    "ProjectContext",
    "ProjectModel",
    "ProjectSession",
    "find_project_root",
    "load_project",
    "module_name",
    "prepare_projects",
]


def __getattr__(name: str) -> Any:
    # The model and the context are imported on first use: a run answered from the result
    # cache needs neither (`build.py`).
    if name == "ProjectContext":
        from .context import ProjectContext

        return ProjectContext
    if name == "ProjectModel":
        from .model import ProjectModel

        return ProjectModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
