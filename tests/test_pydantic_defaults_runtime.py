"""FPI200's docs, checked against real Pydantic, pydantic-settings and SQLModel (FACTS.md).

The rule says: on Pydantic models a `[]` default is copied per instance (not a shared-state
bug), the same default is a real bug in a plain class and an error in a dataclass, and
`Field(default_factory=list)` changes the JSON schema. Each claim is run here, on the same
source that the rule is asserted to flag.
"""


import dataclasses

import pydantic
import pydantic.dataclasses
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings

MODELS_SOURCE = '''
from typing import Optional

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings
from sqlmodel import JSON, Column, SQLModel
from sqlmodel import Field as SQLField


class Dimensions(BaseModel):
    sizes: list[int] = []


class Item(BaseModel):
    tags: list[str] = []
    attributes: dict[str, str] = {}
    colors: set[str] = set()
    history: list[str] = Field(default=[])
    dimensions: Dimensions = Dimensions()


class AppSettings(BaseSettings):
    allowed_hosts: list[str] = []
    feature_flags: dict[str, bool] = {}


class HeroBase(SQLModel):
    powers: list[str] = []


class FPI200RuntimeHero(SQLModel, table=True):
    id: Optional[int] = SQLField(default=None, primary_key=True)
    powers: list[str] = SQLField(default=[], sa_column=Column(JSON))
    meta: dict = SQLField(default={}, sa_column=Column(JSON))
'''

EXPECTED_FLAGS = {
    ("Dimensions", "sizes"),
    ("Item", "tags"),
    ("Item", "attributes"),
    ("Item", "colors"),
    ("Item", "history"),
    ("AppSettings", "allowed_hosts"),
    ("AppSettings", "feature_flags"),
    ("HeroBase", "powers"),
    ("FPI200RuntimeHero", "powers"),
    ("FPI200RuntimeHero", "meta"),
}

FPI200 = Settings(select=["FPI200"])


@pytest.fixture(scope="module")
def models() -> dict:
    namespace: dict = {}
    exec(compile(MODELS_SOURCE, "models.py", "exec", dont_inherit=True), namespace)
    return namespace


def flagged_fields(source: str) -> set[tuple[str, str]]:
    """(class, field) for every FPI200 diagnostic, found from the reported line."""
    result = check_source(source, "models.py", FPI200)
    assert result.error is None
    lines = source.splitlines()
    found = set()
    for diagnostic in result.diagnostics:
        row = diagnostic.location.row
        field_name = lines[row - 1].split(":")[0].strip()
        class_line = next(line for line in reversed(lines[:row]) if line.startswith("class "))
        found.add((class_line.split()[1].split("(")[0], field_name))
    return found


def test_the_rule_flags_every_mutable_default_in_the_source(models: dict) -> None:
    assert flagged_fields(MODELS_SOURCE) == EXPECTED_FLAGS


def test_the_rule_is_outside_the_default_selection_but_any_written_selector_enables_it() -> None:
    assert check_source(MODELS_SOURCE, "models.py", Settings()).diagnostics == []
    written = check_source(MODELS_SOURCE, "models.py", Settings(select=["FPI"])).diagnostics
    assert {d.code for d in written} == {"FPI200"}


def test_base_model_defaults_are_not_shared(models: dict) -> None:
    first, second = models["Item"](), models["Item"]()
    first.tags.append("sale")
    first.attributes["color"] = "red"
    first.colors.add("red")
    first.history.append("created")
    first.dimensions.sizes.append(3)
    assert second.tags == [] and second.attributes == {} and second.colors == set()
    assert second.history == [] and second.dimensions.sizes == []
    assert models["Item"]().tags == []


def test_model_construct_does_not_share_defaults_either(models: dict) -> None:
    first, second = models["Item"].model_construct(), models["Item"].model_construct()
    first.tags.append("sale")
    assert second.tags == []


def test_base_settings_defaults_are_not_shared(models: dict) -> None:
    first, second = models["AppSettings"](), models["AppSettings"]()
    first.allowed_hosts.append("example.com")
    first.feature_flags["beta"] = True
    assert second.allowed_hosts == [] and second.feature_flags == {}


@pytest.mark.parametrize("model", ["HeroBase", "FPI200RuntimeHero"])
def test_sqlmodel_defaults_are_not_shared(models: dict, model: str) -> None:
    first, second = models[model](), models[model]()
    first.powers.append("flight")
    assert second.powers == []
    assert first.powers is not second.powers


def test_request_bodies_do_not_share_defaults_in_a_fastapi_app(models: dict) -> None:
    app = FastAPI()
    item_model = models["Item"]

    @app.post("/items/")
    def append_tag(item: item_model):  # type: ignore[valid-type]
        item.tags.append("seen")
        return item

    client = TestClient(app)
    for _ in range(3):
        assert client.post("/items/", json={}).json()["tags"] == ["seen"]


def test_a_plain_class_shares_the_same_default() -> None:
    source = "class Options:\n    tags: list[str] = []\n"
    namespace: dict = {}
    exec(source, namespace)
    first, second = namespace["Options"](), namespace["Options"]()
    first.tags.append("x")
    assert second.tags == ["x"]  # the portability hazard the docs describe
    assert check_source(source, "plain.py", FPI200).diagnostics == []  # not a model: not FPI200


@pytest.mark.parametrize("decorator", [dataclasses.dataclass, pydantic.dataclasses.dataclass])
def test_dataclasses_reject_a_list_default(decorator) -> None:
    class Options:
        tags: list[str] = []

    with pytest.raises(ValueError, match="mutable default"):
        decorator(Options)


def test_default_factory_removes_the_default_from_the_schema_and_openapi() -> None:
    class WithLiteral(BaseModel):
        tags: list[str] = []

    class WithFactory(BaseModel):
        tags: list[str] = Field(default_factory=list)

    assert WithLiteral.model_json_schema()["properties"]["tags"]["default"] == []
    assert "default" not in WithFactory.model_json_schema()["properties"]["tags"]

    app = FastAPI()

    @app.post("/literal/")
    def literal(body: WithLiteral) -> None:
        return None

    @app.post("/factory/")
    def factory(body: WithFactory) -> None:
        return None

    schemas = TestClient(app).get("/openapi.json").json()["components"]["schemas"]
    assert schemas["WithLiteral"]["properties"]["tags"]["default"] == []
    assert "default" not in schemas["WithFactory"]["properties"]["tags"]
    # Both still start empty at runtime: only the documentation differs.
    assert WithLiteral().tags == WithFactory().tags == []


def test_the_suggested_fix_is_silent_and_behaves_the_same(models: dict) -> None:
    fixed = (
        "from pydantic import BaseModel, Field\n\n\n"
        "class Item(BaseModel):\n"
        "    tags: list[str] = Field(default_factory=list)\n"
        "    attributes: dict[str, str] = Field(default_factory=dict)\n"
    )
    assert check_source(fixed, "fixed.py", FPI200).diagnostics == []
    namespace: dict = {}
    exec(fixed, namespace)
    first, second = namespace["Item"](), namespace["Item"]()
    first.tags.append("x")
    assert second.tags == [] and models["Item"]().tags == []


def test_pydantic_v1_models_copy_defaults_too() -> None:
    v1 = pytest.importorskip("pydantic.v1")
    source = "from pydantic.v1 import BaseModel\n\n\nclass Legacy(BaseModel):\n    tags: list = []\n"
    assert len(check_source(source, "legacy.py", FPI200).diagnostics) == 1
    namespace: dict = {}
    exec(source, namespace)
    first, second = namespace["Legacy"](), namespace["Legacy"]()
    first.tags.append("x")
    assert second.tags == []
    assert v1.BaseModel is namespace["BaseModel"]


def test_final_with_a_default_is_a_shared_class_variable_not_a_field() -> None:
    # Not in FACTS.md: Pydantic >= 2.11 treats `Final[...] = default` as a class variable
    # (with a deprecation warning), so the list IS shared. It is not a field, so FPI200
    # (a field rule) stays silent, like it does for ClassVar.
    source = (
        "from typing import Final\n\nfrom pydantic import BaseModel\n\n\n"
        "class Limits(BaseModel):\n    hosts: Final[list[str]] = []\n"
    )
    assert check_source(source, "final.py", FPI200).diagnostics == []
    namespace: dict = {}
    with pytest.warns(DeprecationWarning, match="final"):
        exec(source, namespace)
    limits = namespace["Limits"]
    assert "hosts" not in limits.model_fields
    limits().hosts.append("x")
    assert limits().hosts == ["x"]


# The message names the factory the fix would write, and none where no factory written
# from the default is equivalent (a lambda would not see a class-body name, and would
# call `datetime.now()` per instance instead of once).
MESSAGE_SOURCE = '''
import datetime

from pydantic import BaseModel


class A:
    pass


class Report(BaseModel):
    class Kind:
        pass

    empty: list = []
    numbers: list = [1, 2]
    kinds: list = [Kind]
    stamps: list = [datetime.datetime.now()]
    classes: list = [A]
'''


def _messages(source: str) -> dict[int, str]:
    result = check_source(source, "report.py", Settings(select=["FPI200"]))
    return {d.location.row: d.message for d in result.diagnostics}


def test_the_message_recommends_only_a_factory_that_builds_the_same_value() -> None:
    messages = _messages(MESSAGE_SOURCE)
    assert "prefer `Field(default_factory=list)`" in messages[15]
    assert "prefer `Field(default_factory=lambda: [1, 2])`" in messages[16]
    assert "prefer `Field(default_factory=lambda: [A])`" in messages[19]  # a module-level class
    for row in (17, 18):  # a class-body name; a call that must run once
        assert "prefer a `default_factory` that builds the same value" in messages[row]
        assert "lambda" not in messages[row]


def test_the_lambdas_not_recommended_would_change_the_model() -> None:
    namespace: dict = {}
    exec(MESSAGE_SOURCE, namespace)
    report = namespace["Report"]()
    assert report.kinds == [namespace["Report"].Kind]  # the class-body name, as written
    with pytest.raises(NameError):  # `lambda: [Kind]` does not see the class body
        exec(
            "class Broken(BaseModel):\n    class Kind:\n        pass\n"
            "    kinds: list = Field(default_factory=lambda: [Kind])\nBroken()",
            {"BaseModel": BaseModel, "Field": Field},
        )
    # One timestamp computed when the class was created, the same for every instance;
    # `lambda: [datetime.datetime.now()]` would compute a new one for each.
    assert namespace["Report"]().stamps == report.stamps
    namespace2: dict = {}
    exec(
        "import datetime, time\nfrom pydantic import BaseModel, Field\n"
        "class Per(BaseModel):\n    stamps: list = Field(default_factory=lambda: [datetime.datetime.now()])\n"
        "first = Per()\ntime.sleep(0.001)\nsecond = Per()\n",
        namespace2,
    )
    assert namespace2["first"].stamps != namespace2["second"].stamps
