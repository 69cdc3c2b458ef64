"""API shapes of the question bank, and the portable JSON export format."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["theory", "coding", "sql", "scenario", "design"]
Difficulty = Literal["easy", "medium", "hard"]
UNSET = "unset"  # the filter value (and the word pages show) for a kind or difficulty not given
KindFilter = Literal["theory", "coding", "sql", "scenario", "design", "unset"]
DifficultyFilter = Literal["easy", "medium", "hard", "unset"]


class TrackOut(BaseModel):
    slug: str
    title: str
    description: str
    question_count: int
    category_count: int


class CategoryOut(BaseModel):
    slug: str
    title: str
    position: int
    question_count: int


class CategoryRef(BaseModel):
    slug: str
    title: str


class QuestionOut(BaseModel):
    id: int
    track: str
    category: CategoryRef
    number: int
    slug: str
    text: str
    kind: Kind | None = Field(description="null: the imported file did not say")
    difficulty: Difficulty | None = Field(description="null: the imported file did not say")
    tags: list[str]
    has_answer: bool


class AnswerOut(BaseModel):
    question_id: int
    summary: str
    explanation: str = Field(description="Markdown")
    key_points: list[str]
    pitfalls: list[str]
    follow_ups: list[str]
    references: list[str]
    in_viva: list[str]
    difficulty: Difficulty | None
    kind: Kind | None
    tags: list[str]


class QuestionDetail(QuestionOut):
    answer: AnswerOut | None


class QuestionPage(BaseModel):
    items: list[QuestionOut]
    next: str | None = Field(description="URL of the next page, absent on the last page")
    next_cursor: str | None


class ImportReport(BaseModel):
    track: str
    title: str
    questions: int
    categories: int
    created: int
    updated: int
    unchanged: int
    removed: int
    answers: int = Field(0, description="answers the file carried, stored as model answers")
    warnings: list[str] = Field(description="grouped by kind: a count and the first 3")
    summary: str = Field(description='"N questions in M categories"')


class PreviewCategory(BaseModel):
    slug: str
    title: str
    questions: int
    answers: int


class ImportPreview(BaseModel):
    """A dry run of an import: what it would read, and write nothing."""

    dry_run: Literal[True] = True
    track: str
    title: str
    questions: int
    answers: int = Field(description="questions with an answer in the file")
    categories: list[PreviewCategory]
    sample: list[str] = Field(description="the first 3 questions")
    warnings: list[str] = Field(description="grouped by kind: a count and the first 3")
    looks_wrong: bool = Field(description="a confidence check failed (see the warnings)")
    compared: bool = Field(description="compared with the stored track")
    new: int
    changed: int
    unchanged: int
    removed: int
    summary: str = Field(description='"N questions in M categories"')


# The JSON export, which the importer also reads back.
class ExportAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    summary: str
    explanation: str
    key_points: list[str] = []
    pitfalls: list[str] = []
    follow_ups: list[str] = []
    references: list[str] = []
    in_viva: list[str] = []
    difficulty: Difficulty | None = None
    kind: Kind | None = None
    tags: list[str] = []


class ExportQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: int = Field(ge=0, le=100_000)
    slug: str | None = None
    text: str = Field(min_length=1, max_length=20_000)
    kind: Kind | None = None  # unset unless the file says
    difficulty: Difficulty | None = None
    tags: list[str] = []
    answer: ExportAnswer | None = None


class ExportCategory(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str | None = None
    title: str = Field(min_length=1, max_length=200)
    questions: list[ExportQuestion]


class ExportTrack(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["viva-track"] = "viva-track"
    version: Literal[1] = 1
    slug: str
    title: str
    description: str = ""
    categories: list[ExportCategory]


class QuestionIn(BaseModel):
    """A question an interviewer adds to a track."""

    model_config = ConfigDict(extra="forbid")
    category: str = Field(min_length=1, max_length=200, description="title; created when new")
    text: str = Field(min_length=5, max_length=5000)
    kind: Kind = "theory"
    difficulty: Difficulty = "medium"
    tags: list[str] = Field(default=[], max_length=10)
