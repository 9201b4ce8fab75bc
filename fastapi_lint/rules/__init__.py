"""The rule registry: every module in this package that defines a `Rule` subclass.

There is no hand-kept list. A new rule is a new module; the registry finds it, the docs
generator documents it, and the tests check that it is documented.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from .base import CODE_PATTERN, Option, Rule

_NOT_RULE_MODULES = {"base"}


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
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
    for rule in all_rules():
        if rule.code == key.upper() or rule.name == key:
            return rule
    return None


__all__ = ["Rule", "Option", "all_rules", "rule_by_code_or_name"]
