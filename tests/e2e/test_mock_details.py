"""Mock interview niceties: the invite link has a copy button, finishing with questions left
unanswered asks first, and the clock stays in sight while the candidate scrolls."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Dialog, expect

from tests.e2e.conftest import login_link
from tests.e2e.test_accessibility import audit


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


def test_scoring_keeps_a_running_total_as_the_interviewer_rates_by_keyboard(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    interviewer = browser.new_page(viewport={"width": 1366, "height": 900})
    interviewer.goto(login_link(sqlite_url, sqlite_server, role="interviewer"))
    interviewer.goto(f"{sqlite_server}/mock")
    interviewer.get_by_role("button", name="Create an interview with an invite link").first.click()
    invite = interviewer.get_by_label("Invite link").input_value()
    follow = interviewer.get_by_role("link", name="Follow this interview →").get_attribute("href")
    interview = re.search(r"/mock/(\d+)", follow or "")
    assert interview, follow

    candidate = browser.new_context().new_page()
    candidate.goto(login_link(sqlite_url, sqlite_server))
    candidate.goto(invite)
    candidate.get_by_role("button", name="Start").click()
    candidate.locator("#answer").fill("The GIL lets one thread run Python bytecode at a time.")
    candidate.once("dialog", lambda dialog: dialog.accept())
    candidate.get_by_role("button", name="Finish and submit").click()
    # the interviewer scores it before the candidate sees a report
    expect(candidate.get_by_role("status")).to_be_visible(timeout=60_000)
    candidate.context.close()

    interviewer.goto(f"{sqlite_server}/mock/{interview.group(1)}/score")
    total = interviewer.locator("#running-total")
    expect(total).to_have_text(re.compile(r"^Rubric total: \d+ of \d+ points \(\d+%\)$"))
    ratings = interviewer.locator("select[name^='rubric-']")
    count = ratings.count()
    first = ratings.first
    first.focus()
    interviewer.keyboard.press("4")  # a focused rating takes the digit typed
    expect(first).to_have_value("4")
    points = sum(int(v) for v in ratings.evaluate_all("(s) => s.map((x) => x.value)"))
    expect(total).to_have_text(
        f"Rubric total: {points} of {count * 4} points ({round(points / (count * 4) * 100)}%)"
    )
    interviewer.keyboard.press("1")
    expect(first).to_have_value("1")
    expect(total).to_contain_text(f"Rubric total: {points - 3} of {count * 4}")
    problems = audit(interviewer, "mock-score", None)  # axe-core, at both widths
    assert not problems, "\n".join(problems)
    interviewer.close()
