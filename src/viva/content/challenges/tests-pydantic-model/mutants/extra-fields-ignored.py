"""A sign-up form validated by a Pydantic model."""

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

USERNAME = re.compile(r"[a-z0-9_]{3,20}")


class Signup(BaseModel):
    model_config = ConfigDict(extra="ignore")

    username: str
    email: str
    age: int = Field(ge=13, le=120)
    password: str = Field(min_length=8)
    tags: list[str] = []

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not USERNAME.fullmatch(value):
            raise ValueError("3-20 characters: a-z, 0-9 or _")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip().lower()
        local, at, domain = value.partition("@")
        if not local or not at or "." not in domain:
            raise ValueError("not an email address")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(t.strip().lower() for t in value if t.strip()))

    @model_validator(mode="after")
    def _password_not_username(self) -> "Signup":
        if self.password.lower() == self.username:
            raise ValueError("the password must not be the username")
        return self
