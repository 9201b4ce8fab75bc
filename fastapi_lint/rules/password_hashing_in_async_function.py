"""FPI105: password hashing or key derivation on the event loop."""

from __future__ import annotations

from ._blocking import BlockingCallRule
from ._offload import OFFLOAD_OPTION


class PasswordHashingInAsyncFunction(BlockingCallRule):
    """## What it does
    Checks for password hashing and key derivation in an `async def` body that runs on
    the event loop:

    - `hashlib.pbkdf2_hmac` and `hashlib.scrypt`;
    - `bcrypt.hashpw`, `bcrypt.checkpw` and `bcrypt.kdf`;
    - passlib: `hash`, `verify`, `verify_and_update`, `encrypt` and `dummy_verify` of a
      `CryptContext` and of the handlers in `passlib.hash` (`passlib.hash.bcrypt.hash(...)`);
    - argon2-cffi: `PasswordHasher().hash`/`verify` and `argon2.low_level`'s
      `hash_secret`, `hash_secret_raw` and `verify_secret`;
    - pwdlib: `hash`, `verify` and `verify_and_update` of a `PasswordHash`, also the one
      `PasswordHash.recommended()` returns (FastAPI's security tutorial).

    A helper that hashes (`verify_password(plain, hashed)`) called from an `async def`
    is reported by FPI110, with the chain down to the hashing call.

    ## Why is this bad?
    A password hash is slow on purpose: its cost is what makes guessing expensive. With
    OWASP's 600,000 iterations, one `hashlib.pbkdf2_hmac("sha256", ...)` is about 0.3 s of
    CPU, and bcrypt at cost 12 or argon2's defaults are of the same order. In an
    `async def` route it runs on the event loop's thread, and no other request is served
    meanwhile: every login stalls the whole application. These functions release the GIL
    while they compute, so in a worker thread they run beside the loop (measured: a
    request to another route waits for the hash on the loop, not for the hash in a thread).

    Not reported: `pbkdf2_hmac` with an iteration count written as a literal below
    100,000 (a key stretch of a millisecond or so, not a password hash), cheap digests (`hashlib.sha256(...)`, `hmac.compare_digest`),
    `check_needs_rehash`, awaited calls, and calls inside a plain `def` (FastAPI runs a
    plain `def` route or dependency in its threadpool) or inside a lambda handed to
    `asyncio.to_thread` or `run_in_threadpool`.

    ## Example
    ```python
    import bcrypt
    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    USERS = {"alice": bcrypt.hashpw(b"wonderland", bcrypt.gensalt())}


    @app.post("/login")
    async def login(username: str, password: str):
        if not bcrypt.checkpw(password.encode(), USERS.get(username, b"")):
            raise HTTPException(status_code=401)
        return {"user": username}
    ```

    Use instead:
    ```python
    import asyncio

    import bcrypt
    from fastapi import FastAPI, HTTPException

    app = FastAPI()
    USERS = {"alice": bcrypt.hashpw(b"wonderland", bcrypt.gensalt())}


    @app.post("/login")
    async def login(username: str, password: str):
        matches = await asyncio.to_thread(bcrypt.checkpw, password.encode(), USERS.get(username, b""))
        if not matches:
            raise HTTPException(status_code=401)
        return {"user": username}
    ```

    ## Fix safety
    The fix replaces `f(a, k=v)` with `await asyncio.to_thread(f, a, k=v)` (or
    `await run_in_threadpool(f, a, k=v)`, see the option), as FPI100-FPI104 do. It is
    unsafe: other requests run while the hash is computed, so state they share with this
    function may change in between, and the `await` is a point where the task can be
    cancelled.

    ## Options
    - `offload-with`: what the fix runs the call with: `"auto"` (the default:
      `run_in_threadpool` in a module that already imports and calls it,
      `asyncio.to_thread` everywhere else), `"asyncio.to_thread"`, or
      `"run_in_threadpool"`, as for FPI100.

    ## References
    - [OWASP: Password Storage Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html)
    - [FastAPI: OAuth2 with Password (and hashing), Bearer with JWT tokens](https://fastapi.tiangolo.com/tutorial/security/oauth2-jwt/)
    - [Python: `hashlib.pbkdf2_hmac`](https://docs.python.org/3/library/hashlib.html#hashlib.pbkdf2_hmac)
    """

    code = "FPI105"
    name = "password-hashing-in-async-function"
    options = (OFFLOAD_OPTION,)
