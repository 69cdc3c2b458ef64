"""`python -m viva.grading.sql.check [SLUG...]`: each SQL challenge's reference is Accepted on
every dialect it claims, and its starter and wrong.sql are not. PostgreSQL is checked when
VIVA_SQL_POSTGRES_URL points at a grading database (e.g. postgresql://postgres@127.0.0.1/viva_sql)."""

from __future__ import annotations

import asyncio
import sys

from viva.grading.challenges import CHALLENGES_DIR
from viva.grading.sql.challenges import load_sql_challenge, load_sql_challenges
from viva.grading.sql.grading import SqlEngines, grade_sql
from viva.grading.sql.postgres_engine import PostgresEngine
from viva.settings import Settings


async def main(slugs: list[str]) -> int:
    settings = Settings()
    postgres = PostgresEngine(settings.sql_postgres_url) if settings.sql_postgres_url else None
    if postgres:
        await postgres.start()
    engines = SqlEngines(postgres)
    challenges = (
        {s: load_sql_challenge(CHALLENGES_DIR / s) for s in slugs}
        if slugs
        else load_sql_challenges()
    )
    failed = 0
    try:
        for slug, ch in sorted(challenges.items()):
            for dialect in ch.meta.dialects:
                if dialect == "postgres" and postgres is None:
                    print(f"--  {slug:34} postgres skipped (VIVA_SQL_POSTGRES_URL unset)")
                    continue
                for label, sql in (
                    ("solution", ch.solution(dialect)),
                    ("starter", ch.starter),
                    ("wrong", ch.wrong),
                ):
                    g = await grade_sql(engines, ch, sql, dialect, visible_only=False)
                    ok = (g.verdict == "Accepted") == (label == "solution")
                    failed += not ok
                    print(
                        f"{'ok ' if ok else 'BAD'} {slug:34} {dialect:8} {label:8} {g.verdict} "
                        f"({g.passed}/{len(g.tests)}) {g.message[:160]}"
                    )
    finally:
        await engines.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
