"""What every command group shares: the consoles, clean errors, and the CLI's unit of work."""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.ext.asyncio import AsyncSession

from viva.db import Database, upgrade
from viva.errors import VivaError
from viva.infra.cache import Cache, build_cache
from viva.settings import Settings

console = Console()
err = Console(stderr=True)
T = TypeVar("T")


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run one unit of work on the configured database (committed when `work` returns,
    rolled back when it raises); VivaErrors become clean CLI errors."""
    return run_with_cache(lambda session, _cache: work(session))


def run_with_cache(work: Callable[[AsyncSession, Cache], Awaitable[T]]) -> T:
    """`run`, handing `work` the response cache a server shares through Redis too: a write
    invalidates it after its commit, as the same write through the API does."""
    settings = Settings()

    async def main() -> T:
        database = Database(settings.effective_database_url)
        cache = build_cache(
            redis_url=settings.redis_url,
            ttl=settings.cache_ttl_seconds,
            prefix=settings.cache_prefix,
        )
        try:
            async with database.session() as session:
                return await work(session, cache)
        finally:
            await cache.close()
            await database.dispose()

    try:
        return asyncio.run(main())
    except VivaError as exc:
        raise fail(exc.detail) from None


def ensure_schema(settings: Settings) -> None:
    """The embedded SQLite database migrates itself; a server database needs `viva db upgrade`."""
    if settings.is_sqlite:
        upgrade(settings.effective_database_url)


def inert(text: object) -> str:
    """Candidate (or author) text made inert for the terminal: rich markup escaped, and
    see `no_controls`."""
    return escape(no_controls(text))


def no_controls(text: object) -> str:
    """Control characters other than newline and tab (ANSI escapes, bidi overrides, ...)
    shown as escapes, lone surrogates replaced."""
    value = str(text).encode("utf-8", "replace").decode("utf-8")
    return "".join(
        ch
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")
        else ch.encode("unicode_escape").decode("ascii")
        for ch in value
    )
