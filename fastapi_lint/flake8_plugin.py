"""The flake8 plugin: `flake8 --select FPI` reports what `fastapi-lint` reports.

- It reuses the tree flake8 already parsed (no second parse) and runs the same checker.
- Configuration is the same `[tool.fastapi-lint]` table, found from each checked file
  (or the file named with `--fastapi-lint-config`, also settable as
  `fastapi-lint-config = ...` in flake8's own configuration), so rule selection,
  per-file ignores, `async-scope` (also `--fastapi-lint-async-scope`) and per-rule
  options agree with the command. A rule that is off by
  default can also be turned on with flake8's own `--select`/`--extend-select FPI200`.
- When flake8's own decision (`--select`, `--extend-select`, `--ignore`, `--extend-ignore`
  and their defaults, asked of flake8's `DecisionEngine`) reports none of the FPI codes
  (`flake8 --select E9`), the plugin does nothing for each file: flake8 runs every
  installed plugin whatever `--select` says, and would drop all it found. The same for a
  file whose `per-file-ignores` leave no FPI code (flake8's own `StyleGuideManager`).
- Otherwise the projects of the paths flake8 was given are prepared as it parses its
  options, before it forks its workers, which inherit them (`prepare_projects`); each
  file's diagnostics are cached as the command's are (`project/results.py`, in a file of
  the plugin's own), and each process saves what it checked as it exits.
- flake8 applies `# noqa` itself, so the plugin reports everything.
- Columns: flake8 wants 0-based offsets and prints them plus one; giving our 1-based
  character column minus one makes both tools print the same column.
- libcst is never imported here (detection does not need it).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any, Iterator

from . import __version__
from .config import ASYNC_SCOPES, CliOverrides, ConfigError, SettingsResolver
from .rules import rule_index


def check_tree(*args, **kwargs):
    """`checker.check_tree`, imported when a file is first checked: flake8 imports every
    plugin it finds, also for `--select E9`, and the checker brings every rule."""
    from .checker import check_tree as check

    return check(*args, **kwargs)


class FastAPILintPlugin:
    name = "fastapi-lint"
    version = __version__

    # Set once per flake8 run by `parse_options`; one resolver per process caches the
    # configuration files it read.
    config_file: str | None = None
    async_scope: str | None = None
    flake8_selected: tuple[str, ...] = ()
    # Whether flake8 reports any FPI code in this run (`parse_options`); when not, no file
    # is checked.
    reports: bool = True
    # flake8's style guides when its `per-file-ignores` are set (`flake8_guides`), and
    # whether each reports any FPI code.
    _guides: Any = None
    _guide_reports: dict[int, bool] = {}
    _resolver: SettingsResolver | None = None
    # The paths flake8 was given, its `--jobs` (None: auto), and the projects of this run
    # (`ProjectSession`, each project built once, from the checked file's project root,
    # as the command builds them), inherited by flake8's forked workers.
    arguments: tuple[str, ...] = ()
    jobs: int | None = None
    _argument_paths: list[Path] | None = None
    _projects = None
    _saver_pid: int | None = None  # the process whose results are saved when it exits

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines
        # The work happens here, not in `run()`: flake8 turns an exception raised while
        # constructing a plugin (a configuration error) into a one-line message, but
        # lets one raised while iterating `run()` escape as a traceback.
        self.diagnostics = self._check() if type(self).reports_in(filename) else []

    def _check(self) -> list:
        if not isinstance(self.tree, ast.Module):
            return []
        cls = type(self)
        stdin = self.filename in ("stdin", "-")
        settings = cls.resolver().for_path("." if stdin else self.filename)
        source = "".join(self.lines)

        def check(project) -> list:
            return check_tree(self.tree, source, self.filename, settings, apply_noqa=False, project=project)

        if stdin:
            return check(None)
        session = cls.session()
        if session.root_for(self.filename, cls.argument_paths(), cls.resolver().for_path, jobs=cls.jobs) is None:
            return check(None)
        cls._save_at_exit()
        # Keyed by the text flake8 parsed (not the file's bytes: with `--stdin-display-name`
        # the two differ), in the plugin's own results file (`FLAKE8_RESULTS_FILE`).
        data = source.encode("utf-8", "surrogatepass")
        found = self._cached(session, data, settings)
        if found is None and session.deferred:
            # Its result does not hold for the tree as it was: build the model (from the
            # summary cache), and ask again with the facts its entry recorded to replay.
            session.load_deferred()
            found = self._cached(session, data, settings)
        if found is not None:
            return found
        found, entry = session.cached_check(self.filename, data, settings, check)
        if entry is not None:
            session.store_results([entry])
        return found

    def _cached(self, session, data: bytes, settings) -> list | None:
        try:
            return session.cached_result(self.filename, data, settings)
        except ConfigError:
            raise
        except Exception:  # checked as usual, which reports what is wrong
            return None

    @classmethod
    def session(cls):
        if cls._projects is None:
            from .project import ProjectSession
            from .project.results import FLAKE8_RESULTS_FILE

            cls._projects = ProjectSession(results_name=FLAKE8_RESULTS_FILE)
        return cls._projects

    @classmethod
    def argument_paths(cls) -> list[Path]:
        if cls._argument_paths is None:
            cls._argument_paths = [Path(a).resolve() for a in cls.arguments or (".",)]
        return cls._argument_paths

    @classmethod
    def prepare_projects(cls) -> None:
        """Prepare the projects of the paths flake8 was given, in the process that parses
        the options: flake8 forks its workers after, and they inherit them (a model built
        once, with every CPU for the summaries the cache does not hold, or the results
        cache and the tree's stamp when nothing changed), rather than each worker building
        them again. A file of another project (a nested one) has its project prepared when
        it comes. Any error here is left for the check of the files to report."""
        try:
            from .project.build import project_root_for

            session = cls.session()
            arguments = cls.argument_paths()
            roots, directories = set(), set()
            for argument in arguments:
                if argument.is_dir():
                    probe = argument / "__init__.py"  # as any file directly in it
                elif argument.is_file() and argument.parent not in directories:
                    directories.add(argument.parent)
                    probe = argument
                else:
                    continue
                root = project_root_for(probe, arguments)
                if root is not None and root not in roots and root not in session.results:
                    roots.add(root)
                    session.prepare(root, cls.resolver().for_path, jobs=cls.jobs)
        except Exception:
            cls._projects = None
            cls._resolver = None

    @classmethod
    def _save_at_exit(cls) -> None:
        """Save the results cache when this process ends: flake8 tells a plugin nothing at
        the end of a run, and its workers are `multiprocessing` processes, which run
        `multiprocessing.util.Finalize` callbacks when they exit (not `atexit`'s). Each
        process merges what it checked into the file (`ResultCache.save(merge=True)`)."""
        pid = os.getpid()
        if cls._saver_pid != pid:
            cls._saver_pid = pid
            from multiprocessing.util import Finalize

            Finalize(None, cls.save_results, exitpriority=10)

    @classmethod
    def save_results(cls) -> None:
        if cls._projects is not None:
            cls._projects.save_results(merge=True)

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        option_manager.add_option(
            "--fastapi-lint-config",
            default=None,
            parse_from_config=True,
            normalize_paths=True,  # in setup.cfg/tox.ini/.flake8: relative to that file
            metavar="PATH",
            help="fastapi-lint configuration file (default: the closest pyproject.toml with "
            "a [tool.fastapi-lint] table above each checked file)",
        )
        option_manager.add_option(
            "--fastapi-lint-async-scope",
            default=None,
            parse_from_config=True,
            choices=ASYNC_SCOPES,
            help="where the async rules (FPI1xx) report: 'served' (the default): code a FastAPI "
            "application runs; 'application': all but test code; 'all': test code too "
            "(as `async-scope` in [tool.fastapi-lint])",
        )

    @classmethod
    def parse_options(cls, options: Any) -> None:
        cls.config_file = getattr(options, "fastapi_lint_config", None) or None
        cls.async_scope = getattr(options, "fastapi_lint_async_scope", None) or None
        cls.save_results()  # a previous run in this process (flake8 used as a library)
        cls.arguments = tuple(getattr(options, "filenames", None) or ())
        cls._argument_paths = None
        jobs = getattr(options, "jobs", None)
        cls.jobs = None if jobs is None or getattr(jobs, "is_auto", True) else getattr(jobs, "n_jobs", None)
        cls.reports = flake8_reports_any(options)
        cls._guides = flake8_guides(options) if cls.reports else None
        cls._guide_reports = {}
        cls._projects = None
        named = [*(getattr(options, "select", None) or ()), *(getattr(options, "extend_select", None) or ())]
        selectors = [entry.upper() for entry in named if entry.upper().startswith("FPI")]
        # A rule outside the default selection runs when a flake8 selector names it
        # (`FPI`, `FPI2`, `FPI200`), as with `fastapi-lint --select`; flake8 filters the
        # rest itself, and the configuration's `ignore` still applies to every other rule.
        cls.flake8_selected = tuple(
            sorted(
                rule.code
                for rule in rule_index()
                if not rule.default_enabled and any(rule.code.startswith(s) for s in selectors)
            )
        )
        cls._resolver = None
        if cls.reports:
            cls.prepare_projects()

    @classmethod
    def reports_in(cls, filename: str) -> bool:
        """Whether flake8 reports any FPI code in `filename` (its per-file ignores too)."""
        if not cls.reports or cls._guides is None:
            return cls.reports
        try:
            guide = cls._guides.style_guide_for(filename)
            known = cls._guide_reports.get(id(guide))
            if known is None:
                known = cls._guide_reports[id(guide)] = flake8_reports_any(guide.decider)
            return known
        except Exception:
            return True

    @classmethod
    def resolver(cls) -> SettingsResolver:
        if cls._resolver is None:
            overrides = CliOverrides(extend_select=list(cls.flake8_selected), async_scope=cls.async_scope)
            cls._resolver = SettingsResolver(config_file=cls.config_file, overrides=overrides)
        return cls._resolver

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        for diagnostic in self.diagnostics:
            if diagnostic.code is None:
                continue  # flake8 reports syntax errors itself (E999)
            yield (
                diagnostic.location.row,
                diagnostic.location.column - 1,
                f"{diagnostic.code} {diagnostic.message}",
                type(self),
            )


def flake8_reports_any(options: Any) -> bool:
    """Whether flake8, deciding from its parsed `options`, would report any rule's code:
    its own `DecisionEngine` (select, extend-select, ignore, extend-ignore, the default
    selection with every plugin's entry point, and the default ignores), asked of every
    code. A selector is a prefix, so `--select F` selects FPI codes too. Per-file ignores
    only ever drop more, so a code this rejects is reported for no file. True when the
    options are not flake8's (a caller of the plugin's own): the plugin then checks.
    `options` may also be a `DecisionEngine` already made."""
    try:
        from flake8.style_guide import Decision, DecisionEngine

        decider = options if isinstance(options, DecisionEngine) else DecisionEngine(options)
        return any(decider.decision_for(rule.code) is Decision.Selected for rule in rule_index())
    except Exception:
        return True


def flake8_guides(options: Any) -> Any:
    """flake8's own `StyleGuideManager` for `options` when they set `per-file-ignores`
    (which guide applies to a file, and its decisions), else None. It is given no
    formatter: only its choice of guide and their deciders are used."""
    if not getattr(options, "per_file_ignores", None):
        return None
    try:
        from flake8.style_guide import StyleGuideManager

        return StyleGuideManager(options, None)
    except Exception:
        return None
