"""PostgreSQL: the client side of candidate runs: connections logged in as grading roles,
reused only after DISCARD ALL, and the wall-clock cut-off a run may end with."""

from __future__ import annotations

import asyncio
from collections import OrderedDict

import asyncpg


class TimedOut(Exception):
    """The client's wall clock ran out before the server's statement_timeout fired."""

    def __init__(self, pid: int) -> None:
        super().__init__(pid)
        self.pid = pid  # the backend, told to terminate, that may still be running


class Connections:
    """Connections logged in as grading roles, kept idle per role and reused; at most `limit`
    open at once (the least recently used idle one is closed to make room). Nothing of a run
    survives into the next: a connection goes back only after DISCARD ALL, else it is closed."""

    def __init__(self, base: str, passwords: dict[str, str], limit: int) -> None:
        self._base = base  # host:port/database?params
        self._passwords = passwords
        self._limit = limit
        self._idle: OrderedDict[asyncpg.Connection, str] = OrderedDict()
        self._open = 0
        self._changed = asyncio.Condition()

    async def acquire(self, role: str) -> asyncpg.Connection:
        async with self._changed:
            while True:
                conn = next((c for c, r in reversed(self._idle.items()) if r == role), None)
                if conn is not None:
                    del self._idle[conn]
                    if not conn.is_closed():
                        return conn
                    self._open -= 1
                    continue
                if self._open < self._limit:
                    self._open += 1
                    break
                if self._idle:
                    victim, _ = self._idle.popitem(last=False)
                    victim.terminate()
                    self._open -= 1
                    continue
                await self._changed.wait()
        try:
            return await asyncpg.connect(
                f"postgresql://{self._base}",
                user=role,
                password=self._passwords[role],
                statement_cache_size=0,  # only unnamed statements: no names to collide with
                timeout=10,
            )
        except BaseException:
            async with self._changed:
                self._open -= 1
                self._changed.notify()
            raise

    async def release(
        self, role: str, conn: asyncpg.Connection, *, reuse: bool = True, linger: bool = False
    ) -> None:
        """Back to the idle ones, or closed. `linger`: closed, but its backend may still run,
        so it keeps counting as open until unhold()."""
        if reuse and not conn.is_closed():
            try:
                await conn.execute("DISCARD ALL", timeout=2)
            except (TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                reuse = False
        if not reuse or conn.is_closed():
            conn.terminate()
        async with self._changed:
            if reuse and not conn.is_closed():
                self._idle[conn] = role
            elif not linger:
                self._open -= 1
            self._changed.notify()

    async def unhold(self) -> None:
        async with self._changed:
            self._open -= 1
            self._changed.notify()

    def close(self) -> None:
        for conn in self._idle:
            conn.terminate()
        self._idle.clear()
