"""SQL grading fixtures: the engines, with PostgreSQL on a grading database of this worker's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_DSN, _recreate_database, run_async, worker_id
from viva.grading.sql.challenges import SqlChallenge, load_sql_challenge
from viva.grading.sql.engines import PostgresEngine
from viva.grading.sql.grading import SqlEngines

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def sql_postgres_url(postgres_dsn: str) -> str:
    """A database used only for grading, separate from Viva's own test database."""
    name = f"viva_test_{worker_id()}_sql"
    run_async(_recreate_database(name))
    return f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}"


@pytest.fixture(scope="session")
async def sql_engines(sql_postgres_url: str) -> AsyncIterator[SqlEngines]:
    postgres = PostgresEngine(sql_postgres_url)
    await postgres.start()
    engines = SqlEngines(postgres)
    yield engines
    await engines.close()


@pytest.fixture(scope="session")
def hostile_base() -> SqlChallenge:
    return load_sql_challenge(FIXTURES / "hostile-base")
