"""Installing the test-only rules of `fix_rules_pkg/` into the rule registry."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import fastapi_lint.rules as rules_package

PACKAGE_DIR = str(Path(__file__).parent / "fix_rules_pkg")
MODULE = "fastapi_lint.rules.engine_test_rules"
CODES = ("FPI990", "FPI991", "FPI992", "FPI993", "FPI994")


def install() -> None:
    if PACKAGE_DIR not in rules_package.__path__:
        rules_package.__path__.append(PACKAGE_DIR)
    rules_package.all_rules.cache_clear()


def uninstall() -> None:
    if PACKAGE_DIR in rules_package.__path__:
        rules_package.__path__.remove(PACKAGE_DIR)
    sys.modules.pop(MODULE, None)
    rules_package.all_rules.cache_clear()


@contextmanager
def installed() -> Iterator[None]:
    install()
    try:
        yield
    finally:
        uninstall()


# Runs the real command with the test rules installed (for subprocess CLI tests).
CLI_SCRIPT = (
    "import sys; sys.path.insert(0, {tests!r}); import fix_test_rules; fix_test_rules.install(); "
    "from fastapi_lint.cli import main; sys.exit(main(sys.argv[1:]))"
).format(tests=str(Path(__file__).parent))
