"""Browser tests: a real `viva serve` process and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.conftest import unavailable

CHROMIUM = os.environ.get("VIVA_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def browser() -> Iterator[Browser]:
    """A browser per test: Playwright's sync API keeps an event loop running in this thread
    while it is open, which must not outlive the test (async tests follow in this worker)."""
    if not shutil.which(CHROMIUM):
        unavailable(f"{CHROMIUM} not found (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def live_server(db_url: str, tmp_path: Path, sql_postgres_url: str) -> Iterator[str]:
    """`viva serve` in its own process, on a free loopback port."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIVA_")}
    env.update(VIVA_DATABASE_URL=db_url, VIVA_DATA_DIR=str(tmp_path), VIVA_LOG_LEVEL="warning")
    env["VIVA_SQL_POSTGRES_URL"] = sql_postgres_url
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    env["VIVA_SANDBOX_UID_BASE"] = str(65000 + 10 * (int(worker) if worker.isdigit() else 9))
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "viva.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"viva serve exited: {(tmp_path / 'server.log').read_text()}")
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
        log.close()
