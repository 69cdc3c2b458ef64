"""Response cache for public read endpoints: in-process by default, Redis when configured.

`EdgeCacheMiddleware` stores 200 responses of GET requests that a route marked
`Cache-Control: public`, adds a strong ETag, answers If-None-Match with 304, and serves hits
without touching the router or the database. Any import calls `invalidate()`. Entries are
stored only from anonymous requests; signed-in API callers are served them too once
`authenticate` vouches for their credentials (a public API response is the same for all).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Protocol

from redis.asyncio import Redis
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from viva.infra.redis import RedisClient, RedisUnavailable

PUBLIC = "public, max-age=0, must-revalidate"


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes) -> None: ...
    async def invalidate(self) -> None: ...
    async def start(self) -> None: ...
    async def close(self) -> None: ...


class MemoryCache:
    """A bounded LRU with a TTL, private to this process."""

    def __init__(self, *, ttl: float, max_entries: int = 4096) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._data: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    async def get(self, key: str) -> bytes | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return entry[1]

    async def set(self, key: str, value: bytes) -> None:
        self._data[key] = (time.monotonic() + self.ttl, value)
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    async def invalidate(self) -> None:
        self._data.clear()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._data.clear()


class RedisCache:
    """Entries shared through one Redis hash, fronted by a per-process MemoryCache.

    An invalidation deletes the hash and publishes on a channel; every process listening on
    it clears its local copy (within milliseconds). While the listener is not subscribed,
    say after a Redis restart, the local copy is bypassed, so no process serves an entry
    that another one invalidated.

    While Redis is down (see `RedisClient`) the cache is off: every read is a miss served
    from the database, nothing is stored. When Redis answers again the shared hash is
    dropped, since an invalidation made during the outage could not delete it.
    """

    def __init__(self, redis: RedisClient | str, *, ttl: int, prefix: str = "viva") -> None:
        self._owns_client = isinstance(redis, str)
        self.redis = RedisClient(redis) if isinstance(redis, str) else redis
        self.ttl = ttl
        self.key = f"{prefix}:cache:responses"
        self.channel = f"{prefix}:cache:invalidate"
        self.local = MemoryCache(ttl=ttl)
        self._listening = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None
        self.redis.on_recovery(self._drop_shared)

    async def start(self) -> None:
        self._listener = self.redis.listen(
            self.channel, self._invalidated, subscribed=self._subscribed, lost=self._lost
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), timeout=5)

    async def _invalidated(self, _message: bytes) -> None:
        await self.local.invalidate()

    async def _subscribed(self) -> None:
        await self.local.invalidate()
        self._listening.set()

    async def _lost(self) -> None:  # stop trusting the local copy
        self._listening.clear()
        await self.local.invalidate()

    async def _drop_shared(self) -> None:
        with contextlib.suppress(RedisUnavailable):
            await self.redis.call(lambda r: r.delete(self.key))

    async def get(self, key: str) -> bytes | None:
        if self._listening.is_set() and (value := await self.local.get(key)) is not None:
            return value
        try:
            shared = await self.redis.call(lambda r: r.hget(self.key, key))
        except RedisUnavailable:
            return None
        if not isinstance(shared, bytes):
            return None
        if self._listening.is_set():
            await self.local.set(key, shared)
        return shared

    async def set(self, key: str, value: bytes) -> None:
        async def store(r: Redis) -> None:
            async with r.pipeline(transaction=False) as pipe:
                pipe.hset(self.key, key, value)
                pipe.expire(self.key, max(1, self.ttl))
                await pipe.execute()

        try:
            await self.redis.call(store)
        except RedisUnavailable:
            return
        if self._listening.is_set():
            await self.local.set(key, value)

    async def invalidate(self) -> None:
        async def drop(r: Redis) -> None:
            async with r.pipeline(transaction=True) as pipe:
                pipe.delete(self.key)
                pipe.publish(self.channel, b"invalidate")
                await pipe.execute()

        await self.local.invalidate()
        with contextlib.suppress(RedisUnavailable):  # the recovery hook drops the hash
            await self.redis.call(drop)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self.local.close()
        if self._owns_client:
            await self.redis.close()


def build_cache(
    *,
    ttl: int,
    prefix: str = "viva",
    redis: RedisClient | None = None,
    redis_url: str | None = None,
) -> Cache:
    """The Redis-backed cache when a client (or a URL, for one of its own) is given."""
    backend = redis or redis_url
    return RedisCache(backend, ttl=ttl, prefix=prefix) if backend else MemoryCache(ttl=ttl)


def _pack(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    head = json.dumps([status, [[k.decode("latin-1"), v.decode("latin-1")] for k, v in headers]])
    raw = head.encode()
    return len(raw).to_bytes(4, "big") + raw + body


def _unpack(blob: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    size = int.from_bytes(blob[:4], "big")
    status, headers = json.loads(blob[4 : 4 + size])
    return (
        status,
        [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        blob[4 + size :],
    )


# Request headers that change a response (HTMX asks for page fragments with them).
VARY_HEADERS = (b"hx-request", b"hx-target")


def _has_credentials(scope: Scope) -> bool:
    """Signed-in requests are never served from, or stored in, the shared cache."""
    for key, value in scope["headers"]:
        if key in (b"authorization", b"x-api-key"):
            return True
        if key == b"cookie" and b"viva_session=" in value:
            return True
    return False


def _cache_key(scope: Scope) -> str:
    key: str = scope["path"] + "?" + scope["query_string"].decode("latin-1")
    varying = [v.decode("latin-1") for k, v in scope["headers"] if k in VARY_HEADERS]
    return key + "|" + "|".join(varying) if varying else key


def _etag(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'


def _if_none_match(scope: Scope) -> bytes | None:
    for key, value in scope["headers"]:
        if key == b"if-none-match":
            return bytes(value)
    return None


def _matches(condition: bytes | None, etag: bytes) -> bool:
    if condition is None:
        return False
    tags = {t.strip().removeprefix(b"W/") for t in condition.split(b",")}
    return b"*" in tags or etag in tags


class EdgeCacheMiddleware:
    """Serve cached public GET responses before routing; store new ones; handle ETags."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        cache: Cache,
        authenticate: Callable[[Scope], Awaitable[bool]] | None = None,
    ) -> None:
        self.app = app
        self.cache = cache
        self.authenticate = authenticate
        self.hits = 0
        self.misses = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if _has_credentials(scope):
            await self._signed_in(scope, receive, send)
            return
        key = _cache_key(scope)
        blob = await self.cache.get(key)
        if blob is not None:
            self.hits += 1
            status, headers, body = _unpack(blob)
            etag = next(v for k, v in headers if k == b"etag")
            await self._send(scope, send, status, headers, body, etag)
            return
        await self._fill(scope, receive, send, key)

    async def _fill(self, scope: Scope, receive: Receive, send: Send, key: str) -> None:
        """Run the app; keep its response when it is a 200 marked `Cache-Control: public`."""
        self.misses += 1
        start: Message = {}
        chunks: list[bytes] = []
        cacheable = False

        async def capture(message: Message) -> None:
            nonlocal start, cacheable
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                cacheable = message["status"] == 200 and any(
                    k == b"cache-control" and v.startswith(b"public") for k, v in headers
                )
                if not cacheable:
                    await send(message)
                else:
                    start = message
                return
            if not cacheable:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            etag = _etag(body)
            headers = [
                (k, v) for k, v in start.get("headers", []) if k not in (b"etag", b"content-length")
            ]
            headers.append((b"etag", etag))
            await self.cache.set(key, _pack(start["status"], headers, body))
            await self._send(scope, send, start["status"], headers, body, etag)

        await self.app(scope, receive, capture)

    async def _signed_in(self, scope: Scope, receive: Receive, send: Send) -> None:
        """An API caller with a bearer token or API key gets the shared entry once
        `authenticate` vouches for the credentials; otherwise the app decides (it refuses bad
        credentials even on public routes). A public API response is the same for every
        caller (RFC 9111 3.5: `public` lets a shared cache store it despite Authorization),
        so the app's answer may fill the entry; pages and cookie sessions never do, since a
        page greets the signed-in user by name."""
        authenticate = self.authenticate
        if (
            authenticate is None
            or not scope["path"].startswith("/api/")
            or not any(k in (b"authorization", b"x-api-key") for k, _ in scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        key = _cache_key(scope)
        blob = await self.cache.get(key)
        if blob is None or not await authenticate(scope):
            await self._fill(scope, receive, send, key)
            return
        self.hits += 1
        status, headers, body = _unpack(blob)
        etag = next(v for k, v in headers if k == b"etag")
        await self._send(scope, send, status, headers, body, etag)

    @staticmethod
    async def _send(
        scope: Scope,
        send: Send,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        etag: bytes,
    ) -> None:
        if _matches(_if_none_match(scope), etag):
            keep = [(k, v) for k, v in headers if k in (b"etag", b"cache-control", b"vary")]
            await send({"type": "http.response.start", "status": 304, "headers": keep})
            await send({"type": "http.response.body", "body": b""})
            return
        out = [*headers, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
