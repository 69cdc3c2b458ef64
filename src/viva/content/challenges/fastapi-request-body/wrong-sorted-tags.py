from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field, field_validator


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=20, pattern=r"^[a-z0-9_]+$")
    email: str
    age: int | None = Field(default=None, ge=13, le=130)
    tags: list[str] = Field(default_factory=list, max_length=5)

    @field_validator("email")
    @classmethod
    def check_email(cls, value: str) -> str:
        local, _, domain = value.partition("@")
        if value.count("@") != 1 or not local or not domain:
            raise ValueError("email must contain exactly one @ with text on both sides")
        return value.lower()

    @field_validator("tags")
    @classmethod
    def check_unique_tags(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("tags must be unique")
        return sorted(value)  # order not kept


class User(BaseModel):
    id: int
    username: str
    email: str
    age: int | None
    tags: list[str]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.users = {}  # username -> User
    yield


app = FastAPI(lifespan=lifespan)


@app.post("/users", status_code=status.HTTP_201_CREATED, response_model=User)
def create_user(body: UserCreate, request: Request) -> Any:
    users: dict[str, User] = request.app.state.users
    if body.username in users:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail="username already exists")
    user = User(id=len(users) + 1, **body.model_dump())
    users[user.username] = user
    return user
