"""What the notification stream does when another domain announces something, pushed once
the cause is committed: a graded submission reaches its author ("submission.graded"), an
invitation its candidate ("interview.invited"), a released report its candidate
("report.released"), and a mock interview's progress its interviewer ("mock.progress"). In a
worker process the notifier publishes through Redis; every API process delivers it to the
user's open streams."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from viva.db import after_commit
from viva.events import (
    EventBus,
    InterviewInvited,
    MockProgressed,
    ReportReleased,
    SubmissionGraded,
)
from viva.rooms.notify import Notifier


def subscribe(bus: EventBus, notifier: Notifier) -> None:
    def push_after_commit(
        session: AsyncSession, user_id: int, type: str, data: dict[str, Any]
    ) -> None:
        async def push() -> None:
            await notifier.publish(user_id, type, data)

        after_commit(session, push)

    async def on_graded(event: SubmissionGraded, session: AsyncSession) -> None:
        if event.user_id is None:
            return
        data = {
            "submission_id": event.submission_id,
            "challenge": event.challenge,
            "verdict": event.verdict,
            "accepted": event.accepted,
        }
        push_after_commit(session, event.user_id, "submission.graded", data)

    async def on_invited(event: InterviewInvited, session: AsyncSession) -> None:
        data = {
            "kind": event.kind,
            "id": event.target_id,
            "title": event.title,
            "interviewer": event.interviewer,
            "url": event.url,
        }
        push_after_commit(session, event.user_id, "interview.invited", data)

    async def on_progress(event: MockProgressed, session: AsyncSession) -> None:
        data = {
            "interview_id": event.interview_id,
            "status": event.status,
            "question": event.current + 1,
            "total": event.total,
            "answered": event.answered,
        }
        push_after_commit(session, event.interviewer_id, "mock.progress", data)

    async def on_released(event: ReportReleased, session: AsyncSession) -> None:
        data = {
            "interview_id": event.interview_id,
            "title": event.title,
            "url": f"/mock/{event.interview_id}/report",
        }
        push_after_commit(session, event.user_id, "report.released", data)

    bus.subscribe(SubmissionGraded, on_graded)
    bus.subscribe(InterviewInvited, on_invited)
    bus.subscribe(MockProgressed, on_progress)
    bus.subscribe(ReportReleased, on_released)
