"""Account use cases: users, sign-in, token rotation, API keys, login links, audit.

Services never commit (the caller's unit of work does) and never run a query themselves
(`repository` does).
"""

from __future__ import annotations

import asyncio
import re
import secrets
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts import repository, security
from viva.accounts.audit import audit
from viva.accounts.models import (
    ApiKey,
    Assignment,
    Attempt,
    AuditEntry,
    LoginLink,
    RefreshToken,
    User,
)
from viva.accounts.public import get_user
from viva.accounts.roles import Role
from viva.clock import now
from viva.errors import AuthFailed, Conflict, Forbidden, InvalidAccount, LinkExpired, NotFound

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,39}$")


async def count_users(session: AsyncSession) -> int:
    return await repository.count_users(session)


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str | None,
    role: Role | str,
    actor: User | None = None,
) -> User:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidAccount("usernames are 3-40 characters: a-z, 0-9, '_', '.', '-'")
    if role not in set(Role):
        raise InvalidAccount(f"role must be one of {', '.join(Role)}")
    role = Role(role)
    if password is not None and len(password) < 10:
        raise InvalidAccount("passwords have at least 10 characters")
    if await repository.user_named(session, username=username) is not None:
        raise Conflict(f"the username '{username}' is taken")
    user = User(
        username=username,
        role=role,
        password_hash=security.hash_password(password) if password else None,
    )
    session.add(user)
    await session.flush()
    await audit(
        session, actor=actor, action="user.create", target=username, detail={"role": role.value}
    )
    return user


async def list_users(
    session: AsyncSession, *, order_by: Literal["id", "username"] = "id"
) -> list[User]:
    return list(await repository.list_users(session, order_by=order_by))


async def get_user_by_name(session: AsyncSession, *, username: str) -> User | None:
    return await repository.user_named(session, username=username.strip().lower())


async def require_user_named(session: AsyncSession, *, username: str) -> User:
    user = await get_user_by_name(session, username=username)
    if user is None:
        raise NotFound(f"no user '{username}'")
    return user


async def authenticate(session: AsyncSession, *, username: str, password: str) -> User | None:
    user = await get_user_by_name(session, username=username)
    hashed = user.password_hash if user is not None and user.is_active else None
    return user if security.verify_password(password, hashed) and user is not None else None


async def password_signed_in(session: AsyncSession, *, user: User) -> None:
    """A password sign-in that succeeded (API token or sign-in form) goes to the audit log."""
    await audit(session, actor=user, action="login.password", target=user.username)


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
    row = await repository.refresh_token(session, token_hash=security.digest(token))
    if row is None or row.expires_at < now():
        raise AuthFailed("the refresh token is not valid")
    if row.revoked_at is not None:
        await repository.revoke_refresh_family(session, family=row.family, at=now())
        # The error keeps the revocation: the unit of work commits before it answers 401.
        raise AuthFailed(
            "the refresh token was already used; every token of this sign-in is revoked",
            keep_work=True,
        )
    user = await get_user(session, user_id=row.user_id)
    if user is None:
        raise AuthFailed("the account is disabled")
    row.revoked_at = now()
    return user, await issue_refresh(session, user=user, family=row.family)


async def revoke_refresh(session: AsyncSession, *, token: str) -> None:
    await repository.revoke_refresh_token(session, token_hash=security.digest(token), at=now())


async def sign_out_everywhere(session: AsyncSession, *, user_id: int) -> None:
    """Revoke every access token, session cookie and refresh token of the account (its API
    keys stay: they are revoked one by one)."""
    user = await _row_of(session, user_id=user_id)
    user.token_version += 1
    await repository.revoke_refresh_tokens_of(session, user_id=user.id, at=now())
    await audit(session, actor=user, action="logout.everywhere", target=user.username)


async def change_password(session: AsyncSession, *, user_id: int, current: str, new: str) -> User:
    """Set a new password after checking the current one; every earlier token, cookie and
    refresh token stops working (the token version moves with the password hash)."""
    user = await _row_of(session, user_id=user_id)
    if not await asyncio.to_thread(security.verify_password, current, user.password_hash):
        raise Forbidden("the current password is wrong")
    if len(new) < 10:
        raise InvalidAccount("passwords have at least 10 characters")
    user.password_hash = await asyncio.to_thread(security.hash_password, new)
    await repository.revoke_refresh_tokens_of(session, user_id=user.id, at=now())
    await audit(session, actor=user, action="user.password", target=user.username)
    await session.flush()  # the flush hook bumps the token version
    return user


async def update_user(
    session: AsyncSession,
    *,
    user_id: int,
    actor: User,
    role: Role | None = None,
    is_active: bool | None = None,
) -> User:
    """An admin changes a user's role or disables / re-enables the account. Either revokes
    the user's tokens (the flush hook bumps the token version). An admin cannot demote or
    disable themselves, so the last admin cannot lock everyone out."""
    user = await repository.get_user(session, user_id=user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    if user.id == actor.id and (role not in (None, user.role) or is_active is False):
        raise InvalidAccount("an admin cannot demote or disable their own account")
    changes: dict[str, object] = {}
    if role is not None and role != user.role:
        user.role = role
        changes["role"] = role.value
    if is_active is not None and is_active != user.is_active:
        user.is_active = is_active
        changes["is_active"] = is_active
        if not is_active:
            await repository.revoke_refresh_tokens_of(session, user_id=user.id, at=now())
    if changes:
        await audit(
            session, actor=actor, action="user.update", target=user.username, detail=changes
        )
        await session.flush()
    return user


async def _row_of(session: AsyncSession, *, user_id: int) -> User:
    """The user's row to change (the principal's user may be the auth cache's copy)."""
    user = await get_user(session, user_id=user_id)
    if user is None:
        raise AuthFailed("the account is disabled")
    return user


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


async def api_keys_of(session: AsyncSession, *, user: User) -> list[ApiKey]:
    return list(await repository.api_keys_of(session, user_id=user.id))


async def revoke_api_key(session: AsyncSession, *, user: User, key_id: int) -> None:
    """Revoke one of the user's own keys (another user's is not found, as a missing one)."""
    key = await repository.get_api_key(session, key_id=key_id)
    if key is None or key.user_id != user.id:
        raise NotFound(f"no API key {key_id}")
    key.revoked_at = now()
    await audit(session, actor=user, action="api_key.revoke", target=key.name)


async def user_for_api_key(session: AsyncSession, *, secret: str) -> tuple[User, list[str]] | None:
    key = await repository.active_api_key(session, key_hash=security.digest(secret))
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
    link = await repository.login_link(session, token_hash=security.digest(token))
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


async def audit_log(session: AsyncSession, *, limit: int = 100) -> list[AuditEntry]:
    return list(await repository.audit_entries(session, limit=limit))


async def open_signup(session: AsyncSession, *, default: bool) -> bool:
    row = await repository.site_setting(session, key="open_signup")
    return bool(row.value) if row is not None else default


async def set_open_signup(session: AsyncSession, *, value: bool, actor: User) -> None:
    await repository.set_site_setting(session, key="open_signup", value=value)
    await audit(session, actor=actor, action="settings.open_signup", target=str(value).lower())


async def record_attempt(
    session: AsyncSession, *, user: User, question_id: int, kind: str, value: str | None = None
) -> None:
    # The foreign key says whether the question exists (accounts does not read bank tables);
    # the unit of work then rolls back.
    session.add(Attempt(user_id=user.id, question_id=question_id, kind=kind, value=value))
    try:
        await session.flush()
    except IntegrityError:
        raise NotFound(f"no question with id {question_id}") from None


async def assign(
    session: AsyncSession, *, interviewer_id: int, candidate_id: int, actor: User
) -> None:
    interviewer = await get_user(session, user_id=interviewer_id)
    candidate = await get_user(session, user_id=candidate_id)
    if interviewer is None or not interviewer.role.includes(Role.INTERVIEWER):
        raise InvalidAccount(f"user {interviewer_id} is not an interviewer")
    if candidate is None:
        raise InvalidAccount(f"no user {candidate_id}")
    if not await repository.assignment_exists(
        session, interviewer_id=interviewer_id, candidate_id=candidate_id
    ):
        session.add(Assignment(interviewer_id=interviewer_id, candidate_id=candidate_id))
        await audit(
            session,
            actor=actor,
            action="assignment.create",
            target=f"{interviewer.username} -> {candidate.username}",
        )
