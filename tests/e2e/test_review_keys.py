"""Review as in Anki: a count of the cards left, Space reveals the model answer, 1-4 rate."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import ARTIFACTS, login_link


def test_space_reveals_and_a_number_key_rates(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(login_link(sqlite_url, sqlite_server))
    page.goto(f"{sqlite_server}/practice")
    expect(page.locator(".stats")).to_contain_text("Cards seen")
    page.locator("#start-review").click()
    expect(page).to_have_url(re.compile(r"/practice/review/\d+$"))
    first = page.url
    left = page.locator("#left")
    expect(left).to_have_text(re.compile(r"^\d+ left$"), timeout=30_000)
    before = int(left.inner_text().split()[0])
    expect(page.get_by_role("heading", name="Model answer")).to_have_count(0)

    page.locator("textarea[name=answer]").press("Space")  # typing a space is just typing
    expect(page.get_by_role("heading", name="Model answer")).to_have_count(0)
    page.locator("h1").click()
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", name="Model answer")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Hard")).to_have_attribute("aria-keyshortcuts", "2")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-revealed.png"), full_page=True)

    page.keyboard.press("2")  # Hard: the card is rated and the next one opens
    expect(page).not_to_have_url(first, timeout=30_000)
    expect(page).to_have_url(re.compile(r"/practice/review/\d+$"), timeout=30_000)
    expect(left).to_have_text(f"{before - 1} left", timeout=30_000)  # one card fewer
    page.goto(f"{sqlite_server}/practice")
    seen = page.locator(".stats .card").filter(has_text="Cards seen").locator(".big")
    expect(seen).to_have_text("1")
    page.close()


def test_each_rating_shows_when_the_card_comes_back(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(login_link(sqlite_url, sqlite_server))
    page.goto(f"{sqlite_server}/practice")
    page.locator("#start-review").click()
    page.locator("h1").click()
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", name="Model answer")).to_be_visible(timeout=30_000)
    shown = {}
    for name in ("Again", "Hard", "Good", "Easy"):
        interval = page.locator(f".rate button.rating-{name.lower()} .interval")
        expect(interval).to_have_text(re.compile(r"^next review in (<1m|\d+(m|h|d|mo)|[\d.]+y)$"))
        shown[name] = (interval.text_content() or "").split()[-1]
    minutes = {"m": 1, "h": 60, "d": 1440, "mo": 43200, "y": 525600}

    def length(text: str) -> float:
        number, unit = re.fullmatch(r"<?([\d.]+)(mo|m|h|d|y)", text).groups()  # type: ignore[union-attr]
        return float(number) * minutes[unit]

    assert length(shown["Again"]) <= length(shown["Good"]) <= length(shown["Easy"]), shown
    assert length(shown["Easy"]) >= 1440, shown  # Easy on a new card: days, not minutes
    page.screenshot(path=str(ARTIFACTS / "review-intervals-phone.png"), full_page=True)
    page.close()
