"""A rule's setting (`Option`), apart from `base` so that reading the FastAPI version
(`_fastapi_version`, which declares one) does not import what the rules do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Option:
    """A per-rule setting, read from `[tool.fastapi-lint.<rule-name>]`."""

    name: str  # kebab-case, as written in pyproject.toml
    default: Any
    doc: str
    # The values a string option accepts (empty: any string).
    choices: tuple[str, ...] = ()

    def validate(self, value: Any) -> Any:
        expected = type(self.default)
        if isinstance(self.default, (list, tuple)):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"`{self.name}` must be a list of strings")
            return list(value)
        if not isinstance(value, expected):
            raise ValueError(f"`{self.name}` must be a {expected.__name__}")
        if self.choices and value not in self.choices:
            allowed = ", ".join(f'"{choice}"' for choice in self.choices)
            raise ValueError(f"`{self.name}` must be one of {allowed}, got {value!r}")
        return value
