"""Review charts: the heatmap and forecast SVG, and both on the progress page."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from tests.conftest import Client
from viva.accounts import security
from viva.accounts import service as accounts
from viva.bank.models import BUILTIN_TRACK, Question, Track
from viva.db import Database
from viva.practice import charts, review
from viva.settings import Settings

END = date(2026, 11, 20)


def test_intensity_has_five_levels_relative_to_the_busiest_day() -> None:
    assert charts.intensity(0, 8) == 0
    assert [charts.intensity(n, 8) for n in range(1, 9)] == [1, 1, 2, 2, 3, 3, 4, 4]
    assert charts.intensity(1, 1) == 4
    assert charts.intensity(0, 0) == 0


def test_the_heatmap_has_182_squares_ending_today() -> None:
    counts = {END: 3, END - timedelta(days=1): 1, END - timedelta(days=400): 9}
    cells = charts.heatmap_cells(counts, end=END)
    assert len(cells) == 182 == len({(c.column, c.row) for c in cells})
    assert cells[-1].day == END and (cells[-1].column, cells[-1].row) == (25, 6)
    assert cells[0].day == END - timedelta(days=181) and (cells[0].column, cells[0].row) == (0, 0)
    assert [(c.count, c.level) for c in cells[-2:]] == [(1, 2), (3, 4)]  # 400 days ago: out
    assert sum(c.level == 0 for c in cells) == 180

    svg = str(charts.heatmap_svg(counts, end=END))
    squares = re.findall(r'class="heat-(\d)"><title>([^<]*)</title>', svg)
    assert len(squares) == 182
    assert ("4", "3 reviews on 2026-11-20") in squares
    assert ("2", "1 review on 2026-11-19") in squares
    assert ("0", "0 reviews on 2026-05-23") in squares
    assert svg.count("heat-key-") == 5 and "style=" not in svg


def test_an_empty_heatmap_is_all_level_zero() -> None:
    svg = str(charts.heatmap_svg({}, end=END))
    assert len(re.findall(r'class="heat-0"', svg)) == 182
    assert 'aria-label="0 reviews in the last 26 weeks"' in svg


def test_forecast_bars_are_proportional_to_the_cards_due() -> None:
    forecast = {END: 4, END + timedelta(days=2): 2, END + timedelta(days=29): 1}
    bars = charts.forecast_bars(forecast, start=END)
    assert len(bars) == 30 and bars[0].day == END and bars[-1].day == END + timedelta(days=29)
    heights = {bar.day: bar.height for bar in bars}
    assert heights[END] == charts.BAR_AREA
    assert heights[END + timedelta(days=2)] == charts.BAR_AREA / 2
    assert heights[END + timedelta(days=29)] == charts.BAR_AREA / 4
    assert heights[END + timedelta(days=1)] == 0

    svg = str(charts.forecast_svg(forecast, start=END))
    drawn = [float(h) for h in re.findall(r'height="([\d.]+)" class="bar-due', svg)]
    assert len(drawn) == 30 and drawn[0] == 2 * drawn[2] == 4 * drawn[29]
    assert "<title>4 cards due today (overdue included)</title>" in svg
    assert "<title>2 cards due on 2026-11-22</title>" in svg
    assert "<title>1 card due on 2026-12-19</title>" in svg
    assert "style=" not in svg


def test_no_cards_due_draws_flat_bars() -> None:
    bars = charts.forecast_bars({}, start=END)
    assert [bar.height for bar in bars] == [0] * 30


async def test_the_progress_page_shows_todays_review_and_the_forecast(
    client: Client, database: Database, settings: Settings
) -> None:
    async with database.session() as session:
        user = await accounts.create_user(
            session, username=f"heat-{uuid.uuid4().hex[:8]}", password=None, role="candidate"
        )
    token = security.encode_token(
        user_id=user.id,
        role=user.role,
        kind="access",
        ttl=security.ACCESS_TTL,
        key=settings.effective_secret_key,
    )
    headers = {"Authorization": f"Bearer {token}"}

    empty = (await client.get("/progress", headers=headers)).text
    assert "No reviews yet — start in" in empty and 'href="/practice"' in empty
    assert "heatmap" not in empty

    async with database.session() as session:
        question_id = await session.scalar(
            select(Question.id)
            .join(Track, Track.id == Question.track_id)
            .where(Track.slug == BUILTIN_TRACK, Question.number == 1)
        )
        assert question_id is not None
        await review.rate(
            session, user_id=user.id, question_id=question_id, rating=review.RATINGS["good"]
        )
    today = datetime.now(UTC).date()
    page = await client.get("/progress", headers=headers)
    assert page.status_code == 200
    html = page.text
    assert "No reviews yet" not in html
    assert "1 review in the last 26 weeks" in html and "1 card" in html
    assert f'class="heat-4"><title>1 review on {today.isoformat()}</title>' in html
    assert len(re.findall(r'class="heat-\d"><title>', html)) == 182
    # Good on a new card: due again in ten minutes, so today's bar (or, just before
    # midnight UTC, tomorrow's) holds the one card.
    assert re.search(r"<title>1 card due (today|on \d{4}-\d\d-\d\d)", html)
    assert f'height="{charts.BAR_AREA}" class="bar-due' in html
    assert "Due in the next 30 days" in html
