"""The one pagination helper: opaque keyset cursors and clamped page sizes."""

from __future__ import annotations

import base64
import json

from viva.errors import InvalidCursor

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    return max(1, min(MAX_LIMIT, limit))


def encode_cursor(key: tuple[int, ...]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, size: int) -> tuple[int, ...] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor("the cursor is not one this API issued") from exc
    if not (isinstance(key, list) and len(key) == size and all(type(k) is int for k in key)):
        raise InvalidCursor("the cursor is not one this API issued")
    return tuple(key)
