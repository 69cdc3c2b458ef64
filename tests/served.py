"""Viva served in this process over httpx's ASGI transport, with a clock the test moves (for
the per-process caches' time-to-live), and two such apps sharing one Redis (two processes)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
from fastapi import FastAPI

from viva.app import create_app
from viva.db import Database
from viva.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Served:
    app: FastAPI
    http: httpx.AsyncClient
    clock: Clock

    @property
    def own_database(self) -> Database:
        """The serving process's database: its commits reach its own caches."""
        database: Database = self.app.state.database
        return database


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://viva.test")


@contextlib.asynccontextmanager
async def serve_in_process(
    settings: Settings, set_clock: Callable[[FastAPI, Clock], None]
) -> AsyncIterator[Served]:
    """The app, started, with `set_clock(app, clock)` pointing its caches at the test's clock."""
    app = create_app(settings)
    clock = Clock()
    set_clock(app, clock)
    async with app.router.lifespan_context(app), client(app) as http:
        yield Served(app, http, clock)


@contextlib.asynccontextmanager
async def two_processes(shared: Settings) -> AsyncIterator[tuple[Served, Served]]:
    """Two apps on the same settings (and so the same Redis), each with its own client (on
    real time: their clocks are not used)."""
    here, there = create_app(shared), create_app(shared)
    async with (
        here.router.lifespan_context(here),
        there.router.lifespan_context(there),
        client(here) as first,
        client(there) as second,
    ):
        yield Served(here, first, Clock()), Served(there, second, Clock())
