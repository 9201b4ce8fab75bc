"""Resolved settings: which rules run on which file, with which options.

`config.py` builds a `Settings` from `pyproject.toml` and the command line; everything
else only reads it. Rule selection follows ruff: codes are prefixes (`FPI1` selects
FPI100-FPI199), `extend-select` adds, `ignore` removes, and when a code is matched by both
a `select` and an `ignore` entry, the more specific (longer) entry wins.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from .rules import Rule, all_rules

DEFAULT_SELECT = ("FPI",)


@dataclass
class Settings:
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)
    # Per-rule options keyed by rule name, then option name (kebab-case).
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Directory that relative patterns (per-file-ignores, exclude) are anchored to.
    root: Path | None = None

    def _selection_strength(self, code: str, entries: list[str]) -> int:
        """Length of the most specific entry matching `code` (0: no match)."""
        best = 0
        for entry in entries:
            entry = entry.strip().upper()
            if entry == "ALL" or code.startswith(entry):
                best = max(best, 1 if entry == "ALL" else len(entry))
        return best

    def is_selected(self, rule: type[Rule]) -> bool:
        select = list(DEFAULT_SELECT if self.select is None else self.select)
        selected = self._selection_strength(rule.code, select + list(self.extend_select))
        if not selected:
            return False
        # A rule that is off by default runs only when named exactly.
        if not rule.default_enabled and rule.code not in {
            s.strip().upper() for s in select + list(self.extend_select)
        }:
            return False
        ignored = self._selection_strength(rule.code, list(self.ignore))
        return selected > ignored

    def ignored_for_file(self, filename: str) -> list[str]:
        path = PurePath(filename)
        candidates = {path.as_posix(), path.name}
        if self.root is not None:
            try:
                candidates.add(Path(filename).resolve().relative_to(self.root.resolve()).as_posix())
            except (ValueError, OSError):
                pass
        codes: list[str] = []
        for pattern, pattern_codes in self.per_file_ignores.items():
            if any(fnmatch.fnmatch(c, pattern) for c in candidates):
                codes.extend(pattern_codes)
        return codes

    def enabled_rules(self, filename: str | None = None) -> list[type[Rule]]:
        rules = [rule for rule in all_rules() if self.is_selected(rule)]
        if filename is not None:
            file_ignores = self.ignored_for_file(filename)
            if file_ignores:
                rules = [
                    rule
                    for rule in rules
                    if not any(
                        e.strip().upper() == "ALL" or rule.code.startswith(e.strip().upper())
                        for e in file_ignores
                    )
                ]
        return rules

    def options_for(self, rule: type[Rule]) -> dict[str, Any]:
        configured = self.rule_options.get(rule.name, {})
        return {opt.name: configured.get(opt.name, opt.default) for opt in rule.options}
