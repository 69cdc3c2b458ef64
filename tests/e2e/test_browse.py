"""A person opens Viva, searches for "GIL", and reads the question and its model answer."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import ARTIFACTS


def test_home_search_and_question_page(browser: Browser, live_server: str, db_url: str) -> None:
    backend = db_url.split("+")[0]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server)
    expect(page.get_by_role("heading", name="Python Developer (FastAPI + SQL)")).to_be_visible()
    expect(page.get_by_text("100 questions · 10 categories")).to_be_visible()

    page.get_by_role("link", name=re.compile("Python Developer")).click()
    expect(page.locator(".qlist li")).to_have_count(50)
    page.get_by_role("searchbox", name="Search questions").fill("GIL")
    expect(page.locator(".qlist li")).to_have_count(1)  # HTMX swapped the results in place
    assert "q=GIL" in page.url
    page.get_by_role("link", name=re.compile("Global Interpreter Lock")).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Global Interpreter Lock")
    page.get_by_text("Think it through first").click()
    expect(
        page.get_by_role("heading", name="Key points an interviewer listens for")
    ).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"question-gil-{backend}.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})  # phone width: nothing overflows
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow
    page.screenshot(path=str(ARTIFACTS / f"question-gil-phone-{backend}.png"))
    page.close()


def test_unknown_question_shows_an_html_error_page(browser: Browser, live_server: str) -> None:
    page = browser.new_page()
    response = page.goto(f"{live_server}/questions/999999")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    page.close()
