"""Account use cases: users, sign-in, token rotation, API keys, login links, audit."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts import security
from viva.accounts.models import (
    ROLES,
    ApiKey,
    Assignment,
    Attempt,
    AuditEntry,
    LoginLink,
    RefreshToken,
    SiteSetting,
    User,
)
from viva.errors import NotFound, VivaError

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,39}$")


class AuthFailed(VivaError):
    status = 401
    title = "Not authenticated"


class LinkExpired(VivaError):
    status = 410
    title = "Sign-in link expired"


class Forbidden(VivaError):
    status = 403
    title = "Forbidden"


class Conflict(VivaError):
    status = 409
    title = "Conflict"


class InvalidAccount(VivaError):
    status = 422
    title = "Invalid account"


def now() -> datetime:
    return datetime.now(UTC)


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def get_user(session: AsyncSession, *, user_id: int) -> User | None:
    user = await session.get(User, user_id)
    return user if user is not None and user.is_active else None


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str | None,
    role: str,
    actor: User | None = None,
) -> User:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidAccount("usernames are 3-40 characters: a-z, 0-9, '_', '.', '-'")
    if role not in ROLES:
        raise InvalidAccount(f"role must be one of {', '.join(ROLES)}")
    if password is not None and len(password) < 10:
        raise InvalidAccount("passwords have at least 10 characters")
    if await session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"the username '{username}' is taken")
    user = User(
        username=username,
        role=role,
        password_hash=security.hash_password(password) if password else None,
    )
    session.add(user)
    await session.flush()
    await audit(session, actor=actor, action="user.create", target=username, detail={"role": role})
    return user


async def get_user_by_name(session: AsyncSession, *, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username.strip().lower()))


async def require_user_named(session: AsyncSession, *, username: str) -> User:
    user = await get_user_by_name(session, username=username)
    if user is None:
        raise NotFound(f"no user '{username}'")
    return user


async def authenticate(session: AsyncSession, *, username: str, password: str) -> User | None:
    user = await get_user_by_name(session, username=username)
    hashed = user.password_hash if user is not None and user.is_active else None
    return user if security.verify_password(password, hashed) and user is not None else None


async def issue_refresh(session: AsyncSession, *, user: User, family: str | None = None) -> str:
    token = security.new_secret()
    session.add(
        RefreshToken(
            user_id=user.id,
            token_hash=security.digest(token),
            family=family or secrets.token_hex(16),
            expires_at=now() + security.REFRESH_TTL,
        )
    )
    await session.flush()
    return token


async def rotate_refresh(session: AsyncSession, *, token: str) -> tuple[User, str]:
    """Spend a refresh token for a new one. Reusing a spent token revokes its whole family:
    someone else holds a copy."""
    row = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == security.digest(token))
    )
    if row is None or row.expires_at < now():
        raise AuthFailed("the refresh token is not valid")
    if row.revoked_at is not None:
        await session.execute(
            update(RefreshToken).where(RefreshToken.family == row.family).values(revoked_at=now())
        )
        await session.commit()
        raise AuthFailed(
            "the refresh token was already used; every token of this sign-in is revoked"
        )
    user = await get_user(session, user_id=row.user_id)
    if user is None:
        raise AuthFailed("the account is disabled")
    row.revoked_at = now()
    return user, await issue_refresh(session, user=user, family=row.family)


async def revoke_refresh(session: AsyncSession, *, token: str) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.token_hash == security.digest(token))
        .values(revoked_at=now())
    )


async def create_api_key(
    session: AsyncSession, *, user: User, name: str, scopes: list[str]
) -> tuple[ApiKey, str]:
    secret = "viva_" + security.new_secret()
    key = ApiKey(
        user_id=user.id,
        name=name,
        prefix=secret[:12],
        key_hash=security.digest(secret),
        scopes=scopes,
    )
    session.add(key)
    await session.flush()
    await audit(
        session, actor=user, action="api_key.create", target=name, detail={"scopes": scopes}
    )
    return key, secret


async def user_for_api_key(session: AsyncSession, *, secret: str) -> tuple[User, list[str]] | None:
    key = await session.scalar(
        select(ApiKey).where(
            ApiKey.key_hash == security.digest(secret), ApiKey.revoked_at.is_(None)
        )
    )
    if key is None:
        return None
    user = await get_user(session, user_id=key.user_id)
    if user is None:
        return None
    key.last_used_at = now()
    return user, list(key.scopes)


async def create_login_link(session: AsyncSession, *, user: User) -> str:
    token = security.new_secret()
    session.add(
        LoginLink(
            user_id=user.id, token_hash=security.digest(token), expires_at=now() + security.LINK_TTL
        )
    )
    await session.flush()
    return token


async def use_login_link(session: AsyncSession, *, token: str) -> User:
    link = await session.scalar(
        select(LoginLink).where(LoginLink.token_hash == security.digest(token))
    )
    if link is None or link.used_at is not None or link.expires_at < now():
        raise LinkExpired(
            "this sign-in link is not valid any more; run `viva users link NAME` for a new one"
        )
    link.used_at = now()
    user = await get_user(session, user_id=link.user_id)
    if user is None:
        raise AuthFailed("the account is disabled")
    await audit(session, actor=user, action="login.link", target=user.username)
    return user


async def audit(
    session: AsyncSession,
    *,
    actor: User | None,
    action: str,
    target: str = "",
    detail: dict[str, object] | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor_id=actor.id if actor else None, action=action, target=target, detail=detail or {}
        )
    )


async def audit_log(session: AsyncSession, *, limit: int = 100) -> list[AuditEntry]:
    rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
    return list(rows.all())


async def open_signup(session: AsyncSession, *, default: bool) -> bool:
    row = await session.get(SiteSetting, "open_signup")
    return bool(row.value) if row is not None else default


async def set_open_signup(session: AsyncSession, *, value: bool, actor: User) -> None:
    row = await session.get(SiteSetting, "open_signup")
    if row is None:
        session.add(SiteSetting(key="open_signup", value=value))
    else:
        row.value = value
    await audit(session, actor=actor, action="settings.open_signup", target=str(value).lower())


async def record_attempt(
    session: AsyncSession, *, user: User, question_id: int, kind: str, value: str | None = None
) -> None:
    from viva.bank.models import Question

    if await session.get(Question, question_id) is None:
        raise NotFound(f"no question with id {question_id}")
    session.add(Attempt(user_id=user.id, question_id=question_id, kind=kind, value=value))


async def assign(
    session: AsyncSession, *, interviewer_id: int, candidate_id: int, actor: User
) -> None:
    interviewer = await get_user(session, user_id=interviewer_id)
    candidate = await get_user(session, user_id=candidate_id)
    if interviewer is None or interviewer.role not in ("interviewer", "admin"):
        raise InvalidAccount(f"user {interviewer_id} is not an interviewer")
    if candidate is None:
        raise InvalidAccount(f"no user {candidate_id}")
    if await session.get(Assignment, (interviewer_id, candidate_id)) is None:
        session.add(Assignment(interviewer_id=interviewer_id, candidate_id=candidate_id))
        await audit(
            session,
            actor=actor,
            action="assignment.create",
            target=f"{interviewer.username} -> {candidate.username}",
        )


async def may_see_work_of(session: AsyncSession, *, viewer: User, owner_id: int | None) -> bool:
    """Candidates see their own work, interviewers that of their candidates, admins all."""
    if viewer.role == "admin" or owner_id == viewer.id:
        return True
    if viewer.role == "interviewer" and owner_id is not None:
        return await session.get(Assignment, (viewer.id, owner_id)) is not None
    return False


async def candidates_of(session: AsyncSession, *, interviewer: User) -> list[User]:
    """The candidates assigned to an interviewer (for an admin: every candidate)."""
    query = select(User).where(User.role == "candidate").order_by(User.id)
    if interviewer.role != "admin":
        query = query.join(Assignment, Assignment.candidate_id == User.id).where(
            Assignment.interviewer_id == interviewer.id
        )
    return list((await session.scalars(query)).all())
