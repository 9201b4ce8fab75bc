"""fastapi-lint: a linter for the FastAPI pitfalls that take production APIs down."""

from .checker import check_source
from .diagnostics import Diagnostic, FileResult, Location

__version__ = "0.1.0"

__all__ = ["check_source", "Diagnostic", "FileResult", "Location", "__version__"]
