"""The FPI200, FPI300 and FPI400 fixes, run: each fixture is fixed with the engine, the
original and the fixed module are both imported, and real requests (or real models) show
what the fix changed, and that it changed nothing else.

- FPI300: every fixed POST answers 201 and OpenAPI documents 201; the routes the fix
  leaves alone still answer 200.
- FPI400: the moved route answers its requests; every other request, for every route of
  the application, gets the same answer as before the move.
- FPI200: instances still get their own, equal, default values; the JSON schema and the
  OpenAPI document change exactly as the rule's `## Fix safety` says (`"default"` goes).
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import itertools
import sys
import warnings

import pydantic
import pydantic.v1
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic_core import PydanticUndefined
from sqlmodel import SQLModel

from fastapi_lint.checker import Checker, check_source
from fastapi_lint.diagnostics import SourceLines
from fastapi_lint.fixes import Applicability
from fastapi_lint.fixes.engine import fix_source
from fastapi_lint.rules.shadowed_route import find_shadowed_routes
from fastapi_lint.semantic.fastapi_model import flatten
from fastapi_lint.semantic.paths import compile_path
from fastapi_lint.settings import Settings
from fixture_harness import FIXTURES
from test_shadowing_runtime import Client

_counter = itertools.count()


def load(text: str, tmp_path, stem: str):
    """Import `text` as a fresh module (its own name, so originals and fixes coexist)."""
    name = f"fixrt_{stem}_{next(_counter)}"
    path = tmp_path / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    tables = set(SQLModel.metadata.tables)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec.loader.exec_module(module)
    for table in set(SQLModel.metadata.tables) - tables:  # the fixed copy defines them again
        SQLModel.metadata.remove(SQLModel.metadata.tables[table])
    return module


def fix(path, code: str):
    """(original, fixed text, rows of the original whose diagnostic has a fix)."""
    source = path.read_text(encoding="utf-8")
    settings = Settings(select=[code])
    fixes = {d.location.row: d.fix for d in check_source(source, str(path), settings).diagnostics if d.fix}
    assert {f.applicability for f in fixes.values()} == {Applicability.UNSAFE}
    fixed_rows = set(fixes)
    outcome = fix_source(source, str(path), settings, unsafe=True)
    assert outcome.error is None and outcome.fixed[code] >= 1, outcome
    return source, outcome.text, fixed_rows


# ---------------------------------------------------------------------- FPI300

FPI300_CASES = {
    # fixture: (POST paths the fix makes answer 201, POST paths it leaves at 200)
    "fix_layouts.py": (
        ["/orders", "/refunds", "/invoices", "/receipts", "/coupons", "/wishlists", "/carts/", "/payments"],
        ["/baskets", "/returns"],
    ),
    "fix_http_status.py": (["/subscriptions?plan=pro"], []),
    "fix_bare_constant.py": (["/devices?serial=A1"], []),
}


@pytest.mark.parametrize("name", sorted(FPI300_CASES))
def test_fixed_post_routes_answer_201_and_document_it(name, tmp_path):
    source, fixed, _ = fix(FIXTURES / "FPI300" / name, "FPI300")
    created, untouched = FPI300_CASES[name]
    before = TestClient(load(source, tmp_path, "before").app)
    after = TestClient(load(fixed, tmp_path, "after").app)
    body = {"reference": "A-1"}
    for path in created:
        assert before.post(path, json=body).status_code == 200
        response = after.post(path, json=body)
        assert response.status_code == 201, (path, response.text)
        assert response.json() == before.post(path, json=body).json()
        responses = after.app.openapi()["paths"][path.split("?")[0]]["post"]["responses"]
        assert "201" in responses and "200" not in responses
    for path in untouched:
        assert after.post(path, json=body).status_code == 200


# ---------------------------------------------------------------------- FPI400

def snapshotted(code: str) -> list:
    """The fixtures of `code` that its fixes change (they have a `.fixed.py` snapshot)."""
    return sorted(
        p for p in (FIXTURES / code).glob("*.py")
        if not p.name.endswith(".fixed.py") and p.with_name(p.stem + ".fixed.py").exists()
    )


FPI400_FIXED = snapshotted("FPI400")


def analyse(text: str):
    tree = ast.parse(text)
    checker = Checker(tree, SourceLines(text), "app.py", [], Settings())
    checker.run()
    return tree, checker.model


def served_name(module) -> str:
    """The application the module serves (a router module: its router, served on its own)."""
    return "app" if isinstance(getattr(module, "app", None), FastAPI) else "router"


def served_root(model, tree: ast.Module, name: str):
    """The analysed object bound to `name` at module level."""
    for statement in tree.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return next(obj for obj in model.routers if obj.node is statement.value)
    raise AssertionError(name)


@pytest.mark.parametrize("path", FPI400_FIXED, ids=[p.name for p in FPI400_FIXED])
def test_moved_routes_answer_and_every_other_request_is_answered_as_before(path, tmp_path):
    source, fixed, fixed_rows = fix(path, "FPI400")
    tree, model = analyse(source)
    findings = find_shadowed_routes(model, tree)
    moved = [f for f in findings if f.route.node.lineno in fixed_rows]
    assert len(moved) == len(fixed_rows)
    # The fixed file reports exactly the routes the fix could not move.
    fixed_tree, fixed_model = analyse(fixed)
    labels = sorted(f.route.label for f in find_shadowed_routes(fixed_model, fixed_tree))
    assert labels == sorted(f.route.label for f in findings if f not in moved)

    before_module, after_module = load(source, tmp_path, "before"), load(fixed, tmp_path, "after")
    name = served_name(before_module)
    before, after = Client(getattr(before_module, name)), Client(getattr(after_module, name))
    for finding in moved:
        key = sorted(finding.methods)[0]
        handler = finding.route.route.handler_name
        assert handler not in before.answer(key, finding.example)[1:]
        assert after.answer(key, finding.example)[1:] == (handler, handler)

    # The requests the move is meant to change: the moved route's paths, for the methods
    # it lost. Everything else (its other methods included) must be answered as before.
    given_back = [(compile_path(f.route.path), {m for _, m in f.methods}) for f in moved]
    compared = 0
    for resolved in flatten(served_root(model, tree, name)):
        if resolved.route is None or resolved.kind != "http":
            continue
        pattern = compile_path(resolved.path)
        samples = {pattern.sample, pattern.sample.replace("x", "7")}
        samples |= {f.example for f in moved}  # the moved routes' paths, for every method
        for method in sorted(resolved.methods):
            for request_path in sorted(samples):
                if any(p.matches(request_path) and method in lost for p, lost in given_back):
                    continue
                key = ("http", method)
                assert outcome(after, key, request_path) == outcome(before, key, request_path), request_path
                compared += 1
    assert compared > 0


def outcome(client: Client, key, path: str):
    """What the client sees. A 405 is nobody's answer: which route's path matched (what the
    router leaves in the scope) does not matter then."""
    status, endpoint, said = client.answer(key, path)
    return (status, None if status == 405 else endpoint, said)


def test_fastapi_resolves_route_annotations_when_the_decorator_runs_even_when_lazy(tmp_path):
    """Why FPI400's fix never moves a route above a class its annotations name, even under
    `from __future__ import annotations`: FastAPI resolves them at registration."""
    source = (
        "from __future__ import annotations\n"
        "from fastapi import FastAPI\n"
        "from pydantic import BaseModel\n"
        "app = FastAPI()\n"
        "@app.get('/item')\n"
        "async def read_item() -> Item:\n"
        "    return Item(name='x')\n"
        "class Item(BaseModel):\n"
        "    name: str\n"
    )
    client = TestClient(load(source, tmp_path, "lazy").app, raise_server_exceptions=False)
    assert client.get("/item").status_code == 500
    in_order = source.replace("@app.get('/item')\nasync def read_item() -> Item:\n    return Item(name='x')\n", "")
    in_order += "@app.get('/item')\nasync def read_item() -> Item:\n    return Item(name='x')\n"
    assert TestClient(load(in_order, tmp_path, "lazy_ok").app).get("/item").json() == {"name": "x"}


# ---------------------------------------------------------------------- FPI200

FPI200_FIXED = snapshotted("FPI200")


def fixed_fields(source: str, rows: set[int]) -> dict[str, set[str]]:
    """Class qualname -> the fields whose defaults the fix rewrote."""
    found: dict[str, set[str]] = {}

    def visit(body, prefix):
        for node in body:
            if isinstance(node, ast.ClassDef):
                qualname = prefix + node.name
                for statement in node.body:
                    if isinstance(statement, ast.AnnAssign) and statement.lineno in rows:
                        found.setdefault(qualname, set()).add(statement.target.id)
                visit(node.body, qualname + ".")

    visit(ast.parse(source).body, "")
    return found


def resolve(module, qualname: str):
    obj = module
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def instance(model):
    """A validated instance when the model has no required field, else a constructed one."""
    try:
        return model()
    except (pydantic.ValidationError, pydantic.v1.ValidationError):
        return model.model_construct() if issubclass(model, pydantic.BaseModel) else model.construct()


def properties(model) -> dict:
    if issubclass(model, pydantic.BaseModel):
        schema = model.model_json_schema()
    else:  # pydantic.v1
        schema = model.schema()
    definitions = schema.pop("$defs", None) or schema.pop("definitions", None) or {}
    if "$ref" in schema:  # a recursive model: its schema is a definition
        schema = definitions[schema["$ref"].rsplit("/", 1)[1]]
    return schema.get("properties", {"<root>": schema})


@pytest.mark.parametrize("path", FPI200_FIXED, ids=[p.name for p in FPI200_FIXED])
def test_instances_keep_their_own_values_and_only_the_schema_default_goes(path, tmp_path):
    source, fixed, rows = fix(path, "FPI200")
    fields = fixed_fields(source, rows)
    assert sum(map(len, fields.values())) == len(rows)
    before, after = load(source, tmp_path, "before"), load(fixed, tmp_path, "after")
    for qualname, names in fields.items():
        old, new = resolve(before, qualname), resolve(after, qualname)
        v1 = not issubclass(new, pydantic.BaseModel)
        first, second, expected = instance(new), instance(new), instance(old)
        for name in names:
            value = getattr(first, name)
            assert value == getattr(expected, name) and type(value) is type(getattr(expected, name))
            assert value is not getattr(second, name)
            if not v1:
                assert new.model_fields[name].default is PydanticUndefined
                assert new.model_fields[name].default_factory is not None
        # The schema: the same, without `default` for the rewritten fields (inherited too).
        rewritten = set().union(
            *(fields.get(k.__qualname__, set()) for k in old.__mro__ if k.__module__ == before.__name__)
        )
        old_properties = copy.deepcopy(properties(old))
        for name in rewritten:
            old_properties["<root>" if name == "root" else name].pop("default", None)
        assert properties(new) == old_properties


def test_openapi_loses_the_default_and_responses_stay_the_same(tmp_path):
    source, fixed, _ = fix(FIXTURES / "FPI200" / "fix_field_import.py", "FPI200")
    before, after = TestClient(load(source, tmp_path, "before").app), TestClient(load(fixed, tmp_path, "after").app)
    old = before.app.openapi()["components"]["schemas"]["Message"]["properties"]
    new = after.app.openapi()["components"]["schemas"]["Message"]["properties"]
    assert old["recipients"]["default"] == [] and "default" not in new["recipients"]
    assert {k for k in old if old[k] != new.get(k)} == {
        "recipients", "headers", "matrix", "flags", "attachments"  # word_counts had no default shown
    }
    assert after.post("/messages", json={}).json() == before.post("/messages", json={}).json()


def test_pydantic_v1_exclude_defaults_keeps_a_factory_field(tmp_path):
    """The `## Fix safety` caveat for `pydantic.v1` models, shown."""
    source, fixed, _ = fix(FIXTURES / "FPI200" / "fix_field_spellings.py", "FPI200")
    before, after = load(source, tmp_path, "before"), load(fixed, tmp_path, "after")
    assert before.LegacyAddress().dict(exclude_defaults=True) == {}
    assert after.LegacyAddress().dict(exclude_defaults=True) == {"lines": []}
