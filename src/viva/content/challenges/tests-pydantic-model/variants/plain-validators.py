"""A sign-up form validated by a Pydantic model."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


def check_username(name: str) -> str:
    ok = 3 <= len(name) <= 20 and all(c in "abcdefghijklmnopqrstuvwxyz0123456789_" for c in name)
    if not ok:
        raise ValueError("bad username")
    return name


def check_email(text: str) -> str:
    text = text.strip().lower()
    if "@" not in text:
        raise ValueError("bad email")
    local, domain = text.split("@", 1)
    if local == "" or domain.find(".") < 0:
        raise ValueError("bad email")
    return text


def clean_tags(tags: list[str]) -> list[str]:
    seen: list[str] = []
    for tag in tags:
        tag = tag.strip().lower()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


class Signup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, AfterValidator(check_username)]
    email: Annotated[str, AfterValidator(check_email)]
    age: Annotated[int, Field(gt=12, lt=121)]
    password: Annotated[str, Field(min_length=8)]
    tags: Annotated[list[str], AfterValidator(clean_tags)] = []

    @model_validator(mode="after")
    def check_password(self):
        if self.username == self.password.lower():
            raise ValueError("password equals username")
        return self
