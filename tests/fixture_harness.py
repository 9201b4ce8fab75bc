"""Fixture files as tests, in flake8-async's style.

A fixture is real-looking FastAPI code. Every line that must produce a diagnostic ends
with `# error: CODE` (several codes: `# error: FPI100, FPI120`). Every other line must
stay silent, so the `# OK` near-misses in a fixture are assertions too.

A fixture may restrict the rules it runs with a first-lines header
`# fastapi-lint-test: select=FPI100,FPI120`; by default every rule runs, so a fixture
states everything the linter says about it. The header may set rule options after the
selection: `option=blocking-call-via-helper.report-every-call=true` (a TOML value).

A fixture `X.py` of a fixable rule has a snapshot `X.fixed.py` next to it: the fixture
fixed with unsafe fixes on (`tests/test_fix_snapshots.py` compares them byte for byte).
`FASTAPI_LINT_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_fix_snapshots.py` writes them;
read every snapshot it writes before you keep it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from fastapi_lint.checker import check_source

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib
from fastapi_lint.settings import Settings

SNAPSHOT_SUFFIX = ".fixed.py"

FIXTURES = Path(__file__).parent / "fixtures"
ERROR_COMMENT = re.compile(r"#\s*error:\s*(?P<codes>FPI[0-9]{3}(?:\s*,\s*FPI[0-9]{3})*)")
HEADER = re.compile(r"#\s*fastapi-lint-test:\s*select=(?P<codes>[A-Z0-9,]+(?:, *[A-Z0-9]+)*)")
# `option=rule-name.option-name=value` (a TOML value: `true`, `"auto"`), after `select=`.
OPTION = re.compile(r"\boption=(?P<rule>[a-z0-9-]+)\.(?P<name>[a-z0-9-]+)=(?P<value>\S+)")


@dataclass(frozen=True)
class Fixture:
    path: Path
    source: str

    @property
    def id(self) -> str:
        return self.path.relative_to(FIXTURES).as_posix()

    @property
    def settings(self) -> Settings:
        for line in self.source.splitlines()[:5]:
            match = HEADER.search(line)
            if match:
                codes = [c.strip() for c in match["codes"].split(",") if c.strip()]
                return Settings(select=codes, async_scope=self.async_scope, rule_options=self._options(line))
        return Settings(async_scope=self.async_scope)

    @staticmethod
    def _options(header: str) -> dict:
        options: dict = {}
        for match in OPTION.finditer(header):
            value = tomllib.loads(f"value = {match['value']}")["value"]
            options.setdefault(match["rule"], {})[match["name"]] = value
        return options

    @property
    def async_scope(self) -> str:
        # Fixtures live under `tests/`, which the async rules skip by default; a fixture
        # about test code itself (under `fixtures/test_code/`) is checked as a user's would be.
        return "application" if "test_code" in self.path.parts else "all"

    def expected(self) -> list[tuple[int, str]]:
        found = []
        for row, line in enumerate(self.source.splitlines(), start=1):
            match = ERROR_COMMENT.search(line)
            if match:
                for code in match["codes"].split(","):
                    found.append((row, code.strip()))
        return sorted(found)

    def actual(self, source: str | None = None) -> list[tuple[int, str]]:
        result = check_source(source if source is not None else self.source, str(self.path), self.settings)
        assert result.error is None, result.error
        return sorted((d.location.row, d.code) for d in result.diagnostics)

    @property
    def snapshot_path(self) -> Path:
        return self.path.with_name(self.path.name[: -len(".py")] + SNAPSHOT_SUFFIX)

    def fix(self, source: str | None = None):
        """The fixture fixed with unsafe fixes on (`FixOutcome`)."""
        from fastapi_lint.fixes.engine import fix_source

        return fix_source(source if source is not None else self.source, str(self.path), self.settings, unsafe=True)

    def noqa_variant(self, bare: bool = False) -> str:
        """The fixture with every `# error: CODES` turned into a suppression comment."""
        replacement = (lambda m: "# noqa") if bare else (lambda m: f"# noqa: {m['codes']}")
        return ERROR_COMMENT.sub(replacement, self.source)


def all_fixtures() -> list[Fixture]:
    return [
        Fixture(path, path.read_text(encoding="utf-8"))
        for path in sorted(FIXTURES.rglob("*.py"))
        if not path.name.endswith(SNAPSHOT_SUFFIX) and "projects" not in path.relative_to(FIXTURES).parts
    ]
