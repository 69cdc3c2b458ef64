"""Mock interview niceties: the invite link has a copy button, finishing with questions left
unanswered asks first, and the clock stays in sight while the candidate scrolls."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Dialog, expect

from tests.e2e.conftest import login_link


def test_the_invite_link_copies_to_the_clipboard(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=sqlite_server)
    page = context.new_page()
    page.goto(login_link(sqlite_url, sqlite_server, role="interviewer"))
    page.goto(f"{sqlite_server}/mock")
    page.get_by_role("button", name="Create an interview with an invite link").first.click()
    url = page.get_by_label("Invite link").input_value()
    assert "/mock/invite/" in url
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url
    context.close()


def test_finishing_with_unanswered_questions_asks_first(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(login_link(sqlite_url, sqlite_server))
    page.goto(f"{sqlite_server}/mock")
    card = page.locator(".card").filter(has_text="technical screen")
    card.locator("summary", has_text="Adjust").click()
    card.get_by_label("Questions").fill("3")
    card.get_by_role("button", name="Practise alone").click()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_text("Question 1 of 3")).to_be_visible(timeout=30_000)
    page.locator("#answer").fill("only the first one is answered")

    asked: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Finish and submit").click()
    expect(page.get_by_text("Question 1 of 3")).to_be_visible()  # still taking it
    assert asked and "2 questions" in asked[0], asked

    def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name="Finish and submit").click()
    expect(page.get_by_role("heading", name=re.compile("^Report:"))).to_be_visible(timeout=60_000)
    assert len(asked) == 2
    page.close()


def test_the_clock_stays_in_sight_on_a_long_question(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    for width, height in ((390, 844), (1366, 900)):
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(login_link(sqlite_url, sqlite_server))
        page.goto(f"{sqlite_server}/mock")
        page.locator(".card").filter(has_text="technical screen").get_by_role(
            "button", name="Practise alone"
        ).click()
        page.get_by_role("button", name="Start").click()
        clock = page.locator("#countdown")
        expect(clock).to_be_visible()
        page.locator("#answer").fill("\n".join(f"line {i}" for i in range(80)))
        page.locator("#answer").evaluate("(a) => { a.rows = 80; }")  # a long page
        page.mouse.wheel(0, 2000)
        page.wait_for_function("() => window.scrollY > 300")
        expect(clock).to_be_in_viewport()
        box = clock.bounding_box()
        header = page.locator("header.topbar").bounding_box()
        assert box is not None and header is not None
        assert box["y"] >= header["y"] + header["height"] - 1, (box, header)  # not under it
        page.close()
