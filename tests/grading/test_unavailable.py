"""A host that cannot isolate code (here: bubblewrap missing from PATH) says so at start-up
and on challenge pages, and refuses submissions with a 503 before storing anything."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import Client, _free_port
from viva.app import create_app
from viva.db import Database
from viva.grading.models import Submission
from viva.settings import Settings

NO_BWRAP = "/nonexistent-viva-test"
SOLUTION = "def is_palindrome(t):\n    return True\n"


async def _count(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Submission)) or 0)


async def test_pages_say_grading_is_unavailable_and_submissions_are_refused_unstored(
    client: Client, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", NO_BWRAP)
    page = await client.get("/challenges/palindrome")
    assert page.status_code == 200
    assert "Grading is unavailable" in page.text and "bubblewrap is not installed" in page.text
    listing = await client.get("/challenges")
    assert "Grading is unavailable" in listing.text
    before = await _count(database)
    for path in ("/api/v1/challenges/palindrome/submissions", "/api/v1/challenges/palindrome/run"):
        refused = await client.post(path, json={"source": SOLUTION}, headers=client.candidate)
        assert refused.status_code == 503, refused.text
        assert (
            "bubblewrap" in refused.json()["detail"] and "viva doctor" in refused.json()["detail"]
        )
    sql = await client.post(
        "/api/v1/challenges/sql-top-3-salaries/submissions",
        json={"source": "SELECT 1", "dialect": "sqlite"},
        headers=client.candidate,
    )
    assert sql.status_code == 503, sql.text
    assert await _count(database) == before


async def test_leftover_submissions_stay_queued_when_the_host_cannot_grade(
    settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with database.session() as session:
        await factories.submission(session, source=SOLUTION)
    monkeypatch.setenv("PATH", NO_BWRAP)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await asyncio.sleep(1.0)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://viva.test") as c:
            assert (await c.get("/healthz")).status_code == 200
    async with database.session() as session:
        row = (await session.scalars(select(Submission))).one()
    assert (row.status, row.attempts, row.verdict) == ("queued", 0, None)


def test_viva_serve_says_at_start_up_that_grading_is_unavailable(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        "PATH": NO_BWRAP,
        "HOME": str(tmp_path),
        "VIVA_DATA_DIR": str(tmp_path / "data"),
        "VIVA_PORT": str(port),
        "VIVA_LOG_LEVEL": "warning",
    }
    if "VIRTUAL_ENV" in os.environ:
        env["VIRTUAL_ENV"] = os.environ["VIRTUAL_ENV"]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from viva.cli import app; app()", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("viva serve did not start")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "Grading is unavailable" in err and "bubblewrap is not installed" in err, err
