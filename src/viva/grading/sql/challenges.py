"""SQL challenges: schema, datasets (visible and hidden), reference solutions per dialect."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from viva.grading.challenges import CHALLENGES_DIR, ChallengeFormatError, challenge_kind

Dialect = Literal["sqlite", "postgres"]


class Compare(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ordered: bool = False
    columns: Literal["name", "position"] = "name"
    float_tolerance: float = Field(default=1e-6, ge=0)
    max_rows: int = Field(default=1000, ge=1, le=100_000)


class PlanCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    table: str
    query: str


class SqlLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timeout_ms: int = Field(default=1000, ge=50, le=10_000)


class SqlMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    seed_question: int | None = Field(default=None, ge=1, le=100)
    kind: Literal["sql"]
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    tags: list[str] = []
    dialects: list[Dialect] = ["sqlite", "postgres"]
    check: Literal["rows", "plan", "atomic"] = "rows"
    compare: Compare = Compare()
    plan: PlanCheck | None = None
    state_query: str | None = None
    limits: SqlLimits = SqlLimits()

    @model_validator(mode="after")
    def _complete(self) -> SqlMeta:
        if self.check == "plan" and self.plan is None:
            raise ValueError("a plan check needs `plan: {table, query}`")
        if self.check == "atomic" and not self.state_query:
            raise ValueError("an atomic check needs `state_query`")
        if not self.dialects:
            raise ValueError("at least one dialect")
        return self


@dataclass(frozen=True)
class Dataset:
    name: str
    sql: str
    hidden: bool


@dataclass(frozen=True)
class SqlChallenge:
    slug: str
    meta: SqlMeta
    prompt: str
    schema: str
    datasets: list[Dataset]
    solutions: dict[str, str]
    starter: str
    wrong: str

    def solution(self, dialect: str) -> str:
        return self.solutions.get(dialect) or self.solutions["portable"]

    @property
    def visible(self) -> list[Dataset]:
        return [d for d in self.datasets if not d.hidden]


def load_sql_challenge(folder: Path) -> SqlChallenge:
    def read(name: str, required: bool = True) -> str:
        path = folder / name
        if not path.is_file():
            if required:
                raise ChallengeFormatError(f"{folder.name}: missing {name}")
            return ""
        return path.read_text(encoding="utf-8")

    try:
        meta = SqlMeta.model_validate(yaml.safe_load(read("challenge.yaml")))
    except ValueError as exc:
        raise ChallengeFormatError(f"{folder.name}: {exc}") from exc
    datasets_dir = folder / "datasets"
    files = sorted(datasets_dir.glob("*.sql")) if datasets_dir.is_dir() else []
    datasets = [Dataset(f.stem, f.read_text(encoding="utf-8"), f.stem != "visible") for f in files]
    if not any(not d.hidden for d in datasets) or not any(d.hidden for d in datasets):
        raise ChallengeFormatError(f"{folder.name}: needs datasets/visible.sql and a hidden one")
    datasets.sort(key=lambda d: (d.hidden, d.name))
    solutions = {"portable": read("solution.sql")}
    for dialect in ("sqlite", "postgres"):
        if text := read(f"solution.{dialect}.sql", required=False):
            solutions[dialect] = text
    return SqlChallenge(
        slug=folder.name,
        meta=meta,
        prompt=read("prompt.md"),
        schema=read("schema.sql"),
        datasets=datasets,
        solutions=solutions,
        starter=read("starter.sql"),
        wrong=read("wrong.sql"),
    )


@lru_cache(maxsize=1)
def load_sql_challenges(directory: Path = CHALLENGES_DIR) -> dict[str, SqlChallenge]:
    if not directory.is_dir():
        return {}
    return {
        d.name: load_sql_challenge(d)
        for d in sorted(directory.iterdir())
        if d.is_dir() and challenge_kind(d) == "sql"
    }
