"""FPI300: a POST route that creates a resource but answers FastAPI's default 200."""

from __future__ import annotations

import ast
import re
from collections import Counter

from ..fixes import Applicability, Fix
from ..semantic import fastapi_model as fm
from ._call_arguments import append_keyword
from ._status_codes import StatusFinder, count_names, created_status_spelling
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
_IRREGULAR_PLURALS = frozenset({"people", "children", "indices", "criteria"})
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class PostRouteWithout201(Rule):
    """## What it does
    Checks for POST routes that look like they create a resource but set no status code,
    so FastAPI answers `200 OK` instead of `201 Created`.

    A POST route (`@app.post`, `api_route(..., methods=["POST"])`, `add_api_route`)
    looks like a creation when:

    - its handler is named `create_*`, `add_*`, `register_*` or `new_*`; or
    - its full path (with the router prefixes and include prefixes this module shows)
      ends in a static segment that is a plural noun, such as `/items` or
      `/users/{user_id}/orders/`, and the handler's first word agrees: `post`, `save`,
      `store`, `insert`, `submit`, `make`, `place`, or the collection's name (`post_item`,
      `items`); `update_preferences` at `/preferences` is not a creation. A plural noun is
      a word ending in `s` (not in `ss`, `us`, `is` or `ics`, and not `settings`,
      `preferences`, `options`, `status`...) or `people`, `children`, `indices`,
      `criteria`; in a segment such as `api-keys` the last word counts. A path ending in a
      parameter (`/items/{item_id}`) is not a collection.

    An *action word* (see Options; plurals match too) among the words of the handler
    name or of the last path segment overrides both: `create_access_token` at `/token`,
    `POST /items/{item_id}/actions/run` and `create_upload_files` are not reported.

    The route is not reported when the module shows that it sets a status code:
    `status_code=` in the decorator (any value, any spelling: `201`,
    `status.HTTP_201_CREATED`, `HTTP_201_CREATED`, `HTTPStatus.CREATED`), `**kwargs` in
    the decorator, `response.status_code = ...` in the handler, a Starlette/FastAPI
    response built with a status code (keyword or positional) in the handler or in a
    same-module helper whose call the handler returns, or a returned redirect. A status
    code known to be an error (`409`, `status.HTTP_409_CONFLICT`) does not count: set in an
    error branch, it leaves the success path at 200. Webhooks (`app.webhooks.post`,
    `FastAPI(webhooks=router)`) and routers used as `callbacks=router.routes` only
    document an API, they are not served, and are skipped; so are Starlette-style
    `@app.route(...)` routes, which take no `status_code=` and are not in OpenAPI.

    ## Why is this bad?
    `@app.post` answers 200 unless `status_code=` is given. For an endpoint that creates
    a resource, HTTP says `201 Created`, and clients, SDK generators and API gateways
    use the code to tell "created" from "processed". Declaring `status_code=201` also
    documents 201 in the OpenAPI schema.

    Not every POST creates something: login, token, search, validate, send, run and
    other actions rightly answer 200, which is why the rule only looks at routes named or
    routed like a creation. Changing a status code is a contract change for existing
    clients (a client checking `== 200` will break), so fix new endpoints freely and
    existing ones deliberately.

    A handler that returns its own `Response`/`JSONResponse` sends that response's
    status code and ignores the decorator's `status_code` at runtime (OpenAPI still shows
    the decorator's code), so there the status code must be passed to the response.

    ## Example
    ```python
    from fastapi import FastAPI
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str


    @app.post("/items/")
    async def create_item(item: Item) -> Item:
        return item
    ```

    Use instead:
    ```python
    from fastapi import FastAPI, status
    from pydantic import BaseModel

    app = FastAPI()


    class Item(BaseModel):
        name: str


    @app.post("/items/", status_code=status.HTTP_201_CREATED)
    async def create_item(item: Item) -> Item:
        return item
    ```

    ## Fix safety
    The fix is unsafe: it changes the API contract. It adds `status_code=...` to the route's
    registration, after its last argument (on a line of its own when the arguments are one
    per line), spelled as the module spells status codes: `status.HTTP_201_CREATED` under
    the module's own name for FastAPI's or Starlette's `status`, else a bare
    `HTTP_201_CREATED` the module imports, else `HTTPStatus.CREATED`, else `201`. After
    the fix the route answers 201 and OpenAPI documents 201 instead of 200: a client that
    checks for 200 breaks. There is no fix when the handler returns a response built
    without a status code (the decorator's code would only change OpenAPI), nor for an
    `api_route` that also takes other methods (they would answer 201 too).

    ## Options
    - `action-words`: words that mark a POST route as an action rather than a creation,
      matched against the words of the handler name and of the last path segment (a
      plural such as `uploads` or `queries` matches `upload` / `query`). Setting it
      replaces the default list: `login`, `logout`, `signin`, `signout`, `authenticate`,
      `authorize`, `token`, `refresh`, `revoke`, `verify`, `validate`, `confirm`, `reset`,
      `check`, `search`, `filter`, `query`, `lookup`, `send`, `notify`, `run`, `execute`,
      `trigger`, `preview`, `render`, `export`, `import`, `sync`, `join`, `leave`,
      `subscribe`, `unsubscribe`, `upload`, `predict`, `inference`, `chat`, `completion`,
      `embedding`, `webhook`, `callback`, `ping`, `batch`, `bulk`, `cookie`.
    - `extend-action-words`: more action words, added to `action-words`.

    ## References
    - [FastAPI: Response Status Code](https://fastapi.tiangolo.com/tutorial/response-status-code/)
    - [FastAPI: Response - Change Status Code](https://fastapi.tiangolo.com/advanced/response-change-status-code/)
    - [FastAPI: Return a Response Directly](https://fastapi.tiangolo.com/advanced/response-directly/)
    - [RFC 9110: 201 Created](https://www.rfc-editor.org/rfc/rfc9110#name-201-created)
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
            if not self._looks_like_creation(route.handler.name, paths):
                continue
            status = StatusFinder(self.model)
            if status.sets_status(route.handler):
                continue
            self._report(route, status.plain_responses)

    # ------------------------------------------------------------------ creation semantics

    def _looks_like_creation(self, handler_name: str, paths: list[str]) -> bool:
        name_words = _words(handler_name)
        last_segments = [_last_static_segment(path) for path in paths]
        segment_words = [word for segment in last_segments if segment for word in _words(segment)]
        if any(self._is_action(word) for word in [*name_words, *segment_words]):
            return False
        if name_words and name_words[0] in CREATION_VERBS:
            return True
        # Every known full path must end in a collection, and the name must agree.
        nouns = [_collection_noun(segment) for segment in last_segments]
        if not nouns or None in nouns or not name_words:
            return False
        first = name_words[0]
        return first in _POSTING_WORDS or any(first in _noun_forms(noun) for noun in nouns)

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

    def _report(self, route: fm.Route, plain_responses: list[str]) -> None:
        name = route.handler.name
        if plain_responses:
            response = plain_responses[0]
            message = (
                f"POST route `{name}` looks like it creates a resource but its `{response}` answers "
                f"200: pass `status_code=201` to it (and to the route, for OpenAPI)"
            )
            # No fix: the decorator's status code would be ignored at runtime.
            self.report_route(route, message)
            return
        message = (
            f"POST route `{name}` looks like it creates a resource but answers 200: "
            "add `status_code=201` (`status.HTTP_201_CREATED`)"
        )
        self.report_route(route, message, fix=self._fix(route))

    def _name_counts(self) -> Counter[str]:
        if self._counts is None:
            self._counts = count_names(self.checker.tree)
        return self._counts

    def _fix(self, route: fm.Route) -> Fix | None:
        """`status_code=201` added to the registration, spelled as the module spells codes."""
        # `api_route(methods=["GET", "POST"])`: the code would apply to GET as well.
        if route.methods != frozenset({"POST"}) or not isinstance(route.node, ast.Call):
            return None
        scope = route.scope if route.scope is not None else self.model.module
        spelling = created_status_spelling(scope, route.node.lineno, self._name_counts)
        edits = append_keyword(self.checker.lines, route.node, f"status_code={spelling}")
        if edits is None:
            return None
        return Fix(f"Add `status_code={spelling}`", Applicability.UNSAFE, edits)


def _words(text: str) -> list[str]:
    """`create_itemV2` -> ["create", "item", "v2"]; `api-keys` -> ["api", "keys"]."""
    return [w for w in _WORD_SPLIT.split(_CAMEL_BOUNDARY.sub("_", text).lower()) if w]


def _last_static_segment(path: str) -> str | None:
    segments = [s for s in path.split("/") if s]
    if not segments or "{" in segments[-1]:
        return None
    return segments[-1]


def _collection_noun(segment: str | None) -> str | None:
    """The plural noun a path segment ends with (`api-keys` -> `keys`), or None."""
    if segment is None:
        return None
    words = _words(segment)
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
