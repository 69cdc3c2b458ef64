"""Export candidates' "I did cover this" reports in the checker's evaluation set format.

`.venv/bin/python bench/export_disputes.py [--database-url URL] > bench/matcher/feedback.yaml`
reads the `point_disputes` table (VIVA_DATABASE_URL, or Viva's default database) and prints one
`feedback` answer per dispute, labelled on the disputed key point only. Read them before
adding them to the set: a candidate may be wrong, and the label is the interviewer's call.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from viva.db import Database  # noqa: E402
from viva.practice import review  # noqa: E402
from viva.practice.evalset import EvalAnswer, dump_eval_set  # noqa: E402
from viva.settings import get_settings  # noqa: E402


async def export(url: str) -> str:
    database = Database(url)
    try:
        async with database.session() as session:
            rows = await review.disputes(session)
    finally:
        await database.dispose()
    answers = [
        EvalAnswer(
            question=number,
            key_points=tuple(d.key_points),
            kind="feedback",
            text=d.answer,
            covered=frozenset({d.point_index}),
            labelled=frozenset({d.point_index}),
        )
        for d, number in rows
        if 0 <= d.point_index < len(d.key_points)
    ]
    return dump_eval_set(answers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    url = args.database_url or get_settings().effective_database_url
    sys.stdout.write(asyncio.run(export(url)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
