"""The `cluster` fixture: a server-mode deployment of the test's own (see cluster.py)."""

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
        for log in sorted(tmp_path.glob("*.log")):
            text = log.read_text(errors="replace")
            if "Traceback" in text:
                print(f"--- {log.name}\n{text[-4000:]}")
