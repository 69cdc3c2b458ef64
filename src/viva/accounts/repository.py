"""Every query of accounts. Functions take the session and keyword-only arguments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts.models import (
    ApiKey,
    Assignment,
    AuditEntry,
    LoginLink,
    RefreshToken,
    SiteSetting,
    User,
)
from viva.accounts.roles import Role


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def get_user(session: AsyncSession, *, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def user_named(session: AsyncSession, *, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def list_users(
    session: AsyncSession, *, order_by: Literal["id", "username"] = "id"
) -> Sequence[User]:
    column = User.username if order_by == "username" else User.id
    return (await session.scalars(select(User).order_by(column))).all()


async def candidates(session: AsyncSession, *, interviewer_id: int | None) -> Sequence[User]:
    """Candidates assigned to this interviewer; every candidate for None."""
    query = select(User).where(User.role == Role.CANDIDATE).order_by(User.id)
    if interviewer_id is not None:
        query = query.join(Assignment, Assignment.candidate_id == User.id).where(
            Assignment.interviewer_id == interviewer_id
        )
    return (await session.scalars(query)).all()


async def refresh_token(session: AsyncSession, *, token_hash: str) -> RefreshToken | None:
    return await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))


async def revoke_refresh_family(session: AsyncSession, *, family: str, at: datetime) -> None:
    await session.execute(
        update(RefreshToken).where(RefreshToken.family == family).values(revoked_at=at)
    )


async def revoke_refresh_token(session: AsyncSession, *, token_hash: str, at: datetime) -> None:
    await session.execute(
        update(RefreshToken).where(RefreshToken.token_hash == token_hash).values(revoked_at=at)
    )


async def revoke_refresh_tokens_of(session: AsyncSession, *, user_id: int, at: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )


async def active_api_key(session: AsyncSession, *, key_hash: str) -> ApiKey | None:
    return await session.scalar(
        select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    )


async def get_api_key(session: AsyncSession, *, key_id: int) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def api_keys_of(session: AsyncSession, *, user_id: int) -> Sequence[ApiKey]:
    return (
        await session.scalars(select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.id))
    ).all()


async def login_link(session: AsyncSession, *, token_hash: str) -> LoginLink | None:
    return await session.scalar(select(LoginLink).where(LoginLink.token_hash == token_hash))


async def audit_entries(session: AsyncSession, *, limit: int) -> Sequence[AuditEntry]:
    return (
        await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
    ).all()


async def site_setting(session: AsyncSession, *, key: str) -> SiteSetting | None:
    return await session.get(SiteSetting, key)


async def set_site_setting(session: AsyncSession, *, key: str, value: Any) -> None:
    row = await session.get(SiteSetting, key)
    if row is None:
        session.add(SiteSetting(key=key, value=value))
    else:
        row.value = value


async def assignment_exists(
    session: AsyncSession, *, interviewer_id: int, candidate_id: int
) -> bool:
    return await session.get(Assignment, (interviewer_id, candidate_id)) is not None
