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

from .build import ProjectSession, load_project, prepare_projects
from .context import ProjectContext
from .layout import ModuleName, find_project_root, module_name
from .model import ProjectModel

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
