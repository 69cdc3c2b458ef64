"""The challenge workspace as on LeetCode: a resizable split between problem and editor, a
console under the editor, a Submissions tab with past verdicts and code, syntax errors marked
on their line, and Previous/Next between challenges."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import ARTIFACTS, login_link

WRONG = "def is_palindrome(text):\n    return text == text[::-1]\n"


def test_the_split_resizes_from_the_keyboard_and_is_kept(
    browser: Browser, sqlite_server: str
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{sqlite_server}/challenges/palindrome")
    prompt = page.locator(".prompt-pane")
    editor = page.locator(".workspace")
    before = prompt.bounding_box()
    assert before is not None
    # the editor fills the window's height: no page scroll to reach Run and Submit
    run = page.get_by_role("button", name="Run examples").bounding_box()
    assert run is not None and run["y"] + run["height"] <= 900, run
    splitter = page.get_by_role("separator", name="Resize the problem and the editor")
    splitter.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(splitter).to_have_attribute("aria-valuenow", "57")
    after = prompt.bounding_box()
    assert after is not None and after["width"] > before["width"] + 150, (before, after)
    box = editor.bounding_box()
    assert box is not None and box["x"] > after["x"] + after["width"]  # side by side
    page.reload()
    expect(splitter).to_have_attribute("aria-valuenow", "57")  # kept in this browser
    handle = splitter.bounding_box()
    assert handle is not None
    page.mouse.move(handle["x"] + 4, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(500, handle["y"] + handle["height"] / 2, steps=5)
    page.mouse.up()
    now = int(splitter.get_attribute("aria-valuenow") or 0)
    assert 30 <= now <= 40, now  # dragged to about 500 px of 1366
    page.close()


def test_submissions_tab_lists_past_verdicts_with_their_code(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(login_link(sqlite_url, sqlite_server))
    page.goto(f"{sqlite_server}/challenges/palindrome")
    page.get_by_role("tab", name="Submissions").click()
    expect(page.locator("#submissions-status")).to_contain_text("No submissions yet")
    page.get_by_role("tab", name="Description").click()
    page.evaluate("(src) => window.vivaEditor.setValue(src)", WRONG)
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#console .verdict")).to_contain_text("Wrong Answer", timeout=60_000)
    expect(page.locator("#submissions-count")).to_have_text("1")

    page.evaluate("(src) => window.vivaEditor.setValue(src)", "def is_palindrome(text):\n")
    tab = page.get_by_role("tab", name=re.compile("Submissions"))
    tab.focus()
    page.keyboard.press("ArrowLeft")  # arrow keys move between the tabs
    expect(page.get_by_role("tab", name="Description")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowRight")
    expect(tab).to_have_attribute("aria-selected", "true")
    rows = page.locator("#submissions-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Wrong Answer")
    expect(rows.first.locator("td").nth(2)).to_have_text(re.compile(r"^\d+/\d+$"))
    rows.first.get_by_role("button", name=re.compile("^View code")).click()
    expect(page.locator("pre.submitted-code")).to_have_text(WRONG)
    page.get_by_role("button", name="Open this code in the editor").click()
    assert page.evaluate("window.vivaEditor.getValue()") == WRONG
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "workspace-submissions-laptop.png"))
    page.close()


def test_a_syntax_error_is_marked_on_its_line(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(login_link(sqlite_url, sqlite_server))
    page.goto(f"{sqlite_server}/challenges/palindrome")
    broken = "def is_palindrome(text):\n    x = 1\n    return (text ==\n"
    page.evaluate("(src) => window.vivaEditor.setValue(src)", broken)
    page.get_by_role("button", name="Run examples").click()
    expect(page.locator(".verdict")).to_contain_text("Syntax Error", timeout=60_000)
    marked = page.locator(".cm-line.line-error")
    expect(marked).to_have_count(1)
    expect(page.locator(".error-gutter .error-marker")).to_have_count(1)
    line = page.locator(".cm-content .cm-line").evaluate_all(
        "(lines) => lines.findIndex((l) => l.classList.contains('line-error'))"
    )
    message = page.locator("#results").inner_text()
    number = int(re.search(r"line (\d+)", message).group(1))  # type: ignore[union-attr]
    assert line == number - 1, (line, message)
    page.locator(".cm-content").click()
    page.keyboard.type("x")  # editing clears the mark
    expect(marked).to_have_count(0)
    page.close()


def test_previous_and_next_challenge_links(browser: Browser, sqlite_server: str) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{sqlite_server}/challenges/palindrome")
    following = page.locator("#challenge-nav a[rel=next]")
    expect(following).to_be_visible()
    title = following.inner_text().rstrip(" →")
    following.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    back = page.locator("#challenge-nav a[rel=prev]")
    expect(back).to_contain_text("Palindrome check")
    page.close()
