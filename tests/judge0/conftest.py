"""A real `viva serve` for the Judge0 API tests (on SQLite and on PostgreSQL), Judge0 keys
made straight in its database, and a loopback receiver for callbacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from tests.conftest import _free_port, run_async, uid_base
from viva.accounts import service as accounts
from viva.accounts.models import User
from viva.db import Database

CALLBACK_SECRET = "judge0-callback-secret-for-tests"


@dataclass
class Server:
    url: str  # the Judge0 API's base: http://127.0.0.1:PORT/judge0
    db_url: str
    users: list[int] = field(default_factory=list)

    def key(self, *, role: str = "candidate", scopes: tuple[str, ...] = ("judge0",)) -> str:
        """A new user's API key (a user of its own: quotas and visibility are per user)."""

        async def make() -> tuple[int, str]:
            database = Database(self.db_url)
            try:
                async with database.session() as session:
                    user = await accounts.create_user(
                        session, username=f"j0-{uuid.uuid4().hex[:12]}", password=None, role=role
                    )
                    _, secret = await accounts.create_api_key(
                        session, user=user, name="judge0 tests", scopes=list(scopes)
                    )
                    return user.id, secret
            finally:
                await database.dispose()

        user_id, secret = run_async(make())
        self.users.append(user_id)
        return secret

    def forget_users(self) -> None:
        async def drop() -> None:
            database = Database(self.db_url)
            try:
                async with database.session() as session:
                    await session.execute(delete(User).where(User.id.in_(self.users)))
            finally:
                await database.dispose()

        if self.users:
            run_async(drop())
        self.users.clear()


def _serve(db_url: str, data_dir: Path, env_extra: dict[str, str], *args: str) -> Iterator[str]:
    """`viva serve` in its own process on a free port; its slot uids from this run's range
    (VIVA_TEST_RUN), apart from other suites running at the same time."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIVA_")}
    env.update(VIVA_DATABASE_URL=db_url, VIVA_DATA_DIR=str(data_dir), VIVA_LOG_LEVEL="warning")
    env["VIVA_SANDBOX_UID_BASE"] = str(uid_base(5000))
    env.update(env_extra)
    log_path = data_dir / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "viva.cli", "serve", "--port", str(port), *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    pytest.fail(f"viva serve exited: {log_path.read_text()}")
                try:
                    if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            else:
                pytest.fail("viva serve did not become ready in 60 s")
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=20)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    db_url = str(request.getfixturevalue(f"{request.param}_url"))
    data_dir = tmp_path_factory.mktemp("judge0-server")
    config = {
        "callback_hosts": ["127.0.0.1"],
        "callback_secret": CALLBACK_SECRET,
        "enable_submission_delete": True,
        "max_cpu_time_limit": 15,
    }
    env = {"VIVA_JUDGE0": json.dumps(config), "VIVA_RATE_LIMIT_SUBMISSIONS": "10000/minute"}
    for url in _serve(db_url, data_dir, env):
        found = Server(url=f"{url}/judge0", db_url=db_url)
        try:
            yield found
        finally:
            found.forget_users()


class Receiver:
    """A loopback HTTP server that records every request (callbacks)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                self.send_response(200)
                self.end_headers()
                receiver.arrived.set()

            def log_message(self, *args: Any) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()
