"""Local mode: the one-time link signs a person in, and their progress page shows their work."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import ARTIFACTS, login_link


def test_one_time_link_then_progress(browser: Browser, live_server: str, db_url: str) -> None:
    backend = db_url.split("+")[0]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/progress")
    expect(
        page.get_by_role("heading", name="Sign in")
    ).to_be_visible()  # anonymous: sent to sign in

    link = login_link(db_url, live_server)
    page.goto(link)
    expect(page.get_by_role("heading", name="Your progress")).to_be_visible()
    expect(page.get_by_text("No graded submissions yet")).to_be_visible()

    page.goto(f"{live_server}/challenges/palindrome")
    page.evaluate(
        "(src) => window.vivaEditor.setValue(src)",
        "def is_palindrome(t):\n    return t == t[::-1]\n",
    )
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".verdict")).to_contain_text("Wrong Answer", timeout=20_000)

    page.goto(f"{live_server}/progress")
    expect(page.locator(".stats")).to_contain_text("0 / 1")
    expect(page.locator("table.tests")).to_contain_text("palindrome")
    expect(page.get_by_role("img", name="Solved and attempted")).to_be_visible()
    # the failed submission moved the review card of the palindrome question (Again)
    expect(page.get_by_role("img", name="1 review in the last 26 weeks")).to_be_visible()
    expect(page.get_by_role("img", name="1 card due in the next 30 days")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"progress-{backend}.png"), full_page=True)

    page.goto(link)  # a link works once
    expect(page.get_by_text("not valid any more")).to_be_visible()

    page.goto(f"{live_server}/progress")
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server}/progress")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.close()
