"""API shapes of accounts, tokens, API keys, progress and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from viva.accounts.roles import Role


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds")
    refresh_token: str


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=10, max_length=200)


class UserOut(BaseModel):
    id: int
    username: str
    role: Role
    created_at: datetime


class UserPatch(BaseModel):
    """What an admin may change of an account; either revokes the user's tokens."""

    role: Role | None = None
    is_active: bool | None = None


class PasswordIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=10, max_length=200)


class UserIn(BaseModel):
    username: str = Field(min_length=3, max_length=40)
    password: str = Field(min_length=10, max_length=200)
    role: Role = Role.CANDIDATE


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    # 'judge0': the Judge0-compatible API at /judge0 (read-only for Viva's own API)
    scopes: list[Literal["read", "submit", "judge0"]] = ["read"]


class ApiKeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="shown once; store it now")


class SignupIn(BaseModel):
    username: str = Field(min_length=3, max_length=40)
    password: str = Field(min_length=10, max_length=200)


class SiteSettingsIn(BaseModel):
    open_signup: bool


class SiteSettingsOut(BaseModel):
    open_signup: bool


class RatingIn(BaseModel):
    rating: Literal["again", "hard", "good", "easy"]


class AuditOut(BaseModel):
    id: int
    actor_id: int | None
    action: str
    target: str
    detail: dict[str, Any]
    created_at: datetime


class AssignmentIn(BaseModel):
    interviewer_id: int = Field(ge=1, le=2**31 - 1)
    candidate_id: int = Field(ge=1, le=2**31 - 1)
