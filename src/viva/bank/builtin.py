"""The built-in seed track and its curated model answers (loaded or refreshed at start-up)."""

from __future__ import annotations

from importlib import resources

from sqlalchemy.ext.asyncio import AsyncSession

from viva.bank import importing, repository
from viva.bank.answers import ModelAnswer, load_answers
from viva.bank.models import BUILTIN_TRACK, Track
from viva.bank.parser import clean_text, parse_markdown
from viva.bank.schemas import ImportReport

BUILTIN_TITLE = "Python Developer (FastAPI + SQL)"
BUILTIN_DESCRIPTION = (
    "100 interview questions in 10 sections: Python, FastAPI, SQL, microservices, REST, "
    "Docker/Kubernetes, Redis, security, cloud/DevOps and scenarios."
)


async def sync_builtin_answers(
    session: AsyncSession, *, track: Track, answers: dict[int, ModelAnswer] | None = None
) -> int:
    """Attach the packaged model answers to the built-in track; returns how many changed."""
    answers = load_answers() if answers is None else answers
    questions = await repository.questions_of_track(session, track_id=track.id)
    current = await repository.answers_by_question(session, question_ids=[q.id for q in questions])
    changed, reindex = 0, []
    for question in questions:
        model = answers.get(question.number)
        if model is None or question.slug != f"q{question.number}":
            continue
        fields = model.as_dict()
        fields.pop("number")
        if importing.upsert_answer(
            session, question=question, current=current.get(question.id), fields=fields
        ):
            changed += 1
        # The curated answer knows the question's kind, difficulty and tags best.
        if (question.kind, question.difficulty, question.tags) != (
            model.kind,
            model.difficulty,
            model.tags,
        ):
            question.kind, question.difficulty, question.tags = (
                model.kind,
                model.difficulty,
                model.tags,
            )
            reindex.append(question)
    await session.flush()
    await repository.index_for_search(session, questions=reindex)
    return changed + len(reindex)


def builtin_seed_text() -> str:
    return (resources.files("viva.content") / "tracks" / f"{BUILTIN_TRACK}.md").read_text("utf-8")


async def ensure_builtin(session: AsyncSession) -> ImportReport | None:
    """Load or refresh the built-in seed track; a no-op when nothing changed."""
    text = clean_text(builtin_seed_text())
    parsed = parse_markdown(text)
    track = await repository.get_track(session, slug=BUILTIN_TRACK)
    if track is not None and track.source_hash == parsed.source_hash:
        await sync_builtin_answers(session, track=track)
        return None
    report = await importing.import_parsed(
        session,
        incoming=importing.Incoming(parsed, {}),
        slug=BUILTIN_TRACK,
        title=BUILTIN_TITLE,
        description=BUILTIN_DESCRIPTION,
    )
    track = await repository.get_track(session, slug=BUILTIN_TRACK)
    assert track is not None
    await sync_builtin_answers(session, track=track)
    return report
