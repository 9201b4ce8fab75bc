"""Configuration: `[tool.fastapi-lint]` in `pyproject.toml`, with ruff's key names.

```toml
[tool.fastapi-lint]
extend-exclude = ["migrations"]

[tool.fastapi-lint.lint]            # optional: the same lint keys as `[tool.ruff.lint]`
ignore = ["FPI121"]
per-file-ignores = { "tests/**" = ["FPI1"] }

[tool.fastapi-lint.post-route-without-201]   # per-rule options, named after the rule
action-words = ["login", "search"]
```

Fixing, as ruff: `fix`, `unsafe-fixes`, `show-fixes`, `fix-only` at top level;
`fixable`, `extend-fixable`, `unfixable`, `extend-safe-fixes`, `extend-unsafe-fixes` in
`lint` (or at top level).

Discovery follows ruff: each file uses the closest `pyproject.toml` above it that has a
`[tool.fastapi-lint]` table (one without the table is skipped); a file with none above it
uses the configuration found from the current directory, else the defaults. `--config`
names one file for everything; `--isolated` ignores configuration files. Relative patterns
are anchored at the directory holding the configuration file. Every mistake (unknown key,
rule, option or code, wrong type, invalid TOML) is a `ConfigError` naming the file and key.
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from .patterns import absolute
from .rules import rule_index
from .settings import FixableSelection, RuleSelection, Settings

TABLE = "fastapi-lint"
SELECTOR = re.compile(r"^(ALL|FPI[0-9]{0,3})$")
_FIX_LINT_KEYS = ("fixable", "extend-fixable", "unfixable", "extend-safe-fixes", "extend-unsafe-fixes")
_LINT_KEYS = (
    "select", "extend-select", "ignore", "per-file-ignores", "extend-per-file-ignores", "exclude", "async-scope",
    *_FIX_LINT_KEYS,
)
# Where the async rules report, narrowest first: code an application serves (the
# default), all application code (tests excluded), everything.
ASYNC_SCOPES = ("served", "application", "all")
# `fix`, `unsafe-fixes`, `show-fixes` and `fix-only` are top-level only, as in ruff.
_FIX_KEYS = ("fix", "unsafe-fixes", "show-fixes", "fix-only")
_TOP_LEVEL_KEYS = (*_LINT_KEYS, "extend-exclude", "respect-gitignore", "force-exclude", "lint", *_FIX_KEYS)


class ConfigError(Exception):
    """A configuration mistake, with a message that names the file and the key."""


@dataclass
class CliOverrides:
    """What the command line says; `None`/empty means: not given."""

    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] | None = None
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool | None = None
    force_exclude: bool | None = None
    async_scope: str | None = None
    fixable: list[str] | None = None
    extend_fixable: list[str] = field(default_factory=list)
    unfixable: list[str] = field(default_factory=list)

    def fixable_selection(self) -> FixableSelection | None:
        if self.fixable is None and not self.extend_fixable and not self.unfixable:
            return None
        return FixableSelection(
            tuple(self.fixable) if self.fixable is not None else None,
            tuple(self.extend_fixable),
            tuple(self.unfixable),
        )

    def selection(self) -> RuleSelection | None:
        if self.select is None and not self.extend_select and not self.ignore:
            return None
        return RuleSelection(
            tuple(self.select) if self.select is not None else None,
            tuple(self.extend_select),
            tuple(self.ignore),
        )


# ---------------------------------------------------------------------- validation


def check_selectors(codes: list[str], where: str) -> list[str]:
    """Validate rule selectors (`ALL`, `FPI`, `FPI1`, `FPI100`); return them upper-cased."""
    rules = rule_index()
    checked = []
    for raw in codes:
        code = raw.strip().upper()
        if not SELECTOR.match(code):
            raise ConfigError(
                f"{where}: unknown rule selector `{raw}`: fastapi-lint codes look like FPI100 "
                "(prefixes such as FPI1 and ALL work too; `fastapi-lint rules` lists them)"
            )
        if code != "ALL" and not any(rule.code.startswith(code) for rule in rules):
            raise ConfigError(f"{where}: `{raw}` matches no rule (`fastapi-lint rules` lists them)")
        checked.append(code)
    return checked


def _unknown(key: str, known: list[str], where: str, what: str = "key") -> ConfigError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    return ConfigError(f"{where}: unknown {what} `{key}`{hint}")


def _string_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings, got {_describe(value)}")
    return list(value)


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, got {_describe(value)}")
    return value


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}" if not isinstance(value, dict) else "a table"


def _per_file_ignores(value: Any, where: str) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table of pattern = [codes], got {_describe(value)}")
    return {
        pattern: check_selectors(_string_list(codes, f"{where}.\"{pattern}\""), f"{where}.\"{pattern}\"")
        for pattern, codes in value.items()
    }


@dataclass
class ProjectConfig:
    """One validated `[tool.fastapi-lint]` table."""

    path: Path
    values: dict[str, Any] = field(default_factory=dict)  # kebab-case keys, validated
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)


def _rule_table(config: ProjectConfig, name: str, table: Any, where: str) -> None:
    rule = next(info for info in rule_index() if info.name == name).load()
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table of options, got {_describe(table)}")
    options = {option.name: option for option in rule.options}
    for key, value in table.items():
        if key not in options:
            if not options:
                raise ConfigError(f"{where}: `{rule.name}` ({rule.code}) has no options, got `{key}`")
            raise _unknown(key, list(options), where, f"option for {rule.code}")
        try:
            validated = options[key].validate(value)
        except ValueError as error:
            raise ConfigError(f"{where}: {error}") from None
        config.rule_options.setdefault(name, {})[key] = validated


def _read_table(config: ProjectConfig, table: dict[str, Any], where: str, allowed: tuple[str, ...]) -> None:
    rule_names = {rule.name for rule in rule_index()}
    for key, value in table.items():
        key_where = f"{where}.{key}"
        if key in rule_names:
            _rule_table(config, key, value, f"[{key_where}]")
        elif key not in allowed:
            raise _unknown(key, [*allowed, *sorted(rule_names)], f"[{where}]")
        elif key in ("select", "extend-select", "ignore", *_FIX_LINT_KEYS):
            config.values[key] = check_selectors(_string_list(value, key_where), key_where)
        elif key in ("per-file-ignores", "extend-per-file-ignores"):
            merged = config.values.setdefault("per-file-ignores", {})
            for pattern, codes in _per_file_ignores(value, key_where).items():
                # The same pattern in both tables: its codes add up, as in ruff.
                merged[pattern] = [*merged.get(pattern, []), *codes]
        elif key in ("exclude", "extend-exclude"):
            # `lint.exclude` excludes from linting in addition to the global excludes.
            target = "extend-exclude" if where.endswith(".lint") or key == "extend-exclude" else "exclude"
            config.values.setdefault(target, []).extend(_string_list(value, key_where))
        elif key in ("respect-gitignore", "force-exclude", *_FIX_KEYS):
            config.values[key] = _bool(value, key_where)
        elif key == "async-scope":
            if value not in ASYNC_SCOPES:
                allowed = ", ".join(f'"{choice}"' for choice in ASYNC_SCOPES)
                raise ConfigError(f"{key_where}: must be one of {allowed}, got {value!r}")
            config.values[key] = value


def _merge_lint(config: ProjectConfig, lint: ProjectConfig) -> None:
    """`[tool.fastapi-lint.lint]` wins over the same key at top level, as in ruff."""
    for key, value in lint.values.items():
        if key == "per-file-ignores":
            config.values.setdefault(key, {}).update(value)
        elif key == "extend-exclude":
            config.values.setdefault(key, []).extend(value)
        else:
            config.values[key] = value
    for name, options in lint.rule_options.items():
        config.rule_options.setdefault(name, {}).update(options)


def parse_config(path: Path, document: dict[str, Any]) -> ProjectConfig | None:
    """The `[tool.fastapi-lint]` table of a parsed file, validated; None when it has none."""
    if path.name == "pyproject.toml":
        tool = document.get("tool", {})
        if not isinstance(tool, dict) or TABLE not in tool:
            return None
        table = tool[TABLE]
        where = f"tool.{TABLE}"
    else:  # a dedicated file passed with --config: the whole file is the table
        table, where = document, TABLE
    config = ProjectConfig(path)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: `{where}` must be a table")
    try:
        _read_table(config, {k: v for k, v in table.items() if k != "lint"}, where, _TOP_LEVEL_KEYS)
        lint = table.get("lint")
        if lint is not None:
            if not isinstance(lint, dict):
                raise ConfigError(f"{where}.lint must be a table, got {_describe(lint)}")
            lint_config = ProjectConfig(path)
            _read_table(lint_config, lint, f"{where}.lint", _LINT_KEYS)
            _merge_lint(config, lint_config)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None
    return config


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None


def load_config_file(path: Path) -> ProjectConfig:
    """A file named with `--config`: its table, or an empty configuration anchored there."""
    path = absolute(path)
    if not path.is_file():
        raise ConfigError(f"{path}: configuration file not found")
    return parse_config(path, read_toml(path)) or ProjectConfig(path)


def build_settings(config: ProjectConfig | None, overrides: CliOverrides, root: Path) -> Settings:
    values = config.values if config is not None else {}
    settings = Settings(
        select=values.get("select"),
        extend_select=list(values.get("extend-select", [])),
        ignore=list(values.get("ignore", [])),
        per_file_ignores=dict(values.get("per-file-ignores", {})),
        exclude=values.get("exclude"),
        extend_exclude=list(values.get("extend-exclude", [])),
        respect_gitignore=values.get("respect-gitignore", True),
        force_exclude=values.get("force-exclude", False),
        async_scope=values.get("async-scope", "served"),
        rule_options=dict(config.rule_options) if config is not None else {},
        root=config.path.parent if config is not None else root,
        overrides=overrides.selection(),
        source=config.path if config is not None else None,
        fix=values.get("fix", False),
        unsafe_fixes=values.get("unsafe-fixes"),
        show_fixes=values.get("show-fixes", False),
        fix_only=values.get("fix-only", False),
        fixable=values.get("fixable"),
        extend_fixable=list(values.get("extend-fixable", [])),
        unfixable=list(values.get("unfixable", [])),
        extend_safe_fixes=list(values.get("extend-safe-fixes", [])),
        extend_unsafe_fixes=list(values.get("extend-unsafe-fixes", [])),
        fix_overrides=overrides.fixable_selection(),
    )
    if overrides.exclude is not None:
        settings.exclude = list(overrides.exclude)
    settings.extend_exclude.extend(overrides.extend_exclude)
    if overrides.respect_gitignore is not None:
        settings.respect_gitignore = overrides.respect_gitignore
    if overrides.force_exclude is not None:
        settings.force_exclude = overrides.force_exclude
    if overrides.async_scope is not None:
        settings.async_scope = overrides.async_scope
    return settings


class SettingsResolver:
    """The settings that apply to each path, with the discovery rules described above."""

    def __init__(
        self,
        *,
        config_file: str | Path | None = None,
        isolated: bool = False,
        overrides: CliOverrides | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.overrides = overrides or CliOverrides()
        self.cwd = absolute(cwd or Path.cwd())
        self._configs: dict[Path, ProjectConfig | None] = {}  # pyproject.toml -> its table
        self._dir_config: dict[Path, Path | None] = {}  # directory -> config file that applies
        self._settings: dict[Path | None, Settings] = {}
        self.fixed: Settings | None = None
        if config_file is not None:
            config = load_config_file(Path(config_file))
            self.fixed = build_settings(config, self.overrides, config.path.parent)
        elif isolated:
            self.fixed = build_settings(None, self.overrides, self.cwd)
        else:
            self.default = self._settings_of(self._nearest_config(self.cwd))

    def for_path(self, path: str | Path) -> Settings:
        """Settings for a file or directory (a directory's own pyproject.toml applies to it)."""
        if self.fixed is not None:
            return self.fixed
        path = absolute(path)
        directory = path if path.is_dir() else path.parent
        config = self._nearest_config(directory)
        return self.default if config is None else self._settings_of(config)

    def _settings_of(self, config_path: Path | None) -> Settings:
        if config_path not in self._settings:
            config = self._configs.get(config_path) if config_path is not None else None
            self._settings[config_path] = build_settings(config, self.overrides, self.cwd)
        return self._settings[config_path]

    def _nearest_config(self, directory: Path) -> Path | None:
        chain = []
        found: Path | None = None
        current: Path | None = directory
        while current is not None:
            if current in self._dir_config:
                found = self._dir_config[current]
                break
            chain.append(current)
            candidate = current / "pyproject.toml"
            if candidate.is_file() and self._has_table(candidate):
                found = candidate
                break
            current = current.parent if current.parent != current else None
        for visited in chain:
            self._dir_config[visited] = found
        return found

    def _has_table(self, path: Path) -> bool:
        if path not in self._configs:
            self._configs[path] = parse_config(path, read_toml(path))
        return self._configs[path] is not None

    def config_files(self) -> list[Path]:
        """The configuration files used so far (for `--verbose`)."""
        if self.fixed is not None:
            return [self.fixed.source] if self.fixed.source else []
        return sorted({s.source for s in self._settings.values() if s.source is not None})
