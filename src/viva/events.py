"""The in-process event bus: how one domain tells the others what happened.

A domain publishes a frozen dataclass; the domains that care subscribe a handler for its
type when the app (or the CLI, or a worker) is built. Handlers run in the publisher's unit
of work and get its session, so what they write commits or rolls back with the event's
cause (a graded submission and the review card it moves are one transaction). Work that
must follow the commit is registered with `viva.db.after_commit`.

The bus lives on `app.state.events` (and on the CLI's and worker's context), never in a
module global, so two apps in one process (tests) do not share subscribers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

E = TypeVar("E")
Handler = Callable[[Any, AsyncSession], Awaitable[None]]


SESSION_BUS = "viva.events"  # Session.info key: the app's EventBus (set by `create_app`)


class EventBus:
    def __init__(self) -> None:
        self._handlers: defaultdict[type, list[Handler]] = defaultdict(list)

    def subscribe(
        self, event_type: type[E], handler: Callable[[E, AsyncSession], Awaitable[None]]
    ) -> None:
        self._handlers[event_type].append(handler)

    async def publish(self, event: object, *, session: AsyncSession) -> None:
        """Call every handler of `event`'s type, in subscription order, in `session`."""
        for handler in self._handlers.get(type(event), ()):
            await handler(event, session)


async def publish_in(session: AsyncSession, event: object) -> None:
    """Publish `event` on the bus of the app that opened `session` (services that are not
    handed a bus use this). A session of the CLI has none: nobody there is listening."""
    bus = session.info.get(SESSION_BUS)
    if isinstance(bus, EventBus):
        await bus.publish(event, session=session)


# Events --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionGraded:
    """Grading stored a submission's verdict (published in the unit of work that stored it,
    once per submission: only the process holding the claim stores)."""

    submission_id: int
    user_id: int | None
    challenge: str
    seed_question: int | None  # the built-in track's question the challenge practises
    verdict: str
    accepted: bool
    earlier_graded: int  # the user's earlier graded submissions of this challenge


@dataclass(frozen=True)
class InterviewInvited:
    """A candidate was named for an interview: a mock interview created for them, or a live
    room opened for them."""

    user_id: int  # the candidate
    kind: str  # "mock" or "room"
    target_id: int  # the interview's or the room's id
    title: str
    interviewer: str  # the interviewer's username
    url: str  # where the candidate goes


@dataclass(frozen=True)
class MockProgressed:
    """A candidate's interviewer-run mock interview moved: started, went to another question,
    saved an answer, or was submitted (by the candidate or by the clock)."""

    interviewer_id: int
    interview_id: int
    status: str
    current: int  # 0-based position of the question on screen
    total: int
    answered: int  # questions with a non-empty answer


@dataclass(frozen=True)
class ReportReleased:
    """An interviewer released a mock interview's report to its candidate."""

    user_id: int  # the candidate
    interview_id: int
    title: str
