"""callback_url: a PUT of the finished submission (Judge0's default fields, base64-encoded)
to an allow-listed host, signed so the receiver can tell it came from this server.

X-Viva-Timestamp is the Unix time of the delivery; X-Viva-Signature is
"sha256=" + hex HMAC-SHA256(callback_secret, timestamp + "." + body). Redirects are not
followed; at most 3 tries, 5 s each (/config_info's callbacks_max_tries and _timeout).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from urllib.parse import urlsplit

import httpx

from viva.db import Database
from viva.infra.logging import log
from viva.judge0 import repository
from viva.judge0.schemas import DEFAULT_FIELDS
from viva.judge0.service import Caller
from viva.judge0.views import render
from viva.settings import Judge0Settings

TRIES = 3
TIMEOUT_SECONDS = 5.0


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


async def deliver(database: Database, *, token: str, config: Judge0Settings) -> bool:
    """PUT the stored result; True once the receiver answered 2xx. The host is checked again
    here: the allow-list may have changed since the submission was stored."""
    async with database.session() as session:
        submission = await repository.by_token(session, token=token)
    if submission is None:  # deleted meanwhile
        return False
    url = submission.callback_url
    if not url or config.callback_secret is None:
        return False
    host = (urlsplit(url).hostname or "").lower()
    if host not in {h.lower() for h in config.callback_hosts}:
        log.warning("judge0_callback_refused", token=submission.token, host=host)
        return False
    owner = Caller(user_id=submission.user_id, authorized=False, extensions=frozenset())
    body = json.dumps(render(submission, DEFAULT_FIELDS, encoded=True, caller=owner)).encode()
    secret = config.callback_secret.get_secret_value()
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        for attempt in range(TRIES):
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "X-Viva-Timestamp": stamp,
                "X-Viva-Signature": signature(secret, stamp, body),
            }
            try:
                response = await client.put(url, content=body, headers=headers)
                if 200 <= response.status_code < 300:
                    return True
                log.warning(
                    "judge0_callback_failed", token=submission.token, status=response.status_code
                )
            except httpx.HTTPError as exc:
                log.warning("judge0_callback_failed", token=submission.token, error=repr(exc))
            await asyncio.sleep(0.5 * (attempt + 1))
    return False
