"""`viva db`: the database schema."""

from __future__ import annotations

import asyncio

import typer

from viva.cli._common import console
from viva.settings import Settings

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations and load the built-in track."""
    from viva.app import prepare_database

    settings = Settings()
    asyncio.run(prepare_database(settings, migrate=True))
    console.print("[green]database is up to date[/]")
