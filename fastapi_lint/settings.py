"""Resolved settings: which rules run on which file, with which options.

`config.py` builds a `Settings` from `pyproject.toml` and the command line; everything
else only reads it. Rule selection follows ruff: codes are prefixes (`FPI1` selects
FPI100-FPI199), `extend-select` adds, `ignore` removes, and when a code is matched by both
a `select` and an `ignore` entry, the more specific (longer) entry wins (a tie: ignored).
Selections are layered like ruff's: the command line's selection applies on top of the
configuration's, and a layer that has a `select` starts again from it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .fixes import Applicability
from .patterns import PatternSet, absolute
from .rules import RuleInfo, rule_index
from .test_code import is_test_file

if TYPE_CHECKING:
    from .rules import Rule

DEFAULT_SELECT = ("FPI",)

# Ruff's default `exclude` list (which `exclude` replaces and `extend-exclude` extends),
# plus `__pycache__`, which never holds source.
DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache",
    ".svn", ".tox", ".venv", ".vscode", "__pycache__", "__pypackages__", "_build", "buck-out",
    "dist", "node_modules", "site-packages", "venv",
    ".fastapi_lint_cache",  # fastapi-lint's own cache of module summaries
)


@dataclass(frozen=True)
class RuleSelection:
    """One layer of rule selection (the configuration's, or the command line's).

    As in ruff, a rule that is off by default is only outside the *default* selection:
    any selector the user writes (`FPI`, `FPI2`, `ALL`, `FPI200`) turns it on.
    """

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    # True when `select` is the built-in default, not something the user wrote.
    default_select: bool = False

    def decide(self, rule: RuleInfo | type[Rule]) -> bool | None:
        """True/False when this layer says something about `rule`, else None."""
        written = [*(() if self.default_select else (self.select or ())), *self.extend_select]
        selected = _strength(rule, written)
        if self.default_select and rule.default_enabled:
            selected = max(selected, _strength(rule, self.select or ()))
        ignored = _strength(rule, self.ignore)
        if not selected and not ignored:
            return None
        return selected > ignored


def _strength(rule: RuleInfo | type[Rule], entries: tuple[str, ...] | list[str]) -> int:
    return _code_strength(rule.code, entries)


def _code_strength(code: str, entries: tuple[str, ...] | list[str]) -> int:
    """Length of the most specific selector matching `code` (0: none; `ALL` counts 1)."""
    best = 0
    for entry in entries:
        entry = entry.strip().upper()
        if entry == "ALL":
            best = max(best, 1)
        elif code.startswith(entry):
            best = max(best, len(entry))
    return best


def _through_layers(layers, decide: Callable, restarts: Callable, *, start: bool) -> bool:
    """Ruff's layering (configuration, then command line): a layer that gives the base list
    (`select`, `fixable`) starts again from its own decision; any other layer changes the
    result only for what it names."""
    result = start
    for layer in layers:
        decision = decide(layer)
        if restarts(layer):
            result = bool(decision)
        elif decision is not None:
            result = decision
    return result


@dataclass(frozen=True)
class FixableSelection:
    """One layer of `fixable` / `extend-fixable` / `unfixable` (ruff resolves them exactly
    like `select` / `extend-select` / `ignore`, starting from every rule fixable)."""

    fixable: tuple[str, ...] | None = None
    extend_fixable: tuple[str, ...] = ()
    unfixable: tuple[str, ...] = ()

    def decide(self, code: str) -> bool | None:
        fixable = _code_strength(code, [*(self.fixable or ()), *self.extend_fixable])
        unfixable = _code_strength(code, self.unfixable)
        if not fixable and not unfixable:
            return None
        return fixable > unfixable


@dataclass
class Settings:
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    force_exclude: bool = False
    # Where the async rules report: "served" (code an application runs, see
    # `served_scope.py`), "application" (all but test code, see `test_code.py`), "all".
    async_scope: str = "served"
    # Per-rule options keyed by rule name, then option name (kebab-case).
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Directory that relative patterns (per-file-ignores, exclude) are anchored to;
    # None: the current directory.
    root: Path | None = None
    # The command line's selection, applied on top of the one above.
    overrides: RuleSelection | None = None
    # The pyproject.toml these settings came from (for `--verbose` and error messages).
    source: Path | None = None
    # Fixing (ruff's keys). `fix` / `unsafe_fixes` are what the configuration asks for;
    # the command line decides in the end (`--fix`, `--unsafe-fixes`).
    fix: bool = False
    unsafe_fixes: bool | None = None
    show_fixes: bool = False
    fix_only: bool = False
    fixable: list[str] | None = None  # None: every rule
    extend_fixable: list[str] = field(default_factory=list)
    unfixable: list[str] = field(default_factory=list)
    extend_safe_fixes: list[str] = field(default_factory=list)
    extend_unsafe_fixes: list[str] = field(default_factory=list)
    # The command line's `--fixable` / `--extend-fixable` / `--unfixable`, on top.
    fix_overrides: FixableSelection | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ rules

    def _layers(self) -> list[RuleSelection]:
        base = RuleSelection(
            tuple(DEFAULT_SELECT if self.select is None else self.select),
            tuple(self.extend_select),
            tuple(self.ignore),
            default_select=self.select is None,
        )
        return [base] if self.overrides is None else [base, self.overrides]

    def is_selected(self, rule: RuleInfo | type[Rule]) -> bool:
        return _through_layers(
            self._layers(), lambda layer: layer.decide(rule), lambda layer: layer.select is not None, start=False
        )

    def _selected(self) -> list[RuleInfo]:
        if "selected" not in self._cache:
            self._cache["selected"] = [rule for rule in rule_index() if self.is_selected(rule)]
        return self._cache["selected"]

    @property
    def anchor(self) -> Path:
        return absolute(self.root) if self.root is not None else absolute(os.getcwd())

    def _per_file_matchers(self) -> list[tuple[PatternSet, bool, list[str]]]:
        if "per_file" not in self._cache:
            matchers = []
            for pattern, codes in self.per_file_ignores.items():
                negated = pattern.startswith("!")
                matchers.append((PatternSet([pattern.lstrip("!")], self.anchor), negated, list(codes)))
            self._cache["per_file"] = matchers
        return self._cache["per_file"]

    def ignored_for_file(self, filename: str) -> list[str]:
        """The codes `per-file-ignores` turns off for `filename` (`!pattern`: files not matching)."""
        if not self.per_file_ignores:
            return []
        path = absolute(filename)
        codes: list[str] = []
        for matcher, negated, pattern_codes in self._per_file_matchers():
            if matcher.matches(path) != negated:
                codes.extend(pattern_codes)
        return codes

    def enabled_rules(self, filename: str | None = None) -> list[type[Rule]]:
        """The rules that run on `filename` (all selected ones: None), their modules imported."""
        return [rule.load() for rule in self._enabled(filename)]

    def enabled_codes(self, filename: str | None = None) -> tuple[str, ...]:
        """The codes of `enabled_rules`, without importing a rule."""
        return tuple(rule.code for rule in self._enabled(filename))

    def _enabled(self, filename: str | None) -> list[RuleInfo]:
        rules = self._selected()
        if filename is None:
            return rules
        if self.async_scope != "all" and is_test_file(filename, self.anchor):
            rules = [rule for rule in rules if not (rule.async_code or rule.skips_test_code)]
        file_ignores = [e.strip().upper() for e in self.ignored_for_file(filename)]
        if not file_ignores:
            return rules
        return [
            rule
            for rule in rules
            if not any(entry == "ALL" or rule.code.startswith(entry) for entry in file_ignores)
        ]

    def options_for(self, rule: type[Rule]) -> dict[str, Any]:
        configured = self.rule_options.get(rule.name, {})
        return {opt.name: configured.get(opt.name, opt.default) for opt in rule.options}

    # ------------------------------------------------------------------ fixes

    def is_fixable(self, code: str) -> bool:
        """Whether `code`'s fixes may be applied (`fixable` minus `unfixable`, layered)."""
        layers = [FixableSelection(
            tuple(self.fixable) if self.fixable is not None else ("ALL",),
            tuple(self.extend_fixable),
            tuple(self.unfixable),
        )]
        if self.fix_overrides is not None:
            layers.append(self.fix_overrides)
        return _through_layers(
            layers, lambda layer: layer.decide(code), lambda layer: layer.fixable is not None, start=True
        )

    def applicability_of(self, code: str, applicability: Applicability) -> Applicability:
        """A fix's applicability after `extend-safe-fixes` / `extend-unsafe-fixes`, as ruff's
        `FixSafetyTable`: the more specific selector wins, unsafe on a tie; display-only
        fixes never change."""
        if applicability is Applicability.DISPLAY_ONLY:
            return applicability
        safe = _code_strength(code, self.extend_safe_fixes)
        unsafe = _code_strength(code, self.extend_unsafe_fixes)
        if unsafe and unsafe >= safe:
            return Applicability.UNSAFE
        if safe:
            return Applicability.SAFE
        return applicability

    # ------------------------------------------------------------------ files

    def exclusion(self) -> PatternSet:
        """`exclude` (ruff's defaults when unset) plus `extend-exclude`."""
        if "exclude" not in self._cache:
            patterns = list(DEFAULT_EXCLUDE if self.exclude is None else self.exclude)
            self._cache["exclude"] = PatternSet([*patterns, *self.extend_exclude], self.anchor)
        return self._cache["exclude"]

    def is_excluded(self, path: str | Path) -> bool:
        return self.exclusion().matches(os.path.abspath(path))  # `absolute`, as a string (discovery's hot path)
