"""A real `viva serve` for the Judge0 API tests (on SQLite and on PostgreSQL), Judge0 keys
made straight in its database, and a loopback receiver for callbacks."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import delete

from tests.conftest import run_async, serve
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


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    db_url = str(request.getfixturevalue(f"{request.param}_url"))
    sql_postgres_url = str(request.getfixturevalue("sql_postgres_url"))
    data_dir = tmp_path_factory.mktemp("judge0-server")
    config = {
        "callback_hosts": ["127.0.0.1"],
        "callback_secret": CALLBACK_SECRET,
        "enable_submission_delete": True,
        "max_cpu_time_limit": 15,
    }
    env = {"VIVA_JUDGE0": json.dumps(config), "VIVA_RATE_LIMIT_SUBMISSIONS": "10000/minute"}
    for url in serve(db_url, data_dir, sql_postgres_url, **env):
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
