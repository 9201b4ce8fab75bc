"""Which files are test code, by pytest's conventions.

A blocking call in an `async def` test, a pytest fixture or a `conftest.py` hook stalls
the test's own event loop, not a request: the async rules (the ones whose class says
`async_code = True`) do not report there unless `async-scope = "all"`, and an
application a test builds makes nothing served (`project/serving.py`). Tests are known
by what pytest itself collects and by where projects keep them, never by
per-repository configuration:

- `conftest.py`, `test_*.py` and `*_test.py` files;
- any file under a directory named `tests` or `test` (relative to the project root, so
  a checkout that itself lives under some `tests/` directory is not all test code).
"""

from __future__ import annotations

import os
from pathlib import PurePath

TEST_DIRECTORIES = frozenset({"tests", "test"})


def is_test_file(filename: str, root: str | os.PathLike[str] | None = None) -> bool:
    path = PurePath(os.path.abspath(filename))
    if root is not None:
        try:
            path = path.relative_to(os.path.abspath(root))
        except ValueError:
            pass  # a file outside the root: judge its whole path
    return is_test_path(path)


def is_test_path(path: PurePath | str) -> bool:
    """`is_test_file` for a path already relative to the project root."""
    path = PurePath(path)
    name = path.name
    if name == "conftest.py" or (name.startswith("test_") and name.endswith(".py")) or name.endswith("_test.py"):
        return True
    return any(part in TEST_DIRECTORIES for part in path.parts[:-1])
