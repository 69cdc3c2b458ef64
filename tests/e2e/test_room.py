"""The live room in two real browsers: both type at once and converge, one drops off and
types, comes back, and nothing is lost; Run in the room shows both the same verdict; the
interviewer's panel and the candidate's signals stay on the interviewer's side."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS, login_link


def editor_text(page: Page) -> str:
    text: str = page.evaluate("() => window.vivaRoom.editor.text()")
    return text


def wait_equal(a: Page, b: Page, *, containing: tuple[str, ...], seconds: float = 20) -> str:
    """Both editors show the same text, with every marker in it (edits cross in flight)."""
    deadline = time.monotonic() + seconds
    while True:
        ta, tb = editor_text(a), editor_text(b)
        if ta == tb and all(m in ta for m in containing):
            return ta
        if time.monotonic() > deadline:
            raise AssertionError(f"editors did not converge:\n{ta!r}\n---\n{tb!r}")
        a.wait_for_timeout(200)


def test_two_browsers_share_the_room(browser: Browser, live_server: str, db_url: str) -> None:
    backend = db_url.split("+")[0]
    interviewer_ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    candidate_ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    interviewer = interviewer_ctx.new_page()
    candidate = candidate_ctx.new_page()
    interviewer.goto(login_link(db_url, live_server, role="interviewer"))
    candidate.goto(login_link(db_url, live_server, role="candidate"))

    interviewer.goto(f"{live_server}/rooms")
    interviewer.get_by_label("Title").fill("Pairing on palindromes")
    interviewer.get_by_label("Challenge").select_option("palindrome")
    interviewer.get_by_role("button", name="Open a room").click()
    invite = interviewer.locator("#invite-url").input_value()
    interviewer.get_by_role("link", name=re.compile("Enter the room")).click()
    candidate.goto(invite)
    expect(candidate.get_by_role("heading", name="Pairing on palindromes")).to_be_visible()
    expect(candidate.locator("#signals-notice")).to_contain_text("paste")
    for page in (interviewer, candidate):
        expect(page.locator("#room-status")).to_have_text("connected", timeout=15_000)
        expect(page.locator(".cm-content")).to_contain_text("def is_palindrome")
    expect(interviewer.locator(".peer")).to_have_count(2, timeout=10_000)

    # Both type at once, at opposite ends of the document, without waiting for each other.
    interviewer.locator(".cm-content").click()
    interviewer.keyboard.press("Control+End")
    candidate.locator(".cm-content").click()
    candidate.keyboard.press("Control+Home")
    for i in range(6):
        interviewer.keyboard.type(f"\n# interviewer {i}")
        candidate.keyboard.type(f"# candidate {i}\n")
    markers = tuple(f"# {who} {i}" for i in range(6) for who in ("interviewer", "candidate"))
    wait_equal(interviewer, candidate, containing=markers)

    # The candidate drops off, types, and comes back: the edit is merged, nothing lost.
    candidate.evaluate("() => window.vivaRoom.editor.provider.disconnect()")
    expect(candidate.locator("#room-status")).to_contain_text("offline")
    candidate.keyboard.type("# typed while offline\n")
    interviewer.keyboard.type("\n# typed meanwhile")
    interviewer.wait_for_timeout(500)
    assert "typed while offline" not in editor_text(interviewer)
    candidate.evaluate("() => window.vivaRoom.editor.provider.connect()")
    expect(candidate.locator("#room-status")).to_have_text("connected", timeout=15_000)
    wait_equal(
        interviewer, candidate, containing=(*markers, "typed while offline", "typed meanwhile")
    )

    # The candidate pastes: the interviewer is told, the candidate's page shows nothing.
    candidate.evaluate(
        """() => {
          const data = new DataTransfer();
          data.setData('text/plain', 'x'.repeat(42));
          window.vivaRoom.editor.view.contentDOM.dispatchEvent(
            new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
        }"""
    )
    expect(interviewer.locator("#signals li").first).to_contain_text("pasted 42 characters")
    interviewer.locator("#private-notes").fill("strong on unicode, CANARY-private")
    interviewer.get_by_label("No hire").check()
    interviewer.get_by_role("button", name="Save private notes").click()
    expect(interviewer.locator("#private-state")).to_have_text("Saved")
    expect(candidate.locator(".room-private")).to_have_count(0)
    assert "CANARY-private" not in candidate.content()

    # Run in the room: both see the same verdict.
    candidate.get_by_role("button", name="Run examples").click()
    for page in (interviewer, candidate):
        expect(page.locator("#room-output .verdict")).to_be_visible(timeout=60_000)
    assert interviewer.locator("#room-output .verdict").get_attribute(
        "data-verdict"
    ) == candidate.locator("#room-output .verdict").get_attribute("data-verdict")
    ARTIFACTS.mkdir(exist_ok=True)
    interviewer.screenshot(path=str(ARTIFACTS / f"room-interviewer-{backend}.png"), full_page=True)
    candidate.set_viewport_size({"width": 390, "height": 844})
    candidate.screenshot(
        path=str(ARTIFACTS / f"room-candidate-phone-{backend}.png"), full_page=True
    )
    width = candidate.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the room is {width} px wide on a phone"

    # The replay has the run and the paste on its timeline.
    room_url = interviewer.url
    interviewer.goto(room_url + "/replay")
    marks = interviewer.locator("#replay-marks")
    expect(marks).to_contain_text("run")
    expect(marks).to_contain_text("paste")
    interviewer.locator("#replay-marks button", has_text="run").first.click()
    expect(interviewer.locator("#replay-code")).to_contain_text("typed while offline")
    interviewer_ctx.close()
    candidate_ctx.close()
