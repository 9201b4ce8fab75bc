"""fastapi-lint: a linter for the FastAPI pitfalls that take production APIs down."""

from __future__ import annotations

from typing import Any

from .diagnostics import Diagnostic, FileResult, Location

__version__ = "0.1.0"

__all__ = ["check_source", "Diagnostic", "FileResult", "Location", "__version__"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the checker brings every rule and the semantic model, which a
    # run answered from the result cache never needs.
    if name == "check_source":
        from .checker import check_source

        return check_source
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
