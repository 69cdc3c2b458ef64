"""What the notification stream does when another domain announces something: a graded
submission reaches its author's browser ("submission.graded"), pushed once the verdict is
committed. In a worker process the notifier publishes through Redis; every API process
delivers it to the author's open streams."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from viva.db import after_commit
from viva.events import EventBus, SubmissionGraded
from viva.rooms.notify import Notifier


def subscribe(bus: EventBus, notifier: Notifier) -> None:
    async def on_graded(event: SubmissionGraded, session: AsyncSession) -> None:
        if event.user_id is None:
            return
        user_id = event.user_id
        data = {
            "submission_id": event.submission_id,
            "challenge": event.challenge,
            "verdict": event.verdict,
            "accepted": event.accepted,
        }

        async def push() -> None:
            await notifier.publish(user_id, "submission.graded", data)

        after_commit(session, push)

    bus.subscribe(SubmissionGraded, on_graded)
