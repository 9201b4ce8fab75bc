"""FPI300: a POST route that creates a resource but answers FastAPI's default 200."""

from __future__ import annotations

import ast
from collections import Counter
from http import HTTPStatus

from ..fixes import Applicability, Fix
from ..semantic import fastapi_model as fm
from ._call_arguments import append_keyword
from ._creation_evidence import CreationEvidence, Evidence, split_words, verb_position
from ._status_codes import StatusFinder, count_names, status_spelling
from .base import Option, Rule

CREATION_VERBS = frozenset({"create", "add", "register", "new"})
# First words of a handler name that agree with a collection path (`post_item`, `items`).
_POSTING_WORDS = frozenset({"post", "save", "store", "insert", "submit", "make", "place"})
DEFAULT_ACTION_WORDS = (
    "login", "logout", "signin", "signout", "authenticate", "authorize", "token", "refresh",
    "revoke", "verify", "validate", "confirm", "reset", "check", "search", "filter", "query",
    "lookup", "send", "notify", "run", "execute", "trigger", "preview", "render", "export",
    "import", "sync", "join", "leave", "subscribe", "unsubscribe", "upload", "predict",
    "inference", "chat", "completion", "embedding", "webhook", "callback", "ping", "batch",
    "bulk", "cookie",
)
# Words ending in "s" that do not name a collection of things one creates.
_NOT_COLLECTIONS = frozenset(
    {"news", "series", "species", "settings", "preferences", "options", "stats", "details", "status"}
)
_CONJUNCTIONS = frozenset({"or", "and", "to", "then"})
_IRREGULAR_PLURALS = frozenset({"people", "children", "indices", "criteria"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class PostRouteWithout201(Rule):
    """## What it does
    Checks for POST routes that create a resource but set no status code, so FastAPI
    answers `200 OK` instead of `201 Created`.

    A POST route (`@app.post`, `api_route(..., methods=["POST"])`, `add_api_route`) is
    reported when it is named or routed like a creation *and* its handler shows that it
    creates something. Named or routed like a creation:

    - its handler is named `create_*`, `add_*`, `register_*` or `new_*`, or has one of
      these verbs after a prefix (`api_create_wallet`; not `can_create_item`); or
    - its full path (with the router prefixes and include prefixes this module shows)
      ends in a static segment that is a plural noun, such as `/items` or
      `/users/{user_id}/orders/`, and the handler's first word agrees: `post`, `save`,
      `store`, `insert`, `submit`, `make`, `place`, or the collection's name (`post_item`,
      `items`); `update_preferences` at `/preferences` is not a creation. A plural noun is
      a word ending in `s` (not in `ss`, `us`, `is` or `ics`, and not `settings`,
      `preferences`, `options`, `status`...) or `people`, `children`, `indices`,
      `criteria`; in a segment such as `api-keys` the last word counts. A path ending in a
      parameter (`/items/{item_id}`) is not a collection.

    Evidence of creation is read from what the handler does, and from what the functions
    of the same module that it calls do (up to three calls deep: their bodies decide,
    not their names):

    - a persistence call, *strong* evidence: a method `add`, `add_all`, `insert`,
      `insert_one`, `insert_many`, `bulk_create`, `bulk_save_objects`,
      `bulk_insert_mappings`, `put_item` or `persist` (`session.add(hero)`,
      `await db["students"].insert_one(doc)`), an imported `insert(...)`
      (`session.execute(insert(User).values(...))`), or an `INSERT INTO` SQL string;
    - a method `create` or `save` (`User.objects.create(...)`, `repo.create(...)`,
      `await engine.save(tree)`);
    - a call of a function or method defined elsewhere whose name has the verb `create`,
      `add`, `insert`, `save` or `register` followed by what it makes
      (`crud.create_user(db, user)`, `service.create_order(...)`, `rpc._rpc_add_lock(...)`),
      unless that is infrastructure (`create_engine`, `add_middleware`, `create_all`...),
      a question (`can_create_item`), a class (`AddCardResponse(...)`), an action
      (`create_access_token`, see Options), or a function of the standard library,
      FastAPI, Starlette, Pydantic, SQLAlchemy or SQLModel. A whole-project run judges
      imported functions by their names too (it does not look inside them);
    - a store into a module-level collection (`fake_db[item.id] = item`,
      `items.append(item)`): the in-memory database of small apps and tutorials;
    - a returned value built with an identifier the handler generates: a key or keyword
      `id`, `_id`, `uuid` or `pk` whose value comes from `uuid4()`, `ulid()`,
      `ObjectId()`, `token_hex()`, `token_urlsafe()`, `next(...)` or `... + 1`
      (`return Item(id=uuid4(), **item.model_dump())`).

    Not evidence: returning the request body (`return item`, `item.model_dump()`,
    `dict(item)`, the body with a computed field added), filling local lists or sets,
    `commit()` or `execute()` alone (an `UPDATE` creates nothing), building a model.

    An *action word* (see Options; plurals match too) among the words of the handler
    name or of the last path segment makes the route an action: `create_access_token`
    at `/token`, `POST /items/{item_id}/actions/run` and `create_upload_files` are not
    reported, unless the handler shows strong evidence: `create_query` at `/queries`
    doing `db.add(query)` does create a query.

    A creation handed to background work (`background_tasks.add_task(save_report, report)`,
    `asyncio.create_task(store(...))`, a Celery task's `.delay(...)` or
    `.apply_async(...)`, `queue.enqueue(...)`), with no evidence in the handler's own
    work, is reported with `202 Accepted` instead of 201: the resource does not exist yet
    when the response is sent. Background work that creates nothing (sending an email)
    is not evidence. Work offloaded and awaited
    (`await run_in_threadpool(crud.create_item, db, item)`) is the handler's own.

    The route is not reported when the module shows that it sets a status code:
    `status_code=` in the decorator (any value, any spelling: `201`,
    `status.HTTP_201_CREATED`, `HTTP_201_CREATED`, `HTTPStatus.CREATED`), `**kwargs` in
    the decorator, `response.status_code = ...` in the handler, a Starlette/FastAPI
    response built with a status code (keyword or positional) in the handler or in a
    same-module helper whose call the handler returns, or a returned redirect. Nor is a
    handler that renders a page (`return templates.TemplateResponse(...)`): a browser's
    form post expects a page or a redirect back, not a 201. A status
    code known to be an error (`409`, `status.HTTP_409_CONFLICT`) does not count: set in an
    error branch, it leaves the success path at 200. Webhooks (`app.webhooks.post`,
    `FastAPI(webhooks=router)`) and routers used as `callbacks=router.routes` only
    document an API, they are not served, and are skipped; so are Starlette-style
    `@app.route(...)` routes, which take no `status_code=` and are not in OpenAPI.

    ## Why is this bad?
    `@app.post` answers 200 unless `status_code=` is given. For an endpoint that creates
    a resource, HTTP says `201 Created`, and clients, SDK generators and API gateways
    use the code to tell "created" from "processed". Declaring `status_code=201` also
    documents 201 in the OpenAPI schema. For a creation left to a background task, HTTP
    says `202 Accepted`: the request was accepted, the work is not done yet.

    Not every POST creates something: login, token, search, validate, send, run and
    other actions rightly answer 200, and many handlers (FastAPI's own tutorial
    snippets among them) only echo their body back. That is why the rule asks for both a
    creation's name and evidence of one in what the handler does. Changing a status code
    is a contract change for existing clients (a client checking `== 200` will break),
    so fix new endpoints freely and existing ones deliberately.

    A handler that returns its own `Response`/`JSONResponse` sends that response's
    status code and ignores the decorator's `status_code` at runtime (OpenAPI still shows
    the decorator's code), so there the status code must be passed to the response.

    ## Example
    ```python
    from fastapi import Depends, FastAPI
    from sqlmodel import Field, Session, SQLModel, create_engine

    engine = create_engine("sqlite:///database.db")
    app = FastAPI()


    class Hero(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str


    def get_session():
        with Session(engine) as session:
            yield session


    @app.post("/heroes/")
    def create_hero(hero: Hero, session: Session = Depends(get_session)) -> Hero:
        session.add(hero)
        session.commit()
        session.refresh(hero)
        return hero
    ```

    Use instead:
    ```python
    from fastapi import Depends, FastAPI, status
    from sqlmodel import Field, Session, SQLModel, create_engine

    engine = create_engine("sqlite:///database.db")
    app = FastAPI()


    class Hero(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str


    def get_session():
        with Session(engine) as session:
            yield session


    @app.post("/heroes/", status_code=status.HTTP_201_CREATED)
    def create_hero(hero: Hero, session: Session = Depends(get_session)) -> Hero:
        session.add(hero)
        session.commit()
        session.refresh(hero)
        return hero
    ```

    ## Fix safety
    The fix is unsafe: it changes the API contract. It adds `status_code=...` (201, or
    202 for a creation left to background work) to the route's registration, after its
    last argument (on a line of its own when the arguments are one per line), spelled as
    the module spells status codes: `status.HTTP_201_CREATED` under the module's own
    name for FastAPI's or Starlette's `status`, else a bare `HTTP_201_CREATED` the
    module imports, else `HTTPStatus.CREATED`, else `201` (and the same for
    `HTTP_202_ACCEPTED`). After the fix the route answers 201 (or 202) and OpenAPI
    documents it instead of 200: a client that checks for 200 breaks. There is no fix
    when the handler returns a response built without a status code, in its body or in
    a same-module helper whose call it returns (the decorator's code would only change
    OpenAPI), nor for an `api_route` that also takes other methods (they would answer
    201 too).

    ## Options
    - `action-words`: words that mark a POST route as an action rather than a creation,
      matched against the words of the handler name and of the last path segment (a
      plural such as `uploads` or `queries` matches `upload` / `query`), and against the
      names of the functions it calls (`create_access_token` is no evidence). Strong
      evidence outweighs them. Setting it replaces the default list: `login`, `logout`,
      `signin`, `signout`, `authenticate`, `authorize`, `token`, `refresh`, `revoke`,
      `verify`, `validate`, `confirm`, `reset`, `check`, `search`, `filter`, `query`,
      `lookup`, `send`, `notify`, `run`, `execute`, `trigger`, `preview`, `render`,
      `export`, `import`, `sync`, `join`, `leave`, `subscribe`, `unsubscribe`, `upload`,
      `predict`, `inference`, `chat`, `completion`, `embedding`, `webhook`, `callback`,
      `ping`, `batch`, `bulk`, `cookie`.
    - `extend-action-words`: more action words, added to `action-words`.

    ## References
    - [FastAPI: Response Status Code](https://fastapi.tiangolo.com/tutorial/response-status-code/)
    - [FastAPI: Response - Change Status Code](https://fastapi.tiangolo.com/advanced/response-change-status-code/)
    - [FastAPI: Return a Response Directly](https://fastapi.tiangolo.com/advanced/response-directly/)
    - [FastAPI: Background Tasks](https://fastapi.tiangolo.com/tutorial/background-tasks/)
    - [RFC 9110: 201 Created](https://www.rfc-editor.org/rfc/rfc9110#name-201-created)
    - [RFC 9110: 202 Accepted](https://www.rfc-editor.org/rfc/rfc9110#name-202-accepted)
    """

    code = "FPI300"
    name = "post-route-without-201"
    message = "POST route creates a resource but answers 200"
    options = (
        Option("action-words", list(DEFAULT_ACTION_WORDS), "Words that mark a POST route as an action."),
        Option("extend-action-words", [], "More action words, added to `action-words`."),
    )

    def visit_module_end(self) -> None:
        self._counts: Counter[str] | None = None
        self._action_words = {w.lower() for w in self.option_values["action-words"]}
        self._action_words |= {w.lower() for w in self.option_values["extend-action-words"]}
        evidence = CreationEvidence(self.model, self._is_action)
        full_paths = self._full_paths()
        for route in self.model.routes:
            if route.kind != "http" or "POST" not in route.methods:
                continue
            if route.owner.callback_only or not isinstance(route.handler, _FUNCTIONS):
                continue
            # Starlette-style `@app.route(...)` routes take no `status_code=` and are not
            # in OpenAPI: the handler's own Response decides, which is not this rule's case.
            if not route.own_prefix:
                continue
            if "status_code" in route.keywords or route.has_star_kwargs:
                continue
            paths = full_paths.get(id(route)) or self._fallback_paths(route)
            named, action = self._named_like_creation(route.handler.name, paths)
            if not named:
                continue
            status = StatusFinder(self.model)
            if status.sets_status(route.handler) or status.renders_page(route.handler):
                continue
            found = evidence.of(route.handler)
            own = found.best_own()
            # The body, not the name, decides; persistence it shows outweighs an action
            # word (`create_query` doing `db.add(...)` creates a query).
            if own is not None and (own.strong or not action):
                self._report(route, status.plain_responses, own, HTTPStatus.CREATED)
            elif own is None and found.deferred and not action:
                self._report(route, status.plain_responses, found.deferred[0], HTTPStatus.ACCEPTED)

    # ------------------------------------------------------------------ creation semantics

    def _named_like_creation(self, handler_name: str, paths: list[str]) -> tuple[bool, bool]:
        """(named or routed like a creation, an action word among its words)."""
        name_words = split_words(handler_name)
        last_segments = [_last_static_segment(path) for path in paths]
        segment_words = [word for segment in last_segments if segment for word in split_words(segment)]
        action = any(self._is_action(word) for word in [*name_words, *segment_words])
        if verb_position(name_words, CREATION_VERBS) is not None or _verb_last(name_words):
            return True, action
        # Every known full path must end in a collection, and the name must agree.
        nouns = [_collection_noun(segment) for segment in last_segments]
        if not nouns or None in nouns or not name_words:
            return False, action
        first = name_words[0]
        return first in _POSTING_WORDS or any(first in _noun_forms(noun) for noun in nouns), action

    def _is_action(self, word: str) -> bool:
        return any(word in _plural_forms(action) for action in self._action_words)

    def _full_paths(self) -> dict[int, list[str]]:
        """Each route's full paths, through the includes this module makes."""
        paths: dict[int, list[str]] = {}
        for root in self.model.root_routers():
            for resolved in fm.flatten(root):
                if resolved.route is not None:
                    paths.setdefault(id(resolved.route), []).append(resolved.path)
        return paths

    @staticmethod
    def _fallback_paths(route: fm.Route) -> list[str]:
        """The router's own prefix and the route path, when the includes are not visible."""
        if route.path is None:
            return []
        prefix = route.owner.prefix
        if prefix is None:  # unknown prefix: only a path that names a segment itself helps
            return [route.path] if route.path.strip("/") else []
        return [prefix + route.path]

    # ------------------------------------------------------------------ reporting

    def _report(self, route: fm.Route, plain_responses: list[str], evidence: Evidence, code: HTTPStatus) -> None:
        name = route.handler.name
        if code == HTTPStatus.CREATED:
            what = f"POST route `{name}` creates a resource ({evidence.describe()})"
        else:
            what = f"POST route `{name}` leaves the creation to a background task ({evidence.describe()})"
        if plain_responses:
            message = (
                f"{what} but its `{plain_responses[0]}` answers 200: pass `status_code={code.value}` "
                "to it (and to the route, for OpenAPI)"
            )
            # No fix: the decorator's status code would be ignored at runtime.
            self.report_route(route, message)
            return
        answers = "answers 200" if code == HTTPStatus.CREATED else "answers 200 as if it were done"
        message = f"{what} but {answers}: add `status_code={code.value}` (`status.HTTP_{code.value}_{code.name}`)"
        self.report_route(route, message, fix=self._fix(route, code))

    def _name_counts(self) -> Counter[str]:
        if self._counts is None:
            self._counts = count_names(self.checker.tree)
        return self._counts

    def _fix(self, route: fm.Route, code: HTTPStatus) -> Fix | None:
        """`status_code=...` added to the registration, spelled as the module spells codes."""
        # `api_route(methods=["GET", "POST"])`: the code would apply to GET as well.
        if route.methods != frozenset({"POST"}) or not isinstance(route.node, ast.Call):
            return None
        scope = route.scope if route.scope is not None else self.model.module
        spelling = status_spelling(scope, route.node.lineno, self._name_counts, code)
        edits = append_keyword(self.checker.lines, route.node, f"status_code={spelling}")
        if edits is None:
            return None
        return Fix(f"Add `status_code={spelling}`", Applicability.UNSAFE, edits)


def _verb_last(words: list[str]) -> bool:
    """`user_create`, `item_add`: a noun, then the verb (`get_or_create` is no creation
    of its own: it may find the thing instead)."""
    return len(words) >= 2 and words[-1] in CREATION_VERBS and words[-2] not in _CONJUNCTIONS


def _last_static_segment(path: str) -> str | None:
    segments = [s for s in path.split("/") if s]
    if not segments or "{" in segments[-1]:
        return None
    return segments[-1]


def _collection_noun(segment: str | None) -> str | None:
    """The plural noun a path segment ends with (`api-keys` -> `keys`), or None."""
    if segment is None:
        return None
    words = split_words(segment)
    if not words:
        return None
    word = words[-1]
    if word in _IRREGULAR_PLURALS:
        return word
    if len(word) < 3 or not word.endswith("s") or word in _NOT_COLLECTIONS:
        return None
    if word.endswith(("ss", "us", "is", "ics")):
        return None
    return word


def _plural_forms(word: str) -> set[str]:
    forms = {word, word + "s", word + "es"}
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    return forms


def _noun_forms(plural: str) -> set[str]:
    """A plural and its plausible singulars: `heroes` -> heroes, heroe, hero."""
    forms = {plural, plural[:-1]}
    if plural.endswith("es"):
        forms.add(plural[:-2])
    if plural.endswith("ies"):
        forms.add(plural[:-3] + "y")
    return forms
