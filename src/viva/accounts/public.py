"""What other domains may ask accounts, and the one home of each answer: who an active user
is, who goes by a username, whose candidates an interviewer has, and whose work a viewer may
see.

A declared seam (pyproject's import-linter contract): practice, rooms and the request
lifecycle authorise through these functions instead of reaching into accounts' use cases.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts import repository
from viva.accounts.models import User
from viva.accounts.roles import Role
from viva.errors import NotFound


async def get_user(session: AsyncSession, *, user_id: int) -> User | None:
    """The user when the account is active."""
    user = await repository.get_user(session, user_id=user_id)
    return user if user is not None and user.is_active else None


async def get_user_by_name(session: AsyncSession, *, username: str) -> User | None:
    """The account of this username (case and spaces around it do not matter), active or not."""
    return await repository.user_named(session, username=username.strip().lower())


async def require_user_named(session: AsyncSession, *, username: str) -> User:
    user = await get_user_by_name(session, username=username)
    if user is None:
        raise NotFound(f"no user '{username}'")
    return user


async def may_see_work_of(session: AsyncSession, *, viewer: User, owner_id: int | None) -> bool:
    """Candidates see their own work, interviewers that of their candidates, admins all."""
    if viewer.role is Role.ADMIN or owner_id == viewer.id:
        return True
    if viewer.role is Role.INTERVIEWER and owner_id is not None:
        return await repository.assignment_exists(
            session, interviewer_id=viewer.id, candidate_id=owner_id
        )
    return False


async def candidates_of(session: AsyncSession, *, interviewer: User) -> list[User]:
    """The candidates assigned to an interviewer (for an admin: every candidate)."""
    everyone = interviewer.role is Role.ADMIN
    return list(
        await repository.candidates(session, interviewer_id=None if everyone else interviewer.id)
    )
