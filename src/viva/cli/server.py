"""`viva serve`, `viva config`, `viva doctor`: running a server and checking its host."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts import service as accounts
from viva.accounts.roles import Role
from viva.cli._common import console, err, run
from viva.settings import Settings

if TYPE_CHECKING:
    import socket

    import uvicorn


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (VIVA_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (VIVA_PORT)")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (VIVA_WORKERS)")] = None,
    judge0_port: Annotated[
        int | None,
        typer.Option(help="Also serve the Judge0 API at / of this port (VIVA_JUDGE0_PORT)"),
    ] = None,
) -> None:
    """Serve Viva (migrates the embedded database and loads the built-in track first)."""
    import os

    import uvicorn

    from viva.app import prepare_database

    if judge0_port is not None:
        os.environ["VIVA_JUDGE0_PORT"] = str(judge0_port)  # for the worker processes' Settings
    settings = Settings()
    asyncio.run(prepare_database(settings, migrate=settings.is_sqlite))
    host, port = host or settings.host, port or settings.port
    if host in ("127.0.0.1", "localhost", "::1") and run(accounts.count_users) == 0:
        # Local mode: one person on their own machine gets an admin and a one-time link.
        token = run(_first_admin)
        console.print(
            f"[bold]Sign in:[/] http://{host}:{port}/auth/link/{token}  (one use, 15 minutes)"
        )
    database = settings.masked()["database_url"]
    console.print(f"[bold green]Viva[/] on http://{host}:{port}  (database: {database})")
    from viva.grading.grader import grading_unavailable

    unavailable = grading_unavailable(settings)
    if unavailable:
        err.print(f"[bold red]Grading is unavailable:[/] {escape(unavailable)}")
    if settings.sandbox == "none":
        err.print(
            "[bold yellow]warning:[/] VIVA_SANDBOX=none — submitted code runs WITHOUT "
            "isolation. Use this only for trusted, single-user practice."
        )
    # uvicorn answers 503 once its connections reach its limit, the new one counted.
    limit = None if settings.max_connections is None else settings.max_connections + 1
    config = uvicorn.Config(
        "viva.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        access_log=False,
        timeout_keep_alive=settings.keepalive_seconds,
        backlog=settings.backlog,
        limit_concurrency=limit,
        # wsproto holds an idle WebSocket in about half the memory of the `websockets`
        # implementation (measured: README "Live interview rooms", bench/bench_ws.py).
        ws="wsproto",
        # No permessage-deflate: browsers offer it, and each socket that has sent one
        # compressed frame keeps a zlib context (about 90 KB) for good; Viva's frames are
        # small JSON and Yjs updates. Frames over 1 MiB are refused before they are buffered
        # (a document frame may be 512 KB, a control frame 4 KB).
        ws_per_message_deflate=False,
        ws_max_size=1 << 20,
    )
    if settings.judge0_port is None:
        _serve(config, [])
        return
    console.print(f"[bold green]Judge0 API[/] on http://{host}:{settings.judge0_port}")
    judge0 = uvicorn.Config(config.app, host=config.host, port=settings.judge0_port)
    _serve(config, [judge0.bind_socket()])


def _serve(config: uvicorn.Config, more: list[socket.socket]) -> None:
    """Viva's port and any more sockets (the Judge0 port: the app sends what arrives there
    to /judge0, see viva.judge0.app.Judge0Port), in one process or in worker processes."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    sockets = [config.bind_socket(), *more]
    if config.workers > 1:
        Multiprocess(config, sockets=sockets).run()
    else:
        uvicorn.Server(config).run(sockets=sockets)


async def _first_admin(session: AsyncSession) -> str:
    admin = await accounts.create_user(session, username="admin", password=None, role=Role.ADMIN)
    return await accounts.create_login_link(session, user=admin)


def show_config() -> None:
    """Print the effective settings, secrets masked."""
    settings = Settings()
    settings.effective_secret_key  # noqa: B018  (generate and persist it on first run)
    table = Table("setting", "value", title="Effective settings (VIVA_*)")
    for key, value in settings.masked().items():
        table.add_row(key, json.dumps(value) if not isinstance(value, str) else value)
    console.print(table)


def doctor() -> None:
    """Check each isolation feature grading needs, and say how to fix what fails here."""
    from viva.grading.sandbox.doctor import probe

    settings = Settings()
    if settings.sandbox == "none":
        console.print(
            "[yellow]VIVA_SANDBOX=none: code runs without isolation (trusted use only)[/]"
        )
    ok = True
    for check in probe(uid_base=settings.sandbox_uid_base):
        ok &= check.passed
        mark = "[green]ok[/]  " if check.passed else "[red]FAIL[/]"
        console.print(f"{mark} {escape(check.name)}: {escape(check.meaning)}")
        if not check.passed and check.fix:
            console.print(f"       fix: {escape(check.fix)}")
    raise typer.Exit(0 if ok else 1)
