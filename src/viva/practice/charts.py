"""Review charts as server-rendered SVG: a reviews-per-day heatmap and a due forecast.

Pure functions of the numbers from `review.stats`; colours come from CSS classes, since the
CSP may block inline styles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

LEVELS = 5  # heat-0 (none) to heat-4 (the busiest days)
CELL, GAP = 11, 3
STEP = CELL + GAP
BAR_WIDTH, BAR_GAP, BAR_AREA = 16, 4, 110


def intensity(count: int, peak: int) -> int:
    """0 for no reviews, else 1-4 by the count's share of the busiest day (rounded up)."""
    if count <= 0 or peak <= 0:
        return 0
    return max(1, min(LEVELS - 1, -(-(LEVELS - 1) * count // peak)))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class Cell:
    day: date
    count: int
    level: int
    column: int  # week, oldest first
    row: int  # day within the week


def heatmap_cells(counts: Mapping[date, int], *, end: date, weeks: int = 26) -> list[Cell]:
    """`weeks` columns of 7 days ending with `end` in the bottom-right square."""
    start = end - timedelta(days=7 * weeks - 1)
    days = [start + timedelta(days=i) for i in range(7 * weeks)]
    peak = max((counts.get(day, 0) for day in days), default=0)
    return [
        Cell(day, counts.get(day, 0), intensity(counts.get(day, 0), peak), i // 7, i % 7)
        for i, day in enumerate(days)
    ]


def heatmap_svg(counts: Mapping[date, int], *, end: date, weeks: int = 26) -> Markup:
    """GitHub-style squares, one per day, with month and weekday labels and a legend."""
    cells = heatmap_cells(counts, end=end, weeks=weeks)
    left, top = 28, 14
    right = left + weeks * STEP - GAP  # the grid's right edge
    width, height = right + 2, top + 7 * STEP + 18
    total = sum(cell.count for cell in cells)
    parts = [
        f'<svg class="chart heatmap" role="img" viewBox="0 0 {width} {height}" '
        f'aria-label="{_plural(total, "review")} in the last {weeks} weeks">'
    ]
    for row in (1, 3, 5):
        label = cells[row].day.strftime("%a")
        parts.append(f'<text x="0" y="{top + row * STEP + 9}" class="chart-label">{label}</text>')
    month_columns = [
        cell.column for cell in cells if cell.row == 0 and (cell.column == 0 or cell.day.day <= 7)
    ]
    for i, column in enumerate(month_columns):
        if i + 1 < len(month_columns) and month_columns[i + 1] - column < 3:
            continue  # a month label needs about three columns of room
        month = cells[column * 7].day.strftime("%b")
        parts.append(f'<text x="{left + column * STEP}" y="10" class="chart-label">{month}</text>')
    for cell in cells:
        title = f"{_plural(cell.count, 'review')} on {cell.day.isoformat()}"
        parts.append(
            f'<rect x="{left + cell.column * STEP}" y="{top + cell.row * STEP}" '
            f'width="{CELL}" height="{CELL}" rx="2" class="heat-{cell.level}">'
            f"<title>{escape(title)}</title></rect>"
        )
    legend_y = top + 7 * STEP + 4
    legend_x = right - 24 - LEVELS * STEP
    parts.append(f'<text x="{legend_x - 24}" y="{legend_y + 9}" class="chart-label">Less</text>')
    for level in range(LEVELS):
        parts.append(
            f'<rect x="{legend_x + level * STEP}" y="{legend_y}" width="{CELL}" '
            f'height="{CELL}" rx="2" class="heat-key heat-key-{level}"></rect>'
        )
    parts.append(
        f'<text x="{legend_x + LEVELS * STEP + 2}" y="{legend_y + 9}" '
        'class="chart-label">More</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    height: float  # in SVG units, proportional to count; the busiest day fills BAR_AREA


def forecast_bars(forecast: Mapping[date, int], *, start: date, days: int = 30) -> list[Bar]:
    """One bar per day from `start` (today, whose count includes overdue cards)."""
    span = [start + timedelta(days=i) for i in range(days)]
    peak = max((forecast.get(day, 0) for day in span), default=0) or 1
    return [
        Bar(day, forecast.get(day, 0), round(BAR_AREA * forecast.get(day, 0) / peak, 1))
        for day in span
    ]


def forecast_svg(forecast: Mapping[date, int], *, start: date, days: int = 30) -> Markup:
    """Cards coming due per day, with the count above each bar and a date every week."""
    bars = forecast_bars(forecast, start=start, days=days)
    top, bottom = 16, 18
    step = BAR_WIDTH + BAR_GAP
    width, base = days * step + 20, top + BAR_AREA  # room for the last date label
    total = sum(bar.count for bar in bars)
    parts = [
        f'<svg class="chart forecast" role="img" viewBox="0 0 {width} {base + bottom}" '
        f'aria-label="{_plural(total, "card")} due in the next {days} days">'
    ]
    for i, bar in enumerate(bars):
        x = i * step
        if i == 0:
            title = f"{_plural(bar.count, 'card')} due today (overdue included)"
        else:
            title = f"{_plural(bar.count, 'card')} due on {bar.day.isoformat()}"
        kind = "bar-due bar-today" if i == 0 else "bar-due"
        parts.append(
            f"<g><title>{escape(title)}</title>"
            f'<rect x="{x}" y="{top}" width="{BAR_WIDTH}" height="{BAR_AREA}" class="bar-slot">'
            "</rect>"
            f'<rect x="{x}" y="{base - bar.height:g}" width="{BAR_WIDTH}" '
            f'height="{bar.height:g}" class="{kind}"></rect>'
        )
        if bar.count:
            parts.append(
                f'<text x="{x + BAR_WIDTH / 2:g}" y="{base - bar.height - 3:g}" '
                f'class="chart-value bar-count">{bar.count}</text>'
            )
        parts.append("</g>")
        if i % 7 == 0:
            label = "today" if i == 0 else f"{bar.day:%b} {bar.day.day}"
            parts.append(f'<text x="{x}" y="{base + 13}" class="chart-label">{label}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
