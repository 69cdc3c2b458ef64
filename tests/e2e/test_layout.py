"""Every page type fits a phone (390 px) and a laptop (1366 px) without sideways scrolling,
signed out and signed in as each role; a screenshot of each is kept in test-artifacts/."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS, login_link

WIDTHS = {"phone": (390, 844), "laptop": (1366, 900)}
TRACK = "python-fastapi-sql"


def _public_pages(server: str) -> dict[str, str]:
    category = httpx.get(f"{server}/api/v1/tracks/{TRACK}/categories").json()[0]["slug"]
    question = httpx.get(f"{server}/api/v1/questions", params={"limit": 1}).json()["items"][0]
    return {
        "home": "/",
        "track": f"/tracks/{TRACK}",
        "category": f"/tracks/{TRACK}/categories/{category}",
        "question": f"/questions/{question['id']}",
        "challenges": "/challenges",
        "challenge-python": "/challenges/palindrome",
        "challenge-fastapi": "/challenges/fastapi-json-route",
        "challenge-sql": "/challenges/sql-top-3-salaries",
        "sign-in": "/auth/login",
        "sign-up": "/auth/signup",
        "not-found": "/questions/999999",
        "api-docs": "/docs",
        "redoc": "/redoc",
    }


def _check(page: Page, name: str, path: str, server: str) -> list[str]:
    """Open `path` at both widths; return what overflowed."""
    problems = []
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(server + path, wait_until="networkidle")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        inner = page.evaluate("window.innerWidth")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"layout-{name}-{label}.png"), full_page=True)
        if scroll > inner:
            problems.append(f"{name} ({path}) at {width} px is {scroll} px wide")
    return problems


def test_public_pages_fit_phone_and_laptop(browser: Browser, sqlite_server: str) -> None:
    page = browser.new_page()
    problems: list[str] = []
    for name, path in _public_pages(sqlite_server).items():
        problems += _check(page, name, path, sqlite_server)
    page.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("role", "paths"),
    [
        ("candidate", {"progress": "/progress", "practice": "/practice", "mock": "/mock"}),
        (
            "interviewer",
            {
                "candidates": "/candidates",
                "author-question": "/author/question",
                "author-challenge": "/author/challenge",
            },
        ),
        ("admin", {"assignments": "/admin/assignments", "candidates-admin": "/candidates"}),
    ],
)
def test_signed_in_pages_fit_phone_and_laptop(
    browser: Browser, sqlite_server: str, sqlite_url: str, role: str, paths: dict[str, str]
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(login_link(sqlite_url, sqlite_server, role=role))
    problems: list[str] = []
    for name, path in paths.items():
        problems += _check(page, name, path, sqlite_server)
    if role == "candidate":  # a review card, reached from the practice page
        page.goto(f"{sqlite_server}/practice")
        first = page.locator("table.tests a").first
        problems += _check(page, "review-card", first.get_attribute("href") or "", sqlite_server)
    context.close()
    assert not problems, "\n".join(problems)


def test_the_phone_header_is_one_row_and_a_skip_link_leads_to_the_content(
    browser: Browser, sqlite_server: str
) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{sqlite_server}/challenges")
    header = page.locator("header.topbar").bounding_box()
    brand = page.locator("header.topbar .brand").bounding_box()
    assert header is not None and brand is not None
    assert header["height"] < 2 * brand["height"] + 20, header  # not wrapped onto two rows
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.close()


def test_stat_cards_share_one_row_on_a_laptop(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(login_link(sqlite_url, sqlite_server))
    page.goto(f"{sqlite_server}/practice")
    tops = page.locator(".cards.stats > .card").evaluate_all(
        "(cards) => cards.map((c) => Math.round(c.getBoundingClientRect().top))"
    )
    assert len(tops) == 4 and len(set(tops)) == 1, tops
    page.close()
