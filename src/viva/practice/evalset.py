"""The key-point checker's evaluation set format: typed answers with hand-made labels.

Files live in ``bench/matcher/*.yaml``; ``bench/bench_matcher.py`` scores the checker on them,
a regression test runs a part, and candidates' "I did cover this" reports export into it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ANSWER_KINDS = ("strong", "partial", "wrong", "off-topic", "feedback")


@dataclass(frozen=True, slots=True)
class EvalAnswer:
    """One typed answer to one question, with the key points a careful interviewer ticked."""

    question: int
    key_points: tuple[str, ...]
    kind: str
    text: str
    covered: frozenset[int]
    # The key points that were labelled; None for all of them. A candidate's "I did cover
    # this" labels one point only.
    labelled: frozenset[int] | None = None

    def is_labelled(self, index: int) -> bool:
        return self.labelled is None or index in self.labelled


def parse_eval_set(data: Any, *, where: str = "evaluation set") -> list[EvalAnswer]:
    """Validate loaded YAML; a malformed entry raises ValueError naming it."""
    if not isinstance(data, list):
        raise ValueError(f"{where}: expected a list of questions")
    answers: list[EvalAnswer] = []
    for i, entry in enumerate(data):
        at = f"{where}: entry {i + 1}"
        if not isinstance(entry, dict):
            raise ValueError(f"{at}: expected a mapping")
        number, points, items = entry.get("question"), entry.get("key_points"), entry.get("answers")
        if not isinstance(number, int) or isinstance(number, bool):
            raise ValueError(f"{at}: 'question' must be a number")
        if not isinstance(points, list) or not all(isinstance(p, str) and p for p in points):
            raise ValueError(f"{at}: 'key_points' must be a list of strings")
        if not isinstance(items, list):
            raise ValueError(f"{at}: 'answers' must be a list")
        for j, item in enumerate(items):
            here = f"{at}, answer {j + 1}"
            if not isinstance(item, dict):
                raise ValueError(f"{here}: expected a mapping")
            kind, text, covered = item.get("kind"), item.get("text"), item.get("covered")
            if kind not in ANSWER_KINDS:
                raise ValueError(f"{here}: 'kind' must be one of {', '.join(ANSWER_KINDS)}")
            if not isinstance(text, str):
                raise ValueError(f"{here}: 'text' must be a string")
            if not isinstance(covered, list) or not all(
                isinstance(c, int) and not isinstance(c, bool) and 0 <= c < len(points)
                for c in covered
            ):
                raise ValueError(f"{here}: 'covered' must list key point indexes from 0")
            labelled = item.get("labelled")
            if labelled is not None and (
                not isinstance(labelled, list)
                or not all(isinstance(c, int) and 0 <= c < len(points) for c in labelled)
                or not set(covered) <= set(labelled)
            ):
                raise ValueError(
                    f"{here}: 'labelled' must list key point indexes, covered ones too"
                )
            answers.append(
                EvalAnswer(
                    number,
                    tuple(points),
                    kind,
                    text,
                    frozenset(covered),
                    None if labelled is None else frozenset(labelled),
                )
            )
    return answers


def load_eval_set(path: Path) -> list[EvalAnswer]:
    return parse_eval_set(yaml.safe_load(path.read_text(encoding="utf-8")), where=path.name)


def dump_eval_set(answers: Iterable[EvalAnswer]) -> str:
    """The YAML of answers grouped by question, in the format :func:`load_eval_set` reads."""
    grouped: dict[tuple[int, tuple[str, ...]], list[EvalAnswer]] = {}
    for answer in answers:
        grouped.setdefault((answer.question, answer.key_points), []).append(answer)
    data = [
        {
            "question": number,
            "key_points": list(points),
            "answers": [
                {"kind": a.kind, "text": a.text, "covered": sorted(a.covered)}
                | ({} if a.labelled is None else {"labelled": sorted(a.labelled)})
                for a in items
            ],
        }
        for (number, points), items in sorted(grouped.items())
    ]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
