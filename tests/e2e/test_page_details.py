"""Small things a new user notices: the breadcrumb names the track, a 404 says what happened
once, and a secondary link-button looks secondary."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import login_link


def test_question_breadcrumb_names_the_track(browser: Browser, sqlite_server: str) -> None:
    page = browser.new_page()
    question = httpx.get(f"{sqlite_server}/api/v1/questions", params={"limit": 1}).json()
    page.goto(f"{sqlite_server}/questions/{question['items'][0]['id']}")
    crumbs = page.locator("nav.crumbs")
    expect(crumbs.get_by_role("link", name="Python Developer (FastAPI + SQL)")).to_be_visible()
    expect(crumbs.get_by_role("link", name="Track", exact=True)).to_have_count(0)
    page.close()


def test_the_404_page_says_not_found_once(browser: Browser, sqlite_server: str) -> None:
    page = browser.new_page()
    response = page.goto(f"{sqlite_server}/no/such/page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    text = page.locator(".error-page").inner_text()
    assert text.lower().count("not found") == 1, text
    page.goto(f"{sqlite_server}/questions/999999")  # a Viva error keeps its own detail
    expect(page.locator(".error-page")).to_contain_text("No question with id 999999.")
    page.close()


def test_a_secondary_link_button_is_not_drawn_as_primary(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    page = browser.new_page()
    page.goto(login_link(sqlite_url, sqlite_server, role="interviewer"))
    page.goto(f"{sqlite_server}/candidates")
    primary = page.get_by_role("link", name="Run a mock interview →")
    secondary = page.get_by_role("link", name="Write a question")
    colour = "getComputedStyle(document.querySelector('main .button:not(.secondary)'))"
    brand = page.evaluate(f"{colour}.backgroundColor")
    expect(primary).to_have_css("background-color", brand)
    expect(secondary).not_to_have_css("background-color", brand)
    expect(secondary).to_have_css("color", brand)
    page.close()


def test_challenges_filter_by_kind_difficulty_and_words(
    browser: Browser, sqlite_server: str
) -> None:
    everything = httpx.get(f"{sqlite_server}/api/v1/challenges").json()
    page = browser.new_page()
    page.goto(f"{sqlite_server}/challenges")
    expect(page.locator("#challenge-count")).to_have_text(f"{len(everything)} challenges")
    page.get_by_label("Kind").select_option(label="SQL")
    page.get_by_label("Difficulty").select_option("easy")
    page.get_by_role("button", name="Filter").click()
    wanted = [c for c in everything if c["kind"] == "sql" and c["difficulty"] == "easy"]
    expect(page.locator(".qlist li")).to_have_count(len(wanted))
    expect(page.locator("#challenge-count")).to_have_text(
        f"{len(wanted)} of {len(everything)} challenges"
    )
    assert "kind=sql" in page.url and "difficulty=easy" in page.url

    page.goto(f"{sqlite_server}/challenges?q=Palindrome")
    expect(page.locator(".qlist li")).to_have_count(1)
    expect(page.get_by_role("searchbox", name="Search challenges")).to_have_value("Palindrome")
    page.goto(f"{sqlite_server}/challenges?q=zzzz-nothing&kind=bogus")
    expect(page.locator("#challenge-count")).to_contain_text("No challenges match")
    page.close()
