"""The `cluster` fixture: a server-mode deployment of the test's own (see cluster.py); the
`embedded` fixture: the same processes without Redis, on a SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import _settings, run_async
from tests.infra.cluster import SECRET, Cluster, print_tracebacks, server_mode
from viva.app import prepare_database


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """One `viva serve` (a test may start more) on a fresh PostgreSQL database and a
    redis-server of its own; workers are started by the test."""
    with server_mode(tmp_path, name="workers", kind=Cluster) as deployed:
        yield deployed


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
        print_tracebacks(tmp_path)
