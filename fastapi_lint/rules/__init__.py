"""The rule registry: every module in this package that defines a `Rule` subclass.

There is no hand-kept list. A new rule is a new module; the registry finds it, the docs
generator documents it, and the tests check that it is documented.

What the settings need of a rule (its code, name, module and the flags that select it)
is also kept in `_index.py`, generated from the classes by `python -m fastapi_lint.docs`
(`tests/test_docs.py` fails while it differs), so that choosing the rules imports none:
a run answered from the result cache, such as pre-commit's on one unchanged file, then
never imports a rule, nor the semantic model they import.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import Option, Rule

_NOT_RULE_MODULES = {"base"}


class RuleInfo:
    """A rule as the settings see it, without its module imported (`_index.py`)."""

    __slots__ = ("code", "name", "module", "default_enabled", "async_code", "skips_test_code")

    def __init__(self, code: str, name: str, module: str, default_enabled: bool, async_code: bool,
                 skips_test_code: bool) -> None:
        self.code = code
        self.name = name
        self.module = module
        self.default_enabled = default_enabled
        self.async_code = async_code
        self.skips_test_code = skips_test_code

    def as_row(self) -> tuple[str, str, str, bool, bool, bool]:
        return (self.code, self.name, self.module, self.default_enabled, self.async_code, self.skips_test_code)

    def load(self) -> type[Rule]:
        """The rule's class (its module imported)."""
        return _class_of(self.code, self.module)

    def __repr__(self) -> str:
        return f"RuleInfo{self.as_row()!r}"


@lru_cache(maxsize=None)
def _class_of(code: str, module: str) -> type[Rule]:
    qualified = f"{__name__}.{module}"
    for value in vars(importlib.import_module(qualified)).values():
        if isinstance(value, type) and getattr(value, "code", None) == code and value.__module__ == qualified:
            return value
    raise RuntimeError(f"rule {code} is not in {module} (run `python -m fastapi_lint.docs`)")


def rule_index() -> tuple[RuleInfo, ...]:
    """Every rule, by code, from `_index.py` (no rule imported); from the classes when
    directories were added to the package's path (the tests' own rules), which the index
    cannot know."""
    if len(__path__) > 1:
        return tuple(info_of(rule) for rule in all_rules())
    return _static_index()


@lru_cache(maxsize=1)
def _static_index() -> tuple[RuleInfo, ...]:
    from ._index import RULES

    return tuple(RuleInfo(*row) for row in RULES)


def info_of(rule: type[Rule]) -> RuleInfo:
    return RuleInfo(rule.code, rule.name, rule.__module__.rpartition(".")[2], rule.default_enabled,
                    rule.async_code, rule.skips_test_code)


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class, found by importing every module of the package (not `_index.py`,
    which this is the source of)."""
    import pkgutil

    from .base import CODE_PATTERN, Rule

    found: dict[str, type[Rule]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name in _NOT_RULE_MODULES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
                and getattr(value, "code", None)
            ):
                if not CODE_PATTERN.match(value.code):
                    raise RuntimeError(f"{value.__name__}: bad rule code {value.code!r}")
                if value.code in found:
                    raise RuntimeError(f"duplicate rule code {value.code}")
                found[value.code] = value
    return tuple(found[code] for code in sorted(found))


def rule_by_code_or_name(key: str) -> type[Rule] | None:
    key = key.strip()
    for info in rule_index():
        if info.code == key.upper() or info.name == key:
            return info.load()
    return None


def __getattr__(name: str) -> Any:
    # `Rule` and `Option` are imported on first use: `base` imports the diagnostics, the
    # fixes and the FastAPI model, which choosing rules does not need.
    if name in ("Rule", "Option", "CODE_PATTERN"):
        from . import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Rule", "Option", "RuleInfo", "all_rules", "info_of", "rule_by_code_or_name", "rule_index"]
