"""The `viva` command (typer + rich): one module per command group, each thin, calling the
service functions the API routes call. A new command goes in its group's module and is
registered here."""

from __future__ import annotations

import typer

from viva.cli import bank, challenge, db, practice, server, users

app = typer.Typer(help="Viva: self-hosted interview practice and assessment.", no_args_is_help=True)
app.command()(server.serve)
app.command("config")(server.show_config)
app.command()(server.doctor)
app.command("import")(bank.import_)
app.command()(bank.export)
app.command()(practice.progress)
app.command()(practice.practice)
app.add_typer(db.app, name="db")
app.add_typer(bank.questions_app, name="questions")
app.add_typer(users.app, name="users")
app.add_typer(challenge.app, name="challenge")
