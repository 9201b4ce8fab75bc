"""FPI300's evidence of creation, kind by kind (`fastapi_lint/rules/_creation_evidence.py`).

Each case is the body of a POST handler `create_thing`; the module around it has a
SQLAlchemy session dependency, an imported `crud` module and a module-level store, as a
small FastAPI app does. The fixtures in `tests/fixtures/FPI300/` show the same kinds in
realistic apps; these tests pin down each one on its own, and what is *not* evidence.
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from fastapi_lint.checker import Checker
from fastapi_lint.diagnostics import SourceLines
from fastapi_lint.rules._creation_evidence import CreationEvidence
from fastapi_lint.rules.post_route_without_201 import DEFAULT_ACTION_WORDS
from fastapi_lint.settings import Settings

PRELUDE = """\
import asyncio
import sqlite3
import uuid
from uuid import uuid4

from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from app import crud, tasks
from app.db import get_db
from app.queue import queue

app = FastAPI()
store: dict[str, dict] = {}
rows: list[dict] = []
"""


def evidence(body: str, helpers: str = ""):
    """(own, deferred) evidence of `create_thing` with `body`, as (what, strong) pairs."""
    handler = (
        "@app.post('/things')\n"
        "async def create_thing(thing: dict, background_tasks: BackgroundTasks, db: Session = Depends(get_db)):\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
    )
    source = PRELUDE + "\n\n" + textwrap.dedent(helpers) + "\n\n" + handler
    tree = ast.parse(source)
    checker = Checker(tree, SourceLines(source), "app.py", [], Settings(select=["FPI300"]))
    checker.run()
    [route] = checker.model.routes
    actions = set(DEFAULT_ACTION_WORDS)
    found = CreationEvidence(checker.model, lambda word: word in actions or word.rstrip("s") in actions).of(
        route.handler
    )
    return [(e.describe(), e.strong) for e in found.own], [(e.describe(), e.strong) for e in found.deferred]


STRONG = {
    "session.add": ("db.add(thing)\ndb.commit()", "`db.add()`"),
    "add_all": ("db.add_all([thing])", "`db.add_all()`"),
    "motor insert_one": ("await db['things'].insert_one(thing)", "`db['things'].insert_one()`"),
    "beanie insert": ("doc = Thing(**thing)\nawait doc.insert()", "`doc.insert()`"),
    "bulk_create": ("Thing.objects.bulk_create([thing])", "`Thing.objects.bulk_create()`"),
    "put_item": ("table.put_item(Item=thing)", "`table.put_item()`"),
    "sqlalchemy insert()": ("db.execute(insert(Thing).values(**thing))", "`insert()`"),
    "INSERT string": ("db.execute('INSERT INTO things (name) VALUES (?)', (thing['name'],))", "an `INSERT` statement"),
    "INSERT f-string": ("db.execute(f'insert into {TABLE} (name) values (?)', ('x',))", "an `INSERT` statement"),
    "INSERT OR REPLACE": ("db.execute('INSERT OR REPLACE INTO t VALUES (1)')", "an `INSERT` statement"),
}


@pytest.mark.parametrize("body, what", STRONG.values(), ids=STRONG)
def test_persistence_calls_are_strong_evidence(body: str, what: str) -> None:
    own, deferred = evidence(body)
    assert (what, True) in own and deferred == []


ORDINARY = {
    "orm create": ("return await Thing.objects.create(**thing)", "`Thing.objects.create()`"),
    "repository create": ("return repo.create(thing)", "`repo.create()`"),
    "odm save": ("await engine.save(thing)", "`engine.save()`"),
    "crud function": ("return crud.create_thing(db, thing)", "`crud.create_thing()`"),
    "service method": ("return await service.create_order(thing)", "`service.create_order()`"),
    "verb after a namespace": ("rpc._rpc_add_lock(thing)", "`rpc._rpc_add_lock()`"),
    "get or create": ("return crud.get_or_create_thing(db, thing)", "`crud.get_or_create_thing()`"),
    "register_": ("register_device(thing)", "`register_device()`"),
    "module dict store": ("store[thing['id']] = thing", "`store[...] = ...`"),
    "module list append": ("rows.append(thing)", "`rows.append()`"),
    "generated id, dict": ("return {'id': str(uuid4()), **thing}", "a returned `id` it generates"),
    "generated id, model": ("return Thing(id=uuid.uuid4(), **thing)", "a returned `id` it generates"),
    "generated id via a name": (
        "new_id = len(store) + 1\nthing_out = {'id': new_id, **thing}\nreturn thing_out",
        "a returned `id` it generates",
    ),
}


@pytest.mark.parametrize("body, what", ORDINARY.values(), ids=ORDINARY)
def test_other_evidence_is_ordinary(body: str, what: str) -> None:
    own, _ = evidence(body)
    assert own == [(what, False)]


NOT_EVIDENCE = {
    "echo": "return thing",
    "echo dumped": "return Thing(**thing).model_dump()",
    "echo with a computed field": "out = dict(thing)\nout.update({'total': 1 + 2})\nreturn out",
    "body id echoed": "return {'id': thing['id'], **thing}",
    "local list and set": "names = []\nnames.append(thing)\nseen = set()\nseen.add(1)\nreturn names",
    "commit alone": "db.commit()\nreturn thing",
    "an UPDATE": "db.execute(update(Thing).values(**thing))\ndb.commit()",
    "SELECT string": "return db.execute('SELECT * FROM things').fetchall()",
    "a token": "return {'access_token': create_access_token({'sub': thing['name']})}",
    "infrastructure": "engine = create_engine('sqlite://')\napp.add_middleware(Thing)\nreturn {}",
    "a class named Add...": "return AddThingResponse(ok=True)",
    "a question": "if crud.can_create_thing(db):\n    return thing",
    "stdlib": "conn = sqlite3.connect('x')\nreturn {}",
    "counter increment": "store['hits'] += 1\nreturn thing",
    "a chat completion": "return client.chat.completions.create(model='m', messages=[])",
    "docstring with INSERT": "'''Like INSERT INTO things, but nothing is stored.'''\nreturn thing",
}


@pytest.mark.parametrize("body", NOT_EVIDENCE.values(), ids=NOT_EVIDENCE)
def test_echoes_and_lookalikes_are_not_evidence(body: str) -> None:
    assert evidence(body) == ([], [])


def test_same_module_helpers_decide_by_their_body_not_their_name() -> None:
    helpers = """
    def create_thing_record(thing):  # named like a creation, stores nothing
        return dict(thing)


    def persist(db, thing):
        db.add(thing)
    """
    assert evidence("return create_thing_record(thing)", helpers) == ([], [])
    assert evidence("persist(db, thing)", helpers) == ([("`db.add()` in `persist()`", True)], [])


def test_helpers_are_followed_three_calls_deep_then_judged_by_name() -> None:
    helpers = """
    def level3(db, thing):
        db.add(thing)


    def level2(db, thing):
        level3(db, thing)


    def level1(db, thing):
        level2(db, thing)


    def add_deep(db, thing):
        level1(db, thing)
    """
    assert evidence("level1(db, thing)", helpers)[0] == [("`db.add()` in `level3()`", True)]
    # One more call and `level3` is past the limit: its name (not a creation) decides.
    assert evidence("add_deep(db, thing)", helpers)[0] == []


def test_recursive_helpers_end() -> None:
    helpers = """
    def ping(n):
        return pong(n - 1) if n else 0


    def pong(n):
        return ping(n)
    """
    assert evidence("return ping(3)", helpers) == ([], [])


DEFERRED = {
    "add_task by reference": ("background_tasks.add_task(save_thing, thing)", "`save_thing()`, which does `db.add()`"),
    "create_task of a call": ("asyncio.create_task(save_thing(thing))", "`save_thing()`, which does `db.add()`"),
    "celery delay": ("tasks.create_thing.delay(thing)", "`tasks.create_thing()`"),
    "celery apply_async": ("tasks.create_thing.apply_async(args=[thing])", "`tasks.create_thing()`"),
    "rq enqueue": ("queue.enqueue(crud.create_thing, thing)", "`crud.create_thing()`"),
}
SAVE_THING = """
def save_thing(thing):
    db = next(get_db())
    db.add(thing)
"""


@pytest.mark.parametrize("body, what", DEFERRED.values(), ids=DEFERRED)
def test_work_handed_to_a_background_task_is_deferred(body: str, what: str) -> None:
    own, deferred = evidence(body, SAVE_THING)
    assert own == [] and [w for w, _ in deferred] == [what]


def test_background_work_that_creates_nothing_is_no_evidence() -> None:
    assert evidence("background_tasks.add_task(send_email, thing['email'])") == ([], [])


def test_offloaded_and_awaited_work_is_the_handlers_own() -> None:
    own, deferred = evidence("return await run_in_threadpool(crud.create_thing, db, thing)")
    assert own == [("`crud.create_thing()`", False)] and deferred == []
    own, _ = evidence("return await asyncio.to_thread(save_thing, thing)", SAVE_THING)
    assert own == [("`db.add()` in `save_thing()`", True)]


def test_a_whole_project_run_judges_imported_functions_by_their_names(tmp_path) -> None:
    # The project summaries keep what may block, not what persists: an imported
    # `create_*` is evidence by its name, and a persisting import named otherwise is not.
    from project_harness import actual

    (tmp_path / "pyproject.toml").write_text('[tool.fastapi-lint]\nselect = ["FPI300"]\n')
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "crud.py").write_text(textwrap.dedent("""\
        def create_item(db, item):
            db.add(item)
            db.commit()
            return item


        def build_widget(db, widget):
            db.add(widget)
            db.commit()
            return widget
        """))
    (package / "main.py").write_text(textwrap.dedent("""\
        from fastapi import FastAPI

        from shop import crud
        from shop.crud import build_widget

        app = FastAPI()


        @app.post("/items")
        def create_item(item: dict):
            return crud.create_item(None, item)


        @app.post("/widgets")
        def create_widget(widget: dict):
            return build_widget(None, widget)
        """))
    assert actual(tmp_path) == [("shop/main.py", 9, "FPI300")]
