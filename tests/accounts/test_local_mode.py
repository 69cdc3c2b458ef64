"""Local mode: `viva serve` on loopback with no users creates an admin and prints a link."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.conftest import serve


def test_first_start_prints_a_one_time_admin_link(tmp_path: Path, sql_postgres_url: str) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    server = serve(url, tmp_path, sql_postgres_url)
    base = next(server)
    try:
        log = (tmp_path / "server.log").read_text()
        match = re.search(r"(/auth/link/[\w-]+)", log)
        assert match, log
        with httpx.Client(base_url=base) as browser:
            signed_in = browser.get(match.group(1), follow_redirects=True)
            assert signed_in.status_code == 200 and "Your progress" in signed_in.text
            assert browser.get("/api/v1/me").json()["role"] == "admin"
            again = httpx.get(f"{base}{match.group(1)}")
            assert again.status_code == 410
    finally:
        server.close()
