"""Which FastAPI a checked project runs, as far as can be known without importing it.

In order: the rule's `fastapi-version` option; the FastAPI installed in the environment
the linter runs in (`importlib.metadata`, which reads the distribution's metadata and
never imports FastAPI); the highest version the project's own requirements allow
(`pyproject.toml`'s `[project] dependencies` and Poetry dependencies, `requirements*.txt`
next to it), when they bound it. None: unknown.
"""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache
from pathlib import Path

from ._option import Option

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Version = tuple[int, ...]

# The option of every rule whose findings depend on the FastAPI version (FPI304, FPI402).
VERSION_OPTION = Option(
    "fastapi-version",
    "auto",
    "The FastAPI version the checked code runs on (`\"0.115.2\"`), or `\"auto\"`: the version "
    "installed where fastapi-lint runs, else the highest one the project's requirements allow.",
)
_VERSION = re.compile(r"^\s*v?(\d+(?:\.\d+)*)")
_REQUIREMENT = re.compile(r"^\s*fastapi(?:\[[^\]]*\])?\s*(?P<spec>[<>=~!^][^;#]*)?\s*(?:[;#].*)?$", re.IGNORECASE)


def parse_version(text: str | None) -> Version | None:
    match = _VERSION.match(text or "")
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def fastapi_version(option: str, filename: str, root: Path | None) -> tuple[Version | None, str]:
    """(version, where it comes from): the version to judge by, as described above."""
    if option != "auto":
        return parse_version(option), "the `fastapi-version` option"
    installed = _installed()
    if installed is not None:
        return installed, "installed"
    start = root if root is not None else Path(filename).resolve().parent
    return _pinned(start)


@lru_cache(maxsize=1)
def rule_fastapi_version(rule) -> tuple[Version | None, str]:
    """`fastapi_version` for a rule with `VERSION_OPTION`, in the file it checks."""
    root = getattr(getattr(rule.model.project, "project", None), "root", None)
    return fastapi_version(str(rule.option_values.get("fastapi-version", "auto")), rule.checker.filename, root)


def shown(version: Version) -> str:
    """`0.115.2`; `0.136.x` for the highest of a range (`<0.137`)."""
    return ".".join(str(part) for part in version if part < 10**6) + (".x" if version[-1] >= 10**6 else "")


@lru_cache(maxsize=1)
def _installed() -> Version | None:
    """`importlib.metadata.version("fastapi")`, parsed. The version is read from the name of
    the first `fastapi-<version>.dist-info` directory on `sys.path`, the one
    `importlib.metadata` would open first: importing `importlib.metadata` (with `email`,
    `zipfile`, `csv`) would cost a one-file run answered from the cache a quarter of its
    time. Anything else (an `.egg-info`, a name without a version) is left to it."""
    found = _dist_info_version()
    if found is not False:
        return found
    from importlib import metadata

    try:
        return parse_version(metadata.version("fastapi"))
    except metadata.PackageNotFoundError:
        return None


def _dist_info_version() -> Version | None | bool:
    """The version in the first FastAPI distribution directory's name on `sys.path`; None
    when there is none; False when the first one found does not name its version."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            lowered = name.lower()
            if not lowered.startswith("fastapi") or not lowered.endswith((".dist-info", ".egg-info")):
                continue
            stem, _, suffix = lowered.rpartition(".")
            project, _, version = stem.partition("-")
            if project != "fastapi":
                continue  # `fastapi_cli-...`, `fastapi_users-...` are other projects
            parsed = parse_version(version) if suffix == "dist-info" else None
            return parsed if parsed is not None else False
    return None


@lru_cache(maxsize=64)
def _pinned(start: Path) -> tuple[Version | None, str]:
    for directory in (start, *start.parents):
        pyproject = directory / "pyproject.toml"
        requirements = sorted(directory.glob("requirements*.txt"))
        if not pyproject.is_file() and not requirements:
            continue
        specs = [(spec, pyproject.name) for spec in _pyproject_specs(pyproject)]
        for path in requirements:
            specs += [(spec, path.name) for spec in _requirement_specs(path.read_text(errors="replace"))]
        for spec, source in specs:
            highest = highest_allowed(spec)
            if highest is not None:
                return highest, f"the highest version `{spec.strip()}` in {source} allows"
        return None, "unknown"
    return None, "unknown"


def _pyproject_specs(path: Path) -> list[str]:
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(errors="replace"))
    except (tomllib.TOMLDecodeError, OSError):
        return []
    found = []
    project = data.get("project", {})
    for requirement in project.get("dependencies", []) if isinstance(project, dict) else []:
        match = _REQUIREMENT.match(requirement) if isinstance(requirement, str) else None
        if match and match["spec"]:
            found.append(match["spec"])
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
    value = poetry.get("fastapi") if isinstance(poetry, dict) else None
    if isinstance(value, dict):
        value = value.get("version")
    if isinstance(value, str):
        found.append(value)
    return found


def _requirement_specs(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        match = _REQUIREMENT.match(line)
        if match and match["spec"]:
            found.append(match["spec"])
    return found


def highest_allowed(spec: str) -> Version | None:
    """The highest version a specifier allows (`==0.115.2` -> 0.115.2, `<0.137` and `^0.136`
    -> 0.136.<any>, `~=0.115.0` -> 0.115.<any>); None when it sets no upper bound."""
    highest: Version | None = None
    for clause in spec.split(","):
        clause = clause.strip()
        bound = None
        if clause.startswith("==") and "*" not in clause:
            bound = parse_version(clause[2:])
        elif clause.startswith("==") or clause.startswith("~=") or clause.startswith("^"):
            base = parse_version(clause.lstrip("=~^").replace("*", "0"))
            if base is not None:
                bound = _caret(base) if clause.startswith("^") else _tilde(base, clause)
        elif clause.startswith("<"):
            bound = parse_version(clause.lstrip("<="))
            if bound is not None and not clause.startswith("<="):
                bound = _below(bound)
        elif re.match(r"^\d", clause):  # Poetry's bare version: an exact pin
            bound = parse_version(clause)
        if bound is not None and (highest is None or bound < highest):
            highest = bound
    return highest


def _below(version: Version) -> Version:
    """Just below `version`: `<0.137` allows 0.136.x at most."""
    major, minor = (version + (0, 0))[:2]
    return (major, minor - 1, 10**6) if minor > 0 else (major - 1, 10**6)


def _caret(base: Version) -> Version:
    major, minor = (base + (0, 0))[:2]
    return (0, minor, 10**6) if major == 0 else (major, 10**6)


def _tilde(base: Version, clause: str) -> Version:
    if clause.startswith("=="):  # `==0.115.*`
        return (*base[:-1], 10**6) if len(base) > 1 else (base[0], 10**6)
    return (*base[:-2], base[-2], 10**6) if len(base) > 1 else (base[0], 10**6)
