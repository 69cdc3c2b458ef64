"""What the rooms API accepts and returns. `RoomOut.private` is filled for the room's
interviewer only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

RoomRole = Literal["interviewer", "candidate", "observer"]


class RoomIn(BaseModel):
    title: str = Field(default="Live interview", min_length=1, max_length=200)
    candidate: str | None = Field(default=None, description="username of an assigned candidate")
    challenge: str | None = Field(default=None, max_length=80, description="challenge slug")
    question_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    invite: bool = Field(default=True, description="also create an invite link (24 h)")


class PrivateIn(BaseModel):
    notes: str = Field(default="", max_length=20_000)
    rubric: list[int] = Field(default=[], max_length=50, description="1-4 per key point")
    signal: Literal["hire", "no_hire"] | None = None


class PrivateOut(PrivateIn):
    pass


class LoadIn(BaseModel):
    challenge: str | None = Field(default=None, max_length=80)
    question_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class Participant(BaseModel):
    user_id: int
    username: str
    role: RoomRole


class RoomOut(BaseModel):
    id: int
    title: str
    status: str
    role: RoomRole
    interviewer: str
    candidate: str | None
    challenge: str | None
    question_id: int | None
    language: str
    created_at: datetime
    closed_at: datetime | None
    invite_url: str | None = Field(default=None, description="only when just created")
    private: PrivateOut | None = Field(default=None, description="the interviewer's panel")


class TimelineEvent(BaseModel):
    at: datetime
    kind: str
    actor_id: int | None
    data: dict[str, Any]


class AnnouncementIn(BaseModel):
    message: str = Field(min_length=1, max_length=2000)
