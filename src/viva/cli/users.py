"""`viva users`: accounts on a server."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts import public
from viva.accounts import service as accounts
from viva.accounts.roles import Role
from viva.cli._common import console, ensure_schema, run
from viva.settings import Settings

app = typer.Typer(help="User accounts.", no_args_is_help=True)


@app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="3-40 characters: a-z 0-9 _ . -")],
    role: Annotated[Role, typer.Option(help="candidate, interviewer or admin")] = Role.CANDIDATE,
    password: Annotated[str | None, typer.Option(help="at least 10 characters (prompted)")] = None,
) -> None:
    """Create a user on a server."""
    ensure_schema(Settings())
    secret = password or typer.prompt("password", hide_input=True, confirmation_prompt=True)
    user = run(lambda s: accounts.create_user(s, username=username, password=secret, role=role))
    console.print(f"created [bold]{user.username}[/] ({user.role})")


@app.command("link")
def users_link(
    username: Annotated[str, typer.Argument(help="The user to sign in")],
) -> None:
    """Print a one-time sign-in link for a user (valid 15 minutes)."""
    settings = Settings()
    ensure_schema(settings)

    async def make(session: AsyncSession) -> str:
        user = await public.require_user_named(session, username=username)
        return await accounts.create_login_link(session, user=user)

    token = run(make)
    console.print(f"http://{settings.host}:{settings.port}/auth/link/{token}")
