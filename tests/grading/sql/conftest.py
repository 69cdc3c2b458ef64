"""SQL grading fixtures: the engines, with PostgreSQL on a grading database of this worker's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from viva.grading.sql.challenges import SqlChallenge, load_sql_challenge
from viva.grading.sql.grading import SqlEngines
from viva.grading.sql.postgres_engine import PostgresEngine

FIXTURES = Path(__file__).parent / "fixtures"


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
