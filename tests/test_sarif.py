"""`--output-format sarif`, as GitHub code scanning (and any SARIF 2.1.0 reader) reads it.

Every log is validated against the official SARIF 2.1.0 JSON schema shipped in
`tests/schemas/` (nothing is downloaded at test time)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from cli_helpers import run, write
from fastapi_lint.cli import rule_documentation
from fastapi_lint.rules import all_rules

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)

# A small shop: a route whose helper, in another module, sends mail (FPI110 through two
# calls), a POST that stores a new item and answers 200 (FPI300), and a non-ASCII line.
SHOP = {
    "pyproject.toml": "[project]\nname = 'shop'\n",
    "shop/__init__.py": "",
    "shop/mailer.py": """\
        import smtplib


        def send(address: str, body: str) -> None:
            with smtplib.SMTP("mail.example.com") as server:
                server.sendmail("shop@example.com", [address], body)
        """,
    "shop/notify.py": """\
        from shop import mailer


        def welcome(address: str) -> None:
            mailer.send(address, "Welcome!")
        """,
    "shop/main.py": """\
        import asyncio
        import time

        from fastapi import FastAPI

        from shop.notify import welcome

        app = FastAPI()
        orders = {}


        @app.post("/signups")
        async def sign_up(address: str):
            await asyncio.sleep(0)
            welcome(address)
            return {"status": "registered"}


        @app.get("/café")
        async def café():
            await asyncio.sleep(0)
            note = "naïve"; time.sleep(1)
            return {"note": note}
        """,
}


def sarif(*args: str, cwd: Path) -> dict:
    result = run("--no-cache", "--output-format", "sarif", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    log = json.loads(result.stdout)
    errors = sorted(VALIDATOR.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    return log


def results_of(log: dict, rule_id: str | None = None) -> list[dict]:
    results = log["runs"][0]["results"]
    return [r for r in results if rule_id is None or r["ruleId"] == rule_id]


def location_of(result: dict) -> tuple[str, int, int]:
    physical = result["locations"][0]["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"], physical["region"]["startColumn"]


def test_the_log_is_valid_sarif_and_the_validator_would_say_otherwise(tmp_path: Path) -> None:
    write(tmp_path, {**SHOP, "shop/broken.py": "def f(:\n    pass\n"})
    log = sarif(cwd=tmp_path)
    assert log["version"] == "2.1.0"
    assert {r["ruleId"] for r in results_of(log)} >= {"FPI101", "FPI110", "syntax-error"}
    # The schema is really enforced: a log with a 0-based line or a result without a
    # message is refused.
    broken = copy.deepcopy(log)
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert list(VALIDATOR.iter_errors(broken))
    del broken["runs"][0]["results"][1]["message"]
    assert len(list(VALIDATOR.iter_errors(broken))) >= 2


def test_the_driver_lists_every_rule_with_its_documentation(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "x = 1\n"})
    log = sarif(cwd=tmp_path)
    assert results_of(log) == []
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "fastapi-lint"
    assert driver["version"]
    by_id = {rule["id"]: rule for rule in driver["rules"]}
    rules = {rule.code: rule for rule in all_rules()}
    assert set(by_id) == {*rules, "syntax-error", "io-error"}
    for code, rule in rules.items():
        descriptor = by_id[code]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary()
        # The help is the rule's page, as `fastapi-lint rule CODE` prints it.
        assert descriptor["help"]["markdown"] == rule_documentation(rule).rstrip("\n")
        assert descriptor["defaultConfiguration"]["level"] == "error"
        assert descriptor["defaultConfiguration"]["enabled"] is rule.default_enabled
    assert by_id["FPI121"]["defaultConfiguration"]["enabled"] is False
    assert "helpUri" not in by_id["FPI100"]  # no published docs and no repository URL yet


def test_help_uri_points_at_the_rule_page_of_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi_lint import sarif as sarif_module

    monkeypatch.setattr(sarif_module, "_project_urls", lambda: {"repository": "https://example.org/team/fastapi-lint"})
    descriptor = next(d for d in sarif_module.rule_descriptors() if d["id"] == "FPI400")
    assert descriptor["helpUri"] == "https://example.org/team/fastapi-lint/blob/main/docs/rules/shadowed-route.md"
    assert sarif_module.information_uri() == "https://example.org/team/fastapi-lint"


def test_results_name_their_rule_by_id_and_index(tmp_path: Path) -> None:
    write(tmp_path, SHOP)
    log = sarif(cwd=tmp_path)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert results_of(log)
    for result in results_of(log):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "error"


def test_locations_are_relative_to_the_repository_with_character_columns(tmp_path: Path) -> None:
    write(tmp_path, SHOP)
    (tmp_path / ".git").mkdir()  # the repository root, above the directory checked from
    log = sarif(".", cwd=tmp_path / "shop")
    assert log["runs"][0]["columnKind"] == "unicodeCodePoints"
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    concise = run("--no-cache", "--select", "FPI101", ".", cwd=tmp_path / "shop").stdout
    [sleep] = results_of(log, "FPI101")
    uri, line, column = location_of(sleep)
    assert sleep["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert uri == "shop/main.py"
    assert f"main.py:{line}:{column}: FPI101" in concise
    text = (tmp_path / uri).read_text(encoding="utf-8").splitlines()[line - 1]
    # Column 23 counts the `ï` as one character (its UTF-8 bytes would make it 24).
    assert text[column - 1:].startswith("time.sleep(1)")
    region = sleep["locations"][0]["physicalLocation"]["region"]
    assert text[region["startColumn"] - 1:region["endColumn"] - 1] == "time.sleep(1)"


def test_fingerprints_survive_unrelated_edits_and_follow_the_line(tmp_path: Path) -> None:
    write(tmp_path, SHOP)
    before = results_of(sarif(cwd=tmp_path), "FPI101")[0]
    main = tmp_path / "shop" / "main.py"
    text = main.read_text(encoding="utf-8")
    # Lines added above it: the same alert, on another line.
    main.write_text('"""The shop."""\n\n# Routes.\n' + text, encoding="utf-8")
    after = results_of(sarif(cwd=tmp_path), "FPI101")[0]
    assert location_of(after)[1] == location_of(before)[1] + 3
    assert after["partialFingerprints"] == before["partialFingerprints"]
    # A different line is a different alert.
    main.write_text(text.replace("time.sleep(1)", "time.sleep(2)"), encoding="utf-8")
    changed = results_of(sarif(cwd=tmp_path), "FPI101")[0]
    assert changed["partialFingerprints"] != before["partialFingerprints"]


def test_identical_lines_get_distinct_fingerprints(tmp_path: Path) -> None:
    route = """

@app.get("/{n}")
async def page_{n}():
    await asyncio.sleep(0)
    time.sleep(1)
    return {{}}
"""
    source = "import asyncio\nimport time\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n"
    write(tmp_path, {"app.py": source + "".join(route.format(n=n) for n in range(3))})
    prints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results_of(sarif(cwd=tmp_path), "FPI101")]
    assert len(prints) == 3 and len(set(prints)) == 3
    assert len({p.split(":")[0] for p in prints}) == 1  # same line text, occurrences 1, 2, 3
    assert sorted(p.split(":")[1] for p in prints) == ["1", "2", "3"]


def apply_replacements(text: str, fix: dict) -> str:
    """Apply a SARIF fix the way a SARIF viewer would: regions in lines and characters."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    [change] = fix["artifactChanges"]
    spans = []
    for replacement in change["replacements"]:
        region = replacement["deletedRegion"]
        spans.append((offset(region["startLine"], region["startColumn"]),
                      offset(region["endLine"], region["endColumn"]), replacement["insertedContent"]["text"]))
    for begin, end, content in sorted(spans, reverse=True):
        text = text[:begin] + content + text[end:]
    return text


def test_a_fix_applied_from_sarif_matches_fastapi_lint_fix(tmp_path: Path) -> None:
    write(tmp_path, SHOP)
    main = tmp_path / "shop" / "main.py"
    original = main.read_text(encoding="utf-8").replace("import asyncio\n", "", 1).replace(
        "    await asyncio.sleep(0)\n", "", 1
    )
    main.write_text(original, encoding="utf-8")
    [chain] = results_of(sarif("--select", "FPI110", cwd=tmp_path), "FPI110")
    [fix] = chain["fixes"]
    assert fix["properties"]["applicability"] == "unsafe"
    assert fix["artifactChanges"][0]["artifactLocation"]["uri"] == "shop/main.py"
    from_sarif = apply_replacements(original, fix)
    assert "import asyncio" in from_sarif  # the import the fix needs is one of its replacements
    fixed = run("--no-cache", "--select", "FPI110", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert main.read_text(encoding="utf-8") == from_sarif


def test_the_helper_chain_is_a_code_flow(tmp_path: Path) -> None:
    write(tmp_path, SHOP)
    [chain] = results_of(sarif(cwd=tmp_path), "FPI110")
    [flow] = chain["codeFlows"]
    steps = [step["location"] for step in flow["threadFlows"][0]["locations"]]
    where = [
        (s["physicalLocation"]["artifactLocation"]["uri"], s["physicalLocation"]["region"]["startLine"],
         s["physicalLocation"]["region"]["startColumn"])
        for s in steps
    ]
    # The route's call, the helper's call of `mailer.send`, and the blocking `smtplib.SMTP`.
    assert where == [location_of(chain), ("shop/notify.py", 5, 5), ("shop/mailer.py", 5, 10)]
    assert location_of(chain)[0] == "shop/main.py"
    assert [s["message"]["text"] for s in steps[1:]] == ["calls `mailer.send`", "calls `smtplib.SMTP`"]


def test_a_file_that_does_not_parse_is_a_result(tmp_path: Path) -> None:
    write(tmp_path, {"ok.py": "x = 1\n", "broken.py": "x = 1\ndef f(:\n    pass\n"})
    log = sarif(cwd=tmp_path)
    [error] = results_of(log)
    assert error["ruleId"] == "syntax-error"
    assert location_of(error)[:2] == ("broken.py", 2)
    assert error["message"]["text"].startswith("SyntaxError")
    assert "fixes" not in error


def test_a_missing_path_is_an_io_error_result(tmp_path: Path) -> None:
    log = sarif("missing.py", cwd=tmp_path)
    [error] = results_of(log)
    assert error["ruleId"] == "io-error"
    assert location_of(error)[0] == "missing.py"


def test_stdin_gets_sarif_too(tmp_path: Path) -> None:
    source = (tmp_path / "x.py")
    write(tmp_path, {"x.py": SHOP["shop/main.py"]})
    result = run("--no-cache", "--output-format", "sarif", "--select", "FPI101", "--stdin-filename", "app/main.py",
                 cwd=tmp_path, input=source.read_text(encoding="utf-8"))
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    assert not list(VALIDATOR.iter_errors(log))
    [sleep] = results_of(log)
    assert location_of(sleep)[0] == "app/main.py"
    assert sleep["partialFingerprints"]["primaryLocationLineHash"].endswith(":1")
