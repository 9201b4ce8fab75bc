"""What the language server knows, without the protocol: documents checked with the same
engine as `fastapi-lint check`, in their projects, and the edits the code actions offer.

Positions here are fastapi-lint's (1-based rows, 1-based columns counted in characters);
`server.py` converts them to the client's encoding.

The project model of each project root is built once (`load_project`, from the summary
cache when it is warm), then kept: an open document's module is summarised again from the
editor's text whenever it changes, and the model takes that summary in place of the one
from disk (only when the summary differs: typing inside a function body often leaves it
as it was). A file changed outside the editor is summarised again when the client reports
it (`refresh_from_disk`); a change to `pyproject.toml` starts over (`reload`).

Nothing here imports libcst: checking does not need it. A fix that requests an import, and
"fix all", import it when the code action is asked for.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ..checker import check_source
from ..config import ConfigError, SettingsResolver
from ..diagnostics import Diagnostic, Location
from ..discovery import excluded_with_parents
from ..fixes import Applicability, Edit, Fix, apply_edits, with_settings_applied
from ..project.build import load_project, project_root_for, summarize_source
from ..project.context import ProjectContext
from ..project.layout import module_name
from ..project.model import ProjectModel
from ..settings import Settings
from ..source import parse_module


@dataclass(frozen=True)
class Action:
    """A code action as data: a title, its kind, whether it is the one to prefer, the
    text edits of one document, and the diagnostic it resolves (None: the whole file)."""

    title: str
    kind: str  # "quickfix" or "source.fixAll"
    edits: tuple[Edit, ...]
    diagnostic: Diagnostic | None = None
    preferred: bool = False


@dataclass
class Checked:
    """One document's last check: the text it was of and what it found."""

    path: Path | None
    text: str
    settings: Settings | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    context: ProjectContext | None = None


class Engine:
    def __init__(self, roots: list[Path]) -> None:
        self.roots = [root.resolve() for root in roots]
        self.projects: dict[Path, ProjectModel] = {}
        self._resolver: SettingsResolver | None = None

    # ------------------------------------------------------------------ settings, projects

    def resolver(self) -> SettingsResolver:
        """The settings of each path, from the `pyproject.toml` files above it (as the
        command reads them, relative paths resolved against the first workspace root)."""
        if self._resolver is None:
            self._resolver = SettingsResolver(cwd=self.roots[0] if self.roots else None)
        return self._resolver

    def reload(self) -> None:
        """Forget the configuration and the project models (a `pyproject.toml` changed)."""
        self._resolver = None
        self.projects.clear()

    def settings_for(self, path: Path | None) -> Settings:
        resolver = self.resolver()
        return resolver.for_path(path if path is not None else (self.roots[0] if self.roots else Path.cwd()))

    def _project(self, root: Path) -> ProjectModel:
        project = self.projects.get(root)
        if project is None:
            project, _cache = load_project(root, self.resolver().for_path)
            self.projects[root] = project
        return project

    def project_root(self, path: Path) -> Path | None:
        return project_root_for(path, self.roots)

    def context_for(self, path: Path, text: str | None) -> ProjectContext | None:
        """The file's place in its project, with its module summarised from `text` (the
        editor's buffer; None: the file on disk) when that differs from what the model has."""
        root = self.project_root(path)
        if root is None:
            return None
        module = module_name(path, root)
        if module is None:
            return None
        project = self._project(root)
        relative = path.relative_to(root).as_posix()
        known = project.modules.get(module.name)
        if known is not None and known.path != relative:
            return None  # another file has this module name: checked on its own, as the command does
        if text is None:
            try:
                data = path.read_bytes()
            except OSError:
                return ProjectContext(project, module) if known is not None else None
        else:
            data = text.encode("utf-8", errors="surrogatepass")
        summary = summarize_source(data, relative, module)
        if known is None or known.to_json() != summary.to_json():
            project = project.with_module(summary)
            self.projects[root] = project
        return ProjectContext(project, module)

    def refresh_from_disk(self, path: Path) -> Path | None:
        """A file changed or appeared outside the editor: its summary from disk. The root of
        the project that changed (None: none did)."""
        root = self.project_root(path)
        if root is None or root not in self.projects:
            return None
        if not path.exists():  # deleted: the model has no way to drop one module, start over
            del self.projects[root]
            return root
        before = self.projects[root]
        self.context_for(path, None)
        return root if self.projects.get(root) is not before else None

    # ------------------------------------------------------------------ checking

    def check(self, path: Path | None, text: str) -> Checked:
        """Check the editor's `text` of `path` (None: an untitled buffer, on its own). A file
        the configuration excludes gets no diagnostics, as with `--force-exclude`.

        Raises ConfigError when the configuration is invalid."""
        settings = self.settings_for(path)
        if path is not None and excluded_with_parents(path, settings):
            return Checked(path, text, settings)
        context = self.context_for(path, text) if path is not None else None
        filename = str(path) if path is not None else "untitled.py"
        result = check_source(text, filename, settings, project=context)
        diagnostics = with_settings_applied(result.diagnostics, settings)
        return Checked(path, text, settings, diagnostics, context)

    # ------------------------------------------------------------------ code actions

    def actions(self, checked: Checked, diagnostics: list[Diagnostic], *, fix_all: bool) -> list[Action]:
        """For each of `diagnostics` (of `checked`): its fix, if it has one that leaves code
        that parses (safe ones preferred, unsafe ones titled so), and a `# noqa` for its
        line; with `fix_all`, one action applying every safe fix of the file."""
        out: list[Action] = []
        for diagnostic in diagnostics:
            if diagnostic.code is None:
                continue
            fixed = self._fix_action(checked, diagnostic)
            if fixed is not None:
                out.append(fixed)
            noqa = self._noqa_action(checked, diagnostic)
            if noqa is not None:
                out.append(noqa)
        if fix_all:
            whole = self.fix_all(checked)
            if whole is not None:
                out.append(whole)
        return out

    def _fix_action(self, checked: Checked, diagnostic: Diagnostic) -> Action | None:
        fix = diagnostic.fix
        if not isinstance(fix, Fix) or fix.applicability is Applicability.DISPLAY_ONLY:
            return None
        edits = fix.edits
        if fix.imports:
            from ..fixes.imports import import_edits  # LibCST: only now

            extra = import_edits(checked.text, fix.imports)
            if extra is None:  # the import cannot be added: the fix alone would not run
                return None
            edits = tuple(sorted((*edits, *extra), key=lambda e: (e.location, e.end_location)))
        try:
            if not _parses(apply_edits(checked.text, edits)):
                return None
        except ValueError:  # overlapping edits
            return None
        safe = fix.applicability is Applicability.SAFE
        title = f"{diagnostic.code}: {fix.title}" + ("" if safe else " (unsafe)")
        return Action(title, "quickfix", edits, diagnostic, preferred=safe)

    def _noqa_action(self, checked: Checked, diagnostic: Diagnostic) -> Action | None:
        from ..add_noqa import add_noqa, check_result

        edits = add_noqa(checked.text, [diagnostic])
        if not edits.added or check_result(checked.text, edits, [diagnostic]) is not None:
            return None
        row = diagnostic.noqa_row or diagnostic.location.row
        old, new = _line(checked.text, row), _line(edits.text, row)
        edit = Edit(new, Location(row, 1), Location(row, len(old) + 1))
        return Action(f"{diagnostic.code}: Disable for this line (`# noqa`)", "quickfix", (edit,), diagnostic)

    def fix_all(self, checked: Checked) -> Action | None:
        """Every safe fix, as `fastapi-lint --fix` applies them (re-checked until nothing
        changes, fixes that break the code left out): one edit of the whole text."""
        if checked.settings is None or not any(
            isinstance(d.fix, Fix) and d.fix.applicability is Applicability.SAFE for d in checked.diagnostics
        ):
            return None
        from ..fixes.engine import fix_source

        filename = str(checked.path) if checked.path is not None else "untitled.py"
        outcome = fix_source(checked.text, filename, checked.settings, unsafe=False, project=checked.context)
        if not outcome.fixed or outcome.text == checked.text:
            return None
        end = _end_of(checked.text)
        edit = Edit(outcome.text, Location(1, 1), end)
        return Action("fastapi-lint: Fix all safe fixes", "source.fixAll", (edit,))


def _parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parse_module(text)
    except (SyntaxError, ValueError, RecursionError):
        return False
    return True


def _lines(text: str) -> list[str]:
    from ..fixes import NEWLINE

    return NEWLINE.split(text)


def _line(text: str, row: int) -> str:
    """Row `row` (1-based) without its line ending."""
    lines = _lines(text)
    return lines[row - 1] if 1 <= row <= len(lines) else ""


def _end_of(text: str) -> Location:
    lines = _lines(text)
    return Location(len(lines), len(lines[-1]) + 1)


__all__ = ["Action", "Checked", "ConfigError", "Engine"]
