"""Account use cases on both engines, through the unit of work as routes and the CLI use them:
roles encoded once, a reused refresh token's revocation kept although the call fails, and the
attempt and assignment rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories
from viva.accounts import public
from viva.accounts import service as accounts
from viva.accounts.models import Attempt, AuditEntry, RefreshToken, User
from viva.accounts.roles import Role
from viva.db import Database
from viva.errors import AuthFailed, Conflict, InvalidAccount, NotFound


def test_roles_are_ordered_and_each_includes_those_below() -> None:
    assert [r.value for r in Role] == ["candidate", "interviewer", "admin"]
    assert Role.ADMIN.includes(Role.INTERVIEWER) and Role.INTERVIEWER.includes(Role.CANDIDATE)
    assert not Role.CANDIDATE.includes(Role.INTERVIEWER)
    assert not Role.INTERVIEWER.includes(Role.ADMIN)


async def test_a_user_is_stored_with_a_role_and_audited(database: Database) -> None:
    async with database.session() as session:
        admin = await factories.user(session, role=Role.ADMIN)
        made = await accounts.create_user(
            session, username="  Mixed.Case ", password=None, role="interviewer", actor=admin
        )
        assert made.username == "mixed.case"
    async with database.session() as session:
        row = await session.scalar(select(User).where(User.username == "mixed.case"))
        assert row is not None and row.role is Role.INTERVIEWER
        entry = await session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "user.create", AuditEntry.target == "mixed.case"
            )
        )
        assert entry is not None and entry.actor_id == admin.id
        assert entry.detail == {"role": "interviewer"}


@pytest.mark.parametrize(
    ("username", "password", "role", "error"),
    [
        ("ok-name", "long enough pw", "superuser", InvalidAccount),
        ("x", "long enough pw", "candidate", InvalidAccount),
        ("ok-name", "short", "candidate", InvalidAccount),
    ],
)
async def test_bad_accounts_are_refused_and_nothing_is_stored(
    database: Database, username: str, password: str, role: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        async with database.session() as session:
            await accounts.create_user(session, username=username, password=password, role=role)
    async with database.session() as session:
        assert await public.get_user_by_name(session, username=username) is None


async def test_a_taken_username_is_a_conflict(database: Database) -> None:
    async with database.session() as session:
        taken = await factories.user(session)
    with pytest.raises(Conflict):
        async with database.session() as session:
            await factories.user(session, username=taken.username.upper())


async def test_a_reused_refresh_token_revokes_its_family_although_the_call_fails(
    database: Database,
) -> None:
    async with database.session() as session:
        user = await factories.user(session)
        first = await accounts.issue_refresh(session, user=user)
    async with database.session() as session:
        _, second = await accounts.rotate_refresh(session, token=first)
    with pytest.raises(AuthFailed, match="already used"):
        async with database.session() as session:
            await accounts.rotate_refresh(session, token=first)  # someone kept a copy
    async with database.session() as session:
        family = (
            await session.scalars(select(RefreshToken).where(RefreshToken.user_id == user.id))
        ).all()
        assert len(family) == 2 and all(t.revoked_at is not None for t in family)
    with pytest.raises(AuthFailed):
        async with database.session() as session:
            await accounts.rotate_refresh(session, token=second)


async def test_an_attempt_on_a_missing_question_is_not_found_and_stores_nothing(
    database: Database,
) -> None:
    async with database.session() as session:
        user = await factories.user(session)
        track = await factories.track(session, questions=1)
        question = (await factories.question(session, track=track)).id
    with pytest.raises(NotFound):
        async with database.session() as session:
            await accounts.record_attempt(session, user=user, question_id=2**31 - 1, kind="reveal")
    async with database.session() as session:
        await accounts.record_attempt(session, user=user, question_id=question, kind="reveal")
    async with database.session() as session:
        rows = (await session.scalars(select(Attempt).where(Attempt.user_id == user.id))).all()
        assert [(a.question_id, a.kind) for a in rows] == [(question, "reveal")]


async def test_interviewers_see_the_work_of_their_candidates_only(database: Database) -> None:
    async with database.session() as session:
        admin = await factories.user(session, role=Role.ADMIN)
        interviewer = await factories.user(session, role=Role.INTERVIEWER)
        mine, other = await factories.user(session), await factories.user(session)
        await accounts.assign(
            session, interviewer_id=interviewer.id, candidate_id=mine.id, actor=admin
        )
        with pytest.raises(InvalidAccount):  # a candidate cannot be an interviewer
            await accounts.assign(
                session, interviewer_id=other.id, candidate_id=mine.id, actor=admin
            )
    async with database.session() as session:
        assert await public.may_see_work_of(session, viewer=interviewer, owner_id=mine.id)
        assert not await public.may_see_work_of(session, viewer=interviewer, owner_id=other.id)
        assert await public.may_see_work_of(session, viewer=admin, owner_id=other.id)
        assert not await public.may_see_work_of(session, viewer=mine, owner_id=other.id)
        assert [u.id for u in await public.candidates_of(session, interviewer=interviewer)] == [
            mine.id
        ]
        everyone = {u.id for u in await public.candidates_of(session, interviewer=admin)}
        assert {mine.id, other.id} <= everyone and interviewer.id not in everyone
