"""File patterns for `exclude`, `extend-exclude` and `per-file-ignores`, matched as ruff does.

Ruff compiles each pattern twice: once anchored at the project root (the directory holding
the configuration) and, when the pattern has no `/`, once against the file's basename. Its
globs are globset's defaults: `*` and `?` also match `/`, `**` spans directories, `{a,b}` is
an alternation and `[...]` a character class. So `.venv` excludes every `.venv` directory,
`tests/*.py` the Python files anywhere below `<root>/tests`, and `**/migrations/*.py` every
migrations file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable


def glob_to_regex(glob: str) -> str:
    """Translate one glob to a regular expression (globset semantics, `*` crosses `/`)."""
    out: list[str] = []
    i, n = 0, len(glob)
    in_alternation = False
    while i < n:
        char = glob[i]
        if char == "*":
            if glob.startswith("**", i):
                at_start = i == 0 or glob[i - 1] == "/"
                followed_by_slash = glob.startswith("/", i + 2)
                at_end = i + 2 == n
                if at_start and followed_by_slash:
                    out.append("(?:.*/)?")  # `**/` matches zero or more directories
                    i += 3
                    continue
                if at_start and at_end and out and out[-1] == "/":
                    out[-1] = "(?:/.*)?"  # `/**` matches the directory and all below it
                    i += 2
                    continue
                out.append(".*")
                i += 2
                continue
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            end = glob.find("]", i + 2 if glob.startswith(("[!", "[^"), i) else i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = glob[i + 1 : end]
                negated = body[:1] in ("!", "^")
                if negated:
                    body = body[1:]
                body = body.replace("\\", "\\\\")
                out.append(f"[{'^' if negated else ''}{body}]")
                i = end
        elif char == "{" and not in_alternation:
            out.append("(?:")
            in_alternation = True
        elif char == "}" and in_alternation:
            out.append(")")
            in_alternation = False
        elif char == "," and in_alternation:
            out.append("|")
        elif char == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(glob[i]))
        else:
            out.append(re.escape(char) if char != "/" else "/")
        i += 1
    return r"\A" + "".join(out) + r"\Z"


def _absolute(pattern: str, root: Path) -> str:
    expanded = os.path.expanduser(pattern)
    if not os.path.isabs(expanded):
        expanded = os.path.join(str(root), expanded)
    # normpath would eat a trailing `/**`; it never appears before a `..` in practice.
    return Path(os.path.normpath(expanded)).as_posix() if "**" not in expanded else Path(expanded).as_posix()


class PatternSet:
    """A set of ruff-style file patterns anchored at `root`."""

    def __init__(self, patterns: Iterable[str], root: Path) -> None:
        self.patterns = [p.rstrip("/") or p for p in patterns]
        regexes: list[str] = []
        for pattern in self.patterns:
            regexes.append(glob_to_regex(_absolute(pattern, root)))
            if "/" not in pattern:
                regexes.append(glob_to_regex(pattern))
        self._regex = re.compile("|".join(f"(?:{r})" for r in regexes), re.DOTALL) if regexes else None

    def __bool__(self) -> bool:
        return self._regex is not None

    def matches(self, path: str | Path) -> bool:
        """`path` is absolute (not symlink-resolved), as discovery produces it."""
        if self._regex is None:
            return False
        posix = os.fspath(path).replace(os.sep, "/")  # `Path.as_posix`, without making a Path
        return bool(self._regex.match(posix) or self._regex.match(posix.rsplit("/", 1)[-1]))


def absolute(path: str | Path) -> Path:
    """An absolute, normalised path that keeps symlinks as the user named them."""
    return Path(os.path.abspath(path))
