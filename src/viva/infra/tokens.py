"""Opaque secrets stored hashed: sign-in links, refresh tokens, API keys, CSRF tokens and room
invitations are random URL-safe strings, and only their SHA-256 is kept."""

from __future__ import annotations

import hashlib
import secrets


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
