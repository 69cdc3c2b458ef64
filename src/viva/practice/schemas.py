"""API shapes of review and mock interviews."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

RatingName = Literal["again", "hard", "good", "easy"]


class CardOut(BaseModel):
    question_id: int
    state: Literal["new", "learning", "review", "relearning"]
    due: datetime | None
    stability: float | None
    difficulty: float | None
    reps: int
    lapses: int


class QueueItemOut(BaseModel):
    question_id: int
    number: int
    text: str
    category: str
    kind: str | None  # None: unset in the imported file
    difficulty: str | None
    card: CardOut


class QueueOut(BaseModel):
    track: str
    total: int = Field(description="due and new cards available now, beyond `limit`")
    items: list[QueueItemOut]


class CheckIn(BaseModel):
    answer: str = Field(max_length=20_000)


class PointOut(BaseModel):
    point: str
    covered: bool
    score: float
    matched: list[str]
    missing: list[str]


class CheckOut(BaseModel):
    question_id: int
    coverage: float
    points: list[PointOut]


class RateIn(BaseModel):
    rating: RatingName
    coverage: float | None = Field(default=None, ge=0, le=1)
    duration_ms: int | None = Field(default=None, ge=0, le=24 * 3600 * 1000)


class ReviewSettingsIn(BaseModel):
    desired_retention: float = Field(ge=0.7, le=0.99)
    new_per_day: int = Field(default=10, ge=0, le=200)


class ReviewSettingsOut(ReviewSettingsIn):
    track: str


class StatsOut(BaseModel):
    cards: int
    due_now: int
    heatmap: dict[date, int]
    forecast: dict[date, int]


class TemplateIn(BaseModel):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,58}$")
    title: str = Field(min_length=1, max_length=200)
    track: str = Field(min_length=1, max_length=80)
    duration_seconds: int = Field(ge=60, le=4 * 3600)
    question_count: int = Field(ge=1, le=50)
    category_weights: dict[str, float] = Field(default_factory=dict)
    difficulty_mix: dict[str, float] = Field(default_factory=dict)
    hint_penalty: float = Field(default=0.1, ge=0, le=1)
    challenge_kinds: list[Literal["function", "class", "fastapi", "sql", "tests"]] = Field(
        default_factory=list,
        max_length=5,
        description="hands-on challenges (of these kinds) offered beside each question of the "
        "built-in track: performance, test-writing, SQL...",
    )


class TemplateOut(BaseModel):
    slug: str
    title: str
    duration_seconds: int
    question_count: int
    category_weights: dict[str, float]
    difficulty_mix: dict[str, float]
    hint_penalty: float
    builtin: bool
    challenge_kinds: list[str] = Field(validation_alias="kinds")


class InterviewIn(BaseModel):
    template: str = Field(min_length=1, max_length=60)
    candidate_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="interviewer mode: who takes it"
    )
    invite: bool = Field(default=False, description="interviewer mode with an open invite link")
    duration_seconds: int | None = Field(default=None, ge=5, le=4 * 3600)
    question_count: int | None = Field(default=None, ge=1, le=50)
    seed: int | None = Field(default=None, ge=0, le=2**31)


class ItemOut(BaseModel):
    position: int
    question_id: int
    number: int
    text: str
    category: str
    answer: str
    notes: str
    hints: list[str]
    time_spent_ms: int


class InterviewOut(BaseModel):
    id: int
    title: str
    status: Literal["created", "running", "submitted", "scored", "released"]
    role: Literal["candidate", "interviewer"]
    candidate_id: int | None
    interviewer_id: int | None
    duration_seconds: int
    started_at: datetime | None
    deadline: datetime | None
    submitted_at: datetime | None
    auto_submitted: bool
    current: int
    items: list[ItemOut]
    invite_url: str | None = Field(default=None, description="shown once, when created")


class ItemIn(BaseModel):
    answer: str | None = Field(default=None, max_length=20_000)
    notes: str | None = Field(default=None, max_length=5_000)
    go_to: int | None = Field(default=None, ge=0, le=49)


class HintOut(BaseModel):
    hint: str
    hints_used: int


class ScoreIn(BaseModel):
    rubric: list[int] = Field(min_length=1, max_length=20)
    private_notes: str = Field(default="", max_length=5_000)


class DecisionIn(BaseModel):
    signal: Literal["strong_hire", "hire", "no_hire", "strong_no_hire"]
    private_summary: str = Field(default="", max_length=10_000)
    release: bool = False


class ReportPointOut(BaseModel):
    text: str
    covered: bool
    rubric: int | None
    # Why the checker credited the point or not: the point's terms it found and the typed
    # words that matched them, those it missed, and those the answer contradicts.
    matched: list[str] = []
    evidence: list[str] = []
    missing: list[str] = []
    contradicted: list[str] = []
    against: list[str] = []
    # Why the checker did not credit it, in the candidate's terms ("you said the opposite:
    # ...", "mentioned X but not Y"); empty when it did.
    reason: str = ""

    @property
    def credited(self) -> bool:
        """The one "key point covered" rule: the interviewer's rubric (3 or 4) when scored,
        else the checker's verdict."""
        return self.rubric >= 3 if self.rubric is not None else self.covered


class ReportItemOut(BaseModel):
    position: int
    question_id: int
    number: int
    text: str
    category: str
    answer: str
    notes: str
    hints: list[str]
    time_spent_seconds: float
    score: float
    points: list[ReportPointOut]
    private_notes: str | None


class ReportCategoryOut(BaseModel):
    category: str
    questions: int
    score: float


class ReportOut(BaseModel):
    id: int
    title: str
    status: str
    auto_submitted: bool
    started_at: datetime | None
    submitted_at: datetime | None
    duration_seconds: int
    total_score: float
    hints_used: int
    time_used_seconds: float
    categories: list[ReportCategoryOut]
    items: list[ReportItemOut]
    missed: list[tuple[int, str]]
    recommended: list[int] = Field(description="question ids to review next, weakest first")
    signal: str | None
    private_summary: str | None
    interviewer_mode: bool

    @property
    def recommended_items(self) -> list[ReportItemOut]:
        by_id = {item.question_id: item for item in self.items}
        return [by_id[q] for q in self.recommended if q in by_id]


# Progress ----------------------------------------------------------------------------------------


class CategoryProgress(BaseModel):
    category: str
    attempted: int
    solved: int
    submissions: int
    accuracy: float = Field(description="accepted submissions / submissions")


class HistoryItem(BaseModel):
    submission_id: int
    challenge: str
    verdict: str | None
    score: float | None
    created_at: datetime


class Progress(BaseModel):
    reveals: int = Field(description="model answers revealed")
    ratings: dict[str, int] = Field(description="self-ratings by value")
    attempted: int
    solved: int
    submissions: int
    accuracy: float
    streak_days: int = Field(description="consecutive days with a submission, ending today")
    categories: list[CategoryProgress]
    recent: list[HistoryItem]
