"""The interviewer's page of a mock interview follows the candidate live: opening the
invite, starting, moving to the next question and submitting each show on it without a
reload (the notification stream's "mock.progress" has HTMX fetch the panel again)."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import login_link


def test_the_interviewers_page_follows_the_candidate_without_a_reload(
    browser: Browser, live_server: str, db_url: str
) -> None:
    interviewer_context = browser.new_context(viewport={"width": 1280, "height": 900})
    candidate_context = browser.new_context(viewport={"width": 1280, "height": 900})
    interviewer = interviewer_context.new_page()
    interviewer.goto(login_link(db_url, live_server, role="interviewer"))
    interviewer.goto(f"{live_server}/mock")
    card = interviewer.locator(".card").filter(has_text="technical screen")
    card.locator("summary", has_text="Adjust").click()
    card.get_by_label("Questions").fill("2")
    card.get_by_role("button", name="Create an interview with an invite link").click()
    invite = interviewer.get_by_label("Invite link").input_value()
    interviewer.get_by_role("link", name="Follow this interview →").click()
    live = interviewer.locator("#mock-live")
    expect(live).to_contain_text("Waiting for the candidate to open the invite link")
    interviewer.wait_for_function("() => window.vivaNotifications.readyState === 1")
    interviewer.evaluate("() => { window.sameDocument = true; }")  # a reload would lose it

    candidate = candidate_context.new_page()
    candidate.goto(login_link(db_url, live_server))
    candidate.goto(invite)
    expect(live).to_contain_text("Waiting for the candidate to start.", timeout=20_000)
    candidate.get_by_role("button", name="Start").click()
    expect(live).to_contain_text("answering question 1 of 2 (0 answered", timeout=20_000)
    candidate.locator("#answer").fill("The GIL lets one thread run Python bytecode at a time.")
    candidate.get_by_role("button", name="Next →").click()
    expect(candidate.get_by_text("Question 2 of 2")).to_be_visible()
    expect(live).to_contain_text("answering question 2 of 2 (1 answered", timeout=20_000)
    candidate.locator("#answer").fill("A second answer.")
    # The first submit in a process builds the key-point matcher's tables (seconds of CPU): a
    # bound for a loaded host, not a timing.
    candidate.get_by_role("button", name="Finish and submit").click(timeout=120_000)
    expect(live).to_contain_text("The candidate has submitted", timeout=20_000)
    expect(live.get_by_role("link", name="Score the interview")).to_be_visible()
    assert interviewer.evaluate("() => window.sameDocument") is True
    interviewer_context.close()
    candidate_context.close()
