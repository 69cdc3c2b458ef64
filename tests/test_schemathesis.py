"""Schemathesis fuzzes every documented endpoint of a running server: no 5xx, and every
response conforms to the OpenAPI schema it publishes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.conftest import serve


@pytest.fixture(scope="session")
def fuzz_server(
    sqlite_url: str, tmp_path_factory: pytest.TempPathFactory, sql_postgres_url: str
) -> Iterator[str]:
    yield from serve(
        sqlite_url,
        tmp_path_factory.mktemp("fuzz"),
        sql_postgres_url,
        VIVA_RATE_LIMIT_SUBMISSIONS="100000/minute",
        VIVA_RATE_LIMIT_AUTH="100000/minute",
        VIVA_RATE_LIMIT_LOGIN_FAILURES="100000/minute",
    )


@pytest.fixture(scope="session")
def admin_headers(fuzz_server: str, sqlite_url: str) -> dict[str, str]:
    """An admin of the fuzzed server, signed in through the OAuth2 password flow."""
    import uuid

    import httpx

    from tests.conftest import run_async
    from viva.accounts import service as accounts
    from viva.db import Database

    username, password = f"fuzz-{uuid.uuid4().hex[:8]}", "fuzzing password 1"

    async def make() -> None:
        database = Database(sqlite_url)
        try:
            async with database.session() as session:
                await accounts.create_user(
                    session, username=username, password=password, role="admin"
                )
        finally:
            await database.dispose()

    run_async(make())
    token = httpx.post(
        f"{fuzz_server}/api/v1/auth/token", data={"username": username, "password": password}
    )
    token.raise_for_status()
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


@pytest.fixture(scope="session")
def api_schema(fuzz_server: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{fuzz_server}/openapi.json")


@pytest.fixture
def fuzzed_database(sqlite_url: str, tmp_path: Path) -> Iterator[None]:
    """What the fuzzer wrote (tracks, users, open sign-up...) must not reach later tests."""
    yield
    from tests.conftest import _settings, reset_database, run_async

    run_async(reset_database(_settings(sqlite_url, tmp_path)))


def test_api_conforms_to_its_schema(
    api_schema: schemathesis.BaseSchema,
    admin_headers: dict[str, str],
    fuzzed_database: None,
    fuzz_server: str,
) -> None:
    failures: list[str] = []
    operations = 0
    # A sign-out everywhere revokes the fuzzer's own token: fuzzed last, so that every other
    # operation is still called by a signed-in admin.
    every = [result.ok() for result in api_schema.get_all_operations()]
    for operation in sorted(every, key=lambda op: op.path == "/api/v1/auth/logout-everywhere"):
        operations += 1

        @given(operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        def check(case: schemathesis.Case) -> None:
            # An opaque cursor cannot be described by a schema: a random one is a 400, not a
            # rejection of valid data.
            case.call_and_validate(
                headers=admin_headers, excluded_checks=[positive_data_acceptance]
            )

        try:
            check()
        except Exception as exc:  # one line per failing operation, then fail once
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:600]}")
    import httpx

    paths = httpx.get(f"{fuzz_server}/openapi.json").json()["paths"]
    documented = sum(len(ops) for ops in paths.values())
    assert operations == documented > 40  # every documented operation was fuzzed
    assert not failures, "\n\n".join(failures)


def test_every_api_route_is_documented(fuzz_server: str, sqlite_url: str, tmp_path: Path) -> None:
    """The schema the server publishes lists exactly the API operations the app routes (so
    the fuzzing above reaches every one), and no API route hides from it."""
    import httpx

    from tests.conftest import _settings
    from viva.accounts.policy import iter_api_routes
    from viva.app import create_app

    routes = [
        r
        for r in iter_api_routes(list(create_app(_settings(sqlite_url, tmp_path)).routes))
        if r.path.startswith("/api/")
    ]
    assert [r.path for r in routes if not r.include_in_schema] == []
    served = {(m.lower(), r.path) for r in routes for m in r.methods - {"HEAD"}}
    spec = httpx.get(f"{fuzz_server}/openapi.json").json()["paths"]
    documented = {(m, p) for p, ops in spec.items() if p.startswith("/api/") for m in ops}
    assert len(served) > 40 and documented == served
