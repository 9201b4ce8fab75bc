"""FPI500: `CORSMiddleware` that allows every origin and credentials."""

from __future__ import annotations

import ast
import re

from .base import Rule

CORS_MIDDLEWARE = frozenset(
    {"starlette.middleware.cors.CORSMiddleware", "fastapi.middleware.cors.CORSMiddleware"}
)
MIDDLEWARE_WRAPPER = "starlette.middleware.Middleware"
# Origins no allow-list would name on purpose: a regex that accepts them accepts any site.
_FOREIGN_ORIGINS = ("https://attacker.invalid", "http://evil.test", "null")


class CorsWildcardWithCredentials(Rule):
    """## What it does
    Checks for Starlette's `CORSMiddleware` configured with `allow_credentials=True` and an
    origin setting that accepts every site: `allow_origins=["*"]` (a list, tuple or set
    holding `"*"`, also through a module-level constant such as `ORIGINS = ["*"]`), or an
    `allow_origin_regex` that matches any origin (`".*"`, `"https?://.*"`). Both spellings
    of the middleware are recognised: `app.add_middleware(CORSMiddleware, ...)` and
    `Middleware(CORSMiddleware, ...)` in `FastAPI(middleware=[...])` or
    `Starlette(middleware=[...])`, imported from `fastapi.middleware.cors` or
    `starlette.middleware.cors` under any name.

    ## Why is this bad?
    Browsers refuse to let a page read a credentialed cross-origin response whose
    `Access-Control-Allow-Origin` is `*`. Starlette does not send `*` in this
    configuration: measured on Starlette 1.10.0 (FastAPI 0.165.0), with
    `allow_origins=["*"]` and `allow_credentials=True` a request carrying
    `Origin: https://attacker.example` is answered with
    `Access-Control-Allow-Origin: https://attacker.example` and
    `Access-Control-Allow-Credentials: true`, and a preflight from that origin is
    accepted the same way. The middleware reflects whatever origin asks, so any web
    site a logged-in user visits can send requests with the user's cookies (or HTTP
    authentication) to the API and read the answers. An `allow_origin_regex` that
    matches everything does the same. Without `allow_credentials=True`, `["*"]` is
    answered with a literal `*` and credentialed responses stay unreadable, which is
    what a public API usually wants.

    Not reported: origins that come from settings or the environment
    (`allow_origins=settings.CORS_ORIGINS`), which the rule cannot read, an explicit
    list of origins, and a regex that only matches your own domains
    (`r"https://.*\\.example\\.com"`).

    ## Example
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    ```

    Use instead:
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["https://app.example.com"],
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    ```

    If the API uses no cookies or HTTP authentication (a bearer token the page sets
    itself is not a credential in the CORS sense), keep `allow_origins=["*"]` and drop
    `allow_credentials=True`.

    ## Fix safety
    No fix: which origins should be trusted is the application's decision, and dropping
    `allow_credentials` breaks a front end that sends cookies.

    ## References
    - [FastAPI: CORS (Cross-Origin Resource Sharing)](https://fastapi.tiangolo.com/tutorial/cors/)
    - [Starlette: CORSMiddleware](https://www.starlette.io/middleware/#corsmiddleware)
    - [MDN: CORS requests with credentials](https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS#requests_with_credentials)
    """

    code = "FPI500"
    name = "cors-wildcard-with-credentials"
    message = "`CORSMiddleware` allows every origin with credentials"

    def visit_call(self, call: ast.Call, ctx) -> None:
        if not self._configures_cors(call, ctx):
            return
        keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
        if not self._is_true(keywords.get("allow_credentials"), ctx):
            return
        origins = keywords.get("allow_origins")
        if origins is not None and self._has_wildcard(origins, ctx):
            what = '`allow_origins=["*"]`'
        elif self._regex_matches_anything(keywords.get("allow_origin_regex"), ctx):
            what = "an `allow_origin_regex` that matches any origin"
        else:
            return
        self.report(
            call,
            f"`CORSMiddleware` with {what} and `allow_credentials=True` echoes the request's "
            "`Origin` back with `Access-Control-Allow-Credentials: true`: any web site can make "
            "credentialed requests and read the responses; list the trusted origins",
        )

    def _configures_cors(self, call: ast.Call, ctx) -> bool:
        if not call.args:
            return False
        is_add = isinstance(call.func, ast.Attribute) and call.func.attr == "add_middleware"
        if not is_add and ctx.target != MIDDLEWARE_WRAPPER:
            return False
        return self.model.resolve(call.args[0], ctx.scope) in CORS_MIDDLEWARE

    def _value(self, expr: ast.expr | None, ctx) -> ast.expr | None:
        """`expr`, or the literal a module-level constant it names was bound to."""
        if isinstance(expr, ast.Name):
            binding = ctx.scope.lookup(expr.id)
            if binding is not None and binding.kind == "value" and binding.value is not None:
                return binding.value
            return None
        return expr

    def _is_true(self, expr: ast.expr | None, ctx) -> bool:
        value = self._value(expr, ctx)
        return isinstance(value, ast.Constant) and value.value is True

    def _has_wildcard(self, expr: ast.expr, ctx) -> bool:
        value = self._value(expr, ctx)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            # Starlette tests `"*" in allow_origins`: on a string that is a substring test.
            return "*" in value.value
        if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            return any(
                isinstance(self._value(element, ctx), ast.Constant) and self._value(element, ctx).value == "*"
                for element in value.elts
            )
        return False

    def _regex_matches_anything(self, expr: ast.expr | None, ctx) -> bool:
        value = self._value(expr, ctx)
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            return False
        try:
            pattern = re.compile(value.value)
        except re.error:
            return False
        return any(pattern.fullmatch(origin) for origin in _FOREIGN_ORIGINS)
