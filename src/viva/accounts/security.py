"""Passwords (Argon2 via pwdlib), JWT access tokens (pyjwt) and opaque secrets stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pwdlib import PasswordHash

ACCESS_TTL = timedelta(minutes=15)
SESSION_TTL = timedelta(days=7)
REFRESH_TTL = timedelta(days=30)
LINK_TTL = timedelta(minutes=15)
ALGORITHM = "HS256"
_hasher = PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, hashed: str | None) -> bool:
    if not hashed:
        _hasher.verify(password, _DUMMY)  # same work either way: no user enumeration by timing
        return False
    return bool(_hasher.verify(password, hashed))


_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def encode_token(
    *, user_id: int, role: str, kind: str, ttl: timedelta, key: str, version: int = 0
) -> str:
    """A signed token; `version` is the user's `token_version` (a bump revokes the token)."""
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "role": role,
        "typ": kind,
        "ver": version,
        "iat": now,
        "exp": now + ttl,
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def decode_token(token: str, *, kind: str, key: str) -> dict[str, Any] | None:
    """The claims of a valid, unexpired token of this kind; None otherwise."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "typ"]}
        )
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != kind or not isinstance(claims.get("ver", 0), int):
        return None
    return claims


def token_version(claims: dict[str, Any]) -> int:
    """The version a token was issued under (tokens from before versions existed: 0)."""
    version: int = claims.get("ver", 0)
    return version
