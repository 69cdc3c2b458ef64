"""Every query of the rooms domain."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from viva.rooms.models import Room, RoomEvent


async def get(session: AsyncSession, *, room_id: int) -> Room | None:
    return await session.get(Room, room_id)


async def by_invite(session: AsyncSession, *, invite_hash: str) -> Room | None:
    found: Room | None = await session.scalar(select(Room).where(Room.invite_hash == invite_hash))
    return found


async def of_user(session: AsyncSession, *, user_id: int, limit: int = 50) -> list[Room]:
    query = (
        select(Room)
        .where(or_(Room.interviewer_id == user_id, Room.candidate_id == user_id))
        .order_by(Room.id.desc())
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def doc_state(session: AsyncSession, *, room_id: int) -> bytes | None:
    state: bytes | None = await session.scalar(select(Room.doc_state).where(Room.id == room_id))
    return state


async def add_event(session: AsyncSession, event: RoomEvent) -> None:
    session.add(event)


async def timeline(session: AsyncSession, *, room_id: int, limit: int = 5000) -> list[RoomEvent]:
    query = (
        select(RoomEvent)
        .where(RoomEvent.room_id == room_id)
        .order_by(RoomEvent.at, RoomEvent.id)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def count_events(session: AsyncSession, *, room_id: int, kind: str) -> int:
    query = select(func.count()).where(RoomEvent.room_id == room_id, RoomEvent.kind == kind)
    return int(await session.scalar(query) or 0)
