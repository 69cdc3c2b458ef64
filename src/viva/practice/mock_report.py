"""The report of a mock interview: per question and category scores, what was missed and
why (the checker's evidence), as JSON for the API and pages and as Markdown to download."""

from __future__ import annotations

from collections import defaultdict

from viva.accounts.models import User
from viva.errors import MockError, NotFound
from viva.practice.matcher import answer_synonyms, match_key_points
from viva.practice.mock import item_score, role_of
from viva.practice.models import MockInterview
from viva.practice.schemas import ReportCategoryOut, ReportItemOut, ReportOut, ReportPointOut


def report(interview: MockInterview, *, viewer: User) -> ReportOut:
    """The report as this viewer may see it (private notes only for the interviewer)."""
    role = role_of(interview, viewer)
    if role is None:
        raise NotFound(f"no mock interview {interview.id}")
    if interview.status in ("created", "running"):
        raise MockError("the report is ready once the interview is submitted")
    if role == "candidate" and interview.status != "released":
        raise MockError("your interviewer has not released the report yet")
    private = role == "interviewer"
    items: list[ReportItemOut] = []
    for item in interview.items:
        question = item.question
        points = question.answer.key_points if question.answer else []
        # Why each point was or was not credited: the checker is deterministic, so matching
        # again explains the stored verdicts.
        why = match_key_points(item.answer, points, synonyms=answer_synonyms(points))
        lines = [
            ReportPointOut(
                text=p,
                covered=bool(item.covered[i]) if i < len(item.covered) else False,
                rubric=item.rubric[i] if i < len(item.rubric) else None,
                matched=list(why[i].matched),
                evidence=list(why[i].evidence),
                missing=list(why[i].missing),
                contradicted=list(why[i].contradicted),
                against=list(why[i].against),
                reason=why[i].feedback,
            )
            for i, p in enumerate(points)
        ]
        items.append(
            ReportItemOut(
                position=item.position,
                question_id=question.id,
                number=question.number,
                text=question.text,
                category=question.category.title,
                answer=item.answer,
                notes=item.notes,
                hints=[h["text"] for h in item.hints],
                time_spent_seconds=round(item.time_spent_ms / 1000, 1),
                score=item_score(item, interview.hint_penalty),
                points=lines,
                private_notes=item.private_notes if private else None,
            )
        )
    per: dict[str, list[float]] = defaultdict(list)
    for line in items:
        per[line.category].append(line.score)
    missed = [(line.number, p.text) for line in items for p in line.points if not p.credited]
    return ReportOut(
        id=interview.id,
        title=interview.title,
        status=interview.status,
        auto_submitted=interview.auto_submitted,
        started_at=interview.started_at,
        submitted_at=interview.submitted_at,
        duration_seconds=interview.duration_seconds,
        total_score=round(sum(i.score for i in items) / len(items), 4) if items else 0.0,
        categories=[
            ReportCategoryOut(category=c, questions=len(s), score=round(sum(s) / len(s), 4))
            for c, s in per.items()
        ],
        items=items,
        missed=missed,
        recommended=[
            i.question_id
            for i in sorted((i for i in items if i.score < 0.75), key=lambda i: i.score)
        ],
        signal=interview.signal if interview.status == "released" or private else None,
        private_summary=interview.private_summary if private else None,
        interviewer_mode=interview.interviewer_id is not None,
        hints_used=sum(len(i.hints) for i in items),
        time_used_seconds=round(sum(i.time_spent_seconds for i in items), 1),
    )


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def report_markdown(r: ReportOut) -> str:
    lines = [
        f"# Mock interview report: {r.title}",
        "",
        f"- Score: **{r.total_score:.0%}**",
        f"- Time used: {_minutes(r.time_used_seconds)} of {_minutes(r.duration_seconds)}"
        + (" (auto-submitted when time ran out)" if r.auto_submitted else ""),
        f"- Hints used: {r.hints_used}",
    ]
    if r.signal:
        lines.append(f"- Signal: {r.signal.replace('_', ' ')}")
    if r.private_summary:
        lines.append(f"- Interviewer's private summary: {r.private_summary}")
    lines += ["", "## Score per category", "", "| category | questions | score |", "|---|---|---|"]
    lines += [f"| {c.category} | {c.questions} | {c.score:.0%} |" for c in r.categories]
    lines += ["", "## Questions", ""]
    for item in r.items:
        lines += [
            f"### Q{item.number}. {item.text}",
            "",
            f"{item.category} · score {item.score:.0%} · {_minutes(item.time_spent_seconds)}"
            f" · hints {len(item.hints)}",
            "",
        ]
        for p in item.points:
            mark = "x" if p.credited else " "
            rubric = f" (rubric {p.rubric}/4)" if p.rubric is not None else ""
            why = ""
            if p.contradicted:
                why = f" (checker: contradicts the model answer: {'; '.join(p.against)})"
            elif p.matched:
                why = f" (checker matched: {', '.join(p.matched)})"
            if not p.credited and p.reason and not p.contradicted:
                why += f" (not credited: {p.reason})"
            lines.append(f"- [{mark}] {p.text}{rubric}{why}")
        if item.answer.strip():
            lines += ["", "Answer:", "", *[f"> {a}" for a in item.answer.strip().splitlines()]]
        if item.notes.strip():
            lines += ["", f"Notes: {item.notes.strip()}"]
        if item.private_notes:
            lines += ["", f"Interviewer's private notes: {item.private_notes}"]
        lines.append("")
    lines += ["## Review next", ""]
    lines += [f"- Q{i.number}. {i.text} ({i.score:.0%})" for i in r.recommended_items] or [
        "- Nothing below 75%: well done."
    ]
    return "\n".join(lines) + "\n"
