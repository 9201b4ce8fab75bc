import hashlib
import hmac
import os

from fastapi import APIRouter, HTTPException

router = APIRouter(prefix="/accounts")
SALT = os.urandom(16)
# username -> PBKDF2-SHA256 digest, at OWASP's recommended 600,000 iterations
ACCOUNTS = {"reader": hashlib.pbkdf2_hmac("sha256", b"dune", SALT, 600_000)}


@router.post("/login")
async def login(username: str, password: str):
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), SALT, 600_000)
    if not hmac.compare_digest(digest, ACCOUNTS.get(username, b"")):
        raise HTTPException(status_code=401, detail="Wrong username or password")
    return {"username": username}
