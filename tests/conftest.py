"""Shared test fixtures: databases per xdist worker reset after each test, Redis, and the CI
rule.

Without a reachable PostgreSQL the Postgres tests skip with one line of reason, except under
CI=true, where they fail.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
import redis
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from tests import factories
from viva.app import create_app, prepare_database
from viva.db import Base, Database
from viva.grading.sql.postgres_roles import role_prefix
from viva.settings import Settings

PG_ADMIN_DSN = os.environ.get("VIVA_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("VIVA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
T = TypeVar("T")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
    pytest.skip(reason)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even where a loop is already running
    (Playwright's sync API keeps one in the main thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _worker_number() -> int:
    digits = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return int(digits) if digits.isdigit() else 9


def uid_base(offset: int) -> int:
    """Slot uids for this xdist worker: 62000/63000 + 10 per worker; a named VIVA_TEST_RUN
    moves to its own range, so two suites at once never share a slot uid (RLIMIT_NPROC).
    A range is wider than every offset used (up to 5000 + 500 + 10 per worker: the uid
    test's pool, tests/infra/test_uid_ranges.py), so one run's offsets never reach into
    another run's range; a `viva` process whose uids another holds moves its range 1000 up
    (sandbox/pool.py), which the servers' offsets (below 3000) leave room for."""
    run = "".join(c for c in os.environ.get("VIVA_TEST_RUN", "").lower() if c.isalnum())[:12]
    start = 100000 + 6000 * (zlib.crc32(run.encode()) % 10) if run else 62000
    return start + offset + 10 * _worker_number()


def worker_id() -> str:
    """gw0, gw1...; VIVA_TEST_RUN (letters and digits) keeps two runs on one server apart."""
    run = "".join(c for c in os.environ.get("VIVA_TEST_RUN", "").lower() if c.isalnum())[:12]
    return f"{run}{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}"


async def _recreate_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """A fresh database of this worker's own: viva_test_<worker>."""
    name = f"viva_test_{worker_id()}"
    try:
        run_async(_recreate_database(name))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        unavailable(f"PostgreSQL not reachable at {PG_ADMIN_DSN}: {exc}")
    base, _, _ = PG_ADMIN_DSN.rpartition("/")
    return f"{base}/{name}"


async def _drop_grading_database(name: str) -> None:
    """The grading database and the roles Viva created for it (one per dataset, per slot and
    for references: cluster-wide, so they would outlive the database)."""
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        roles = await conn.fetch(
            "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)", f"{role_prefix(name)}_"
        )
        for role in roles:
            await conn.execute(f'DROP ROLE IF EXISTS "{role["rolname"]}"')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def sql_postgres_url(postgres_dsn: str) -> Iterator[str]:
    """A database used only for grading SQL, separate from Viva's own test database; dropped
    with its grading roles at the end of the session."""
    name = f"viva_test_{worker_id()}_sql"
    run_async(_recreate_database(name))
    yield f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}"
    try:
        run_async(_drop_grading_database(name))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        print(f"\nnote: could not drop the grading database {name}: {exc}")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis not reachable at {REDIS_URL}: {exc}")
    yield REDIS_URL
    client.close()


# The app on both databases -------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("db") / "viva.db"
    url = f"sqlite+aiosqlite:///{path}"
    run_async(seed_database(_settings(url, path.parent)))
    return url


@pytest.fixture(scope="session")
def postgres_url(postgres_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = postgres_dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    run_async(seed_database(_settings(url, tmp_path_factory.mktemp("pg"))))
    return url


def _settings(url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": url,
        "data_dir": data_dir,
        "redis_url": None,
        "secret_key": "test-secret-key-" + "x" * 32,
        "log_level": "warning",
        "sandbox_uid_base": uid_base(1000),
    }
    values.update(overrides)
    return Settings.model_validate(values)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test that uses the database runs on SQLite and on PostgreSQL."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def settings(db_url: str, tmp_path: Path, sql_postgres_url: str) -> Settings:
    return _settings(db_url, tmp_path, sql_postgres_url=sql_postgres_url)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    """The test's database; afterwards it is reset to its seeded state (see `reset_database`),
    so no state passes from one test to the next."""
    db = Database(settings.effective_database_url)
    yield db
    await db.dispose()
    await reset_database(settings)


# Isolation: each xdist worker has databases of its own (a SQLite file, a PostgreSQL database),
# migrated and seeded once per session. The rows the seed wrote are kept; after each test every
# table is emptied and those rows written back, so the next test starts from the seeded state
# whatever this one wrote or edited, and a table added later needs no entry here.


@dataclass(frozen=True)
class Seeded:
    """A database's rows right after it was migrated and seeded."""

    tables: dict[str, list[dict[str, Any]]]  # table name -> rows
    search: list[dict[str, Any]]  # SQLite's FTS5 index (PostgreSQL's is a generated column)


# Database URL -> its seeded rows: written once per database, when the session fixture that
# owns it seeds it (a cache of the session's fixtures, not state of any test).
SEEDED: dict[str, Seeded] = {}


async def seed_database(settings: Settings) -> None:
    """Migrate and seed a fresh database, and keep what the seed wrote for `reset_database`."""
    url = settings.effective_database_url
    await prepare_database(settings, migrate=True)
    db = Database(url)
    try:
        SEEDED[url] = await read_rows(db)
    finally:
        await db.dispose()


async def read_rows(db: Database) -> Seeded:
    """Every row of the database (by primary key) and, on SQLite, of its search index."""
    async with db.session() as session:
        tables = {
            table.name: [
                dict(row._mapping)
                for row in await session.execute(select(table).order_by(*table.primary_key))
            ]
            for table in Base.metadata.sorted_tables
        }
        search = []
        if db.dialect == "sqlite":
            found = await session.execute(
                text("SELECT body, tags, question_id FROM question_search ORDER BY question_id")
            )
            search = [dict(row._mapping) for row in found]
    return Seeded(tables=tables, search=search)


async def reset_database(settings: Settings) -> None:
    """Empty every table and write the seeded rows back. A grading thread of the test's app
    that was still finishing can hold SQLite's write lock for a moment after the app
    stopped: try again."""
    for attempt in range(5):
        try:
            await _reset_database(settings)
            return
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == 4:
                raise
            await asyncio.sleep(2)


async def _reset_database(settings: Settings) -> None:
    url = settings.effective_database_url
    seeded = SEEDED[url]  # a KeyError: this database was not made by seed_database
    db = Database(url)
    try:
        async with db.session() as session:
            for table in reversed(Base.metadata.sorted_tables):  # children before parents
                await session.execute(table.delete())
            for table in Base.metadata.sorted_tables:
                if rows := seeded.tables[table.name]:
                    await session.execute(table.insert(), rows)
            if db.dialect == "sqlite":
                await session.execute(text("DELETE FROM question_search"))
                if seeded.search:
                    await session.execute(
                        text(
                            "INSERT INTO question_search (body, tags, question_id)"
                            " VALUES (:body, :tags, :question_id)"
                        ),
                        seeded.search,
                    )
    finally:
        await db.dispose()


async def make_user(database: Database, settings: Settings, *, role: str) -> dict[str, str]:
    """A user of this role with a fresh access token; returns the Authorization header."""
    async with database.session() as session:
        user = await factories.user(session, role=role)
    return factories.bearer(user, key=settings.effective_secret_key)


class Client(httpx.AsyncClient):
    """An anonymous client that also holds headers for a candidate and an admin."""

    candidate: dict[str, str]
    admin: dict[str, str]


@pytest.fixture
async def client(settings: Settings, database: Database) -> AsyncIterator[Client]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with Client(transport=transport, base_url="http://viva.test") as c:
            c.candidate = await make_user(database, settings, role="candidate")
            c.admin = await make_user(database, settings, role="admin")
            yield c


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many model-answer code blocks of each kind the content tests ran or checked."""
    from collections import Counter

    from tests.content import blocks
    from viva.bank.answers import load_answers

    counts = Counter(
        blocks.classify(block) for answer in load_answers().values() for block in answer.code_blocks
    )
    line = ", ".join(f"{kind}: {n}" for kind, n in sorted(counts.items()))
    terminalreporter.write_sep("-", f"model-answer code blocks by check: {line}")


# A real server --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(db_url: str, tmp_path: Path, sql_postgres_url: str) -> Iterator[str]:
    """`viva serve` in its own process, on a free loopback port; once it has stopped, the
    database is reset to its seeded state."""
    yield from serve(db_url, tmp_path, sql_postgres_url)
    run_async(reset_database(_settings(db_url, tmp_path)))


# A bound on a server's start (imports, migrations check, the sandbox), not a timing: over a
# minute was seen with the host's load average above 20 on 2 cores.
SERVE_STARTUP_SECONDS = 150
# Slot uid offsets of `serve()` processes, in turn: servers running at once (two rooms
# servers, a module's Judge0 server and a test's own) never share a slot uid.
_SERVE_UIDS = itertools.cycle(range(2000, 2500, 100))


def serve(
    db_url: str, tmp_path: Path, sql_postgres_url: str, *args: str, **env_extra: str
) -> Iterator[str]:
    """`viva serve` (with extra CLI `args` and `env_extra`) until the generator is closed;
    its slot uids from this run's range (`uid_base`: VIVA_TEST_RUN, the xdist worker)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIVA_")}
    env.update(VIVA_DATABASE_URL=db_url, VIVA_DATA_DIR=str(tmp_path), VIVA_LOG_LEVEL="warning")
    env["VIVA_SQL_POSTGRES_URL"] = sql_postgres_url
    env["VIVA_SANDBOX_UID_BASE"] = str(uid_base(next(_SERVE_UIDS)))
    env.update(env_extra)
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "viva.cli", "serve", "--port", str(port), *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVE_STARTUP_SECONDS
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"viva serve exited: {(tmp_path / 'server.log').read_text()}")
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail(f"viva serve did not become ready in {SERVE_STARTUP_SECONDS} s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=60)  # shutting down can take long on a loaded host too
        log.close()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Any]:
    """A redis-server of the test's own, on its own port: a fault test may kill and restart
    it (tests.servers.RedisServer; imported here because that module imports this one)."""
    from tests.servers import RedisServer

    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
