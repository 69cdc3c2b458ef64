"""The `cluster` fixture: a server-mode deployment of the test's own (see cluster.py); the
`embedded` fixture: the same processes without Redis, on a SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_DSN, _recreate_database, _settings, run_async, worker_id
from tests.infra.cluster import SECRET, Cluster
from tests.servers import RedisServer
from viva.app import prepare_database


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """One `viva serve` (a test may start more) on a fresh PostgreSQL database and a
    redis-server of its own; workers are started by the test."""
    name = f"viva_test_{worker_id()}_workers"
    try:
        run_async(_recreate_database(name))
    except OSError as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    url = f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}".replace(
        "postgresql://", "postgresql+asyncpg://", 1
    )
    settings = _settings(url, tmp_path, secret_key=SECRET)
    run_async(prepare_database(settings, migrate=True))
    redis = RedisServer(tmp_path)
    redis.start()
    cluster = Cluster(settings=settings, redis=redis, tmp=tmp_path)
    cluster.headers = cluster.new_candidate()
    try:
        cluster.start_api()
        yield cluster
    finally:
        cluster.stop()
        redis.stop()
        _print_tracebacks(tmp_path)


def _print_tracebacks(tmp_path: Path) -> None:
    for log in sorted(tmp_path.glob("*.log")):
        text = log.read_text(errors="replace")
        if "Traceback" in text:
            print(f"--- {log.name}\n{text[-4000:]}")


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Cluster]:
    """No Redis, a SQLite database in `tmp_path`: `viva serve` grades in-process. The test
    starts the server (with the options it checks)."""
    settings = _settings(f"sqlite+aiosqlite:///{tmp_path / 'viva.db'}", tmp_path, secret_key=SECRET)
    run_async(prepare_database(settings, migrate=True))
    cluster = Cluster(settings=settings, redis=None, tmp=tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop()
        _print_tracebacks(tmp_path)
