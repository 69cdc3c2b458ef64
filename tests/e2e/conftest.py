"""Browser tests: a real `viva serve` process and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.conftest import unavailable

CHROMIUM = os.environ.get("VIVA_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser() -> Iterator[Browser]:
    """A browser per test: Playwright's sync API keeps an event loop running in this thread
    while it is open, which must not outlive the test (async tests follow in this worker)."""
    if not shutil.which(CHROMIUM):
        unavailable(f"{CHROMIUM} not found (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def login_link(db_url: str, live_server: str, *, role: str = "candidate") -> str:
    """A one-time sign-in link for a new user, made in the server's own database."""
    import uuid

    from tests.conftest import run_async
    from viva.accounts import service as accounts
    from viva.db import Database

    async def make() -> str:
        database = Database(db_url)
        try:
            async with database.session() as session:
                user = await accounts.create_user(
                    session, username=f"e2e-{uuid.uuid4().hex[:8]}", password=None, role=role
                )
                return await accounts.create_login_link(session, user=user)
        finally:
            await database.dispose()

    return f"{live_server}/auth/link/{run_async(make())}"


@pytest.fixture(scope="module")
def sqlite_server(
    sqlite_url: str, tmp_path_factory: pytest.TempPathFactory, sql_postgres_url: str
) -> Iterator[str]:
    """One `viva serve` on SQLite for a module's page checks (layout does not depend on the
    database; the flows that do run on both in the other modules)."""
    from tests.conftest import serve

    yield from serve(sqlite_url, tmp_path_factory.mktemp("serve"), sql_postgres_url)


def new_user(db_url: str, *, role: str = "candidate", password: str | None = None) -> str:
    """A new user in the server's own database; returns the username."""
    import uuid

    from tests.conftest import run_async
    from viva.accounts import service as accounts
    from viva.db import Database

    async def make() -> str:
        database = Database(db_url)
        try:
            async with database.session() as session:
                user = await accounts.create_user(
                    session, username=f"e2e-{uuid.uuid4().hex[:8]}", password=password, role=role
                )
                return user.username
        finally:
            await database.dispose()

    return run_async(make())


def link_for(db_url: str, live_server: str, username: str) -> str:
    """A one-time sign-in link for an existing user."""
    from tests.conftest import run_async
    from viva.accounts import public
    from viva.accounts import service as accounts
    from viva.db import Database

    async def make() -> str:
        database = Database(db_url)
        try:
            async with database.session() as session:
                user = await public.require_user_named(session, username=username)
                return await accounts.create_login_link(session, user=user)
        finally:
            await database.dispose()

    return f"{live_server}/auth/link/{run_async(make())}"
