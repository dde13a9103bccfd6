"""The client search in headless Chromium: one browser history entry per search, not one
per letter; the document's title after each swap; a short status line for screen readers.
Screenshots land in var/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TITLE = "“{}” · Clients · Lender back office"
# Counts htmx's own reports of what it did to the history, to tell pushes from replaces.
COUNT_HISTORY_UPDATES = """() => {
  window.historyUpdates = {push: 0, replace: 0};
  document.body.addEventListener("htmx:pushedIntoHistory", () => window.historyUpdates.push++);
  document.body.addEventListener("htmx:replacedInHistory", () => window.historyUpdates.replace++);
}"""


def history_length(page) -> int:
    return page.evaluate("history.length")


def open_list(page, user) -> int:
    page.sign_in(user)
    page.goto("/clients/")
    expect(page.locator("#client-results tbody tr").first).to_be_visible()
    page.evaluate(COUNT_HISTORY_UPDATES)
    # The status line must stay the same element, or screen readers may not announce it.
    page.evaluate("document.getElementById('search-status').dataset.kept = 'yes'")
    return history_length(page)


def test_typing_a_search_letter_by_letter_adds_one_history_entry(page, viewer, screenshot):
    start = open_list(page, viewer)
    box = page.locator("#q")
    # Slower than the 300 ms debounce, so each letter is answered; faster than the pause.
    box.press_sequentially("balogun", delay=600)
    expect(page).to_have_url(re.compile(r"\?q=balogun&"))
    expect(page).to_have_title(TITLE.format("balogun"))
    status = page.locator("#search-status")
    expect(status).to_have_text(re.compile(r"^\d+ clients? match(es)? “balogun”\.$"))
    expect(page.locator("#client-results tbody tr").first).to_contain_text("Balogun")
    assert history_length(page) == start + 1
    updates = page.evaluate("window.historyUpdates")
    assert updates["push"] == 1 and updates["replace"] >= 1  # the later letters replaced it
    assert status.get_attribute("data-kept") == "yes" and status.get_attribute("role") == "status"
    assert page.locator("#client-results").get_attribute("aria-live") is None
    screenshot(page, "clients-search-typed")

    # Enter on the same term: the search ends, and adds nothing.
    with page.expect_response(re.compile(r"/clients/\?q=balogun&")):
        box.press("Enter")
    assert history_length(page) == start + 1

    # A new search: a new entry, and the title follows it.
    box.press("Control+A")
    box.press_sequentially("okafor", delay=100)
    expect(page).to_have_url(re.compile(r"\?q=okafor&"))
    expect(page).to_have_title(TITLE.format("okafor"))
    expect(status).to_have_text(re.compile(r"“okafor”"))
    assert history_length(page) == start + 2

    # Back goes search by search, and the title with it.
    page.go_back()
    expect(page).to_have_url(re.compile(r"\?q=balogun&"))
    expect(page).to_have_title(TITLE.format("balogun"))
    expect(box).to_have_value("balogun")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/clients/$"))
    expect(page).to_have_title("Clients · Lender back office")


def test_a_pause_ends_a_search_so_the_next_words_get_their_own_entry(page, viewer):
    page.clock.install()  # the pause is fast-forwarded, not waited for
    start = open_list(page, viewer)
    box = page.locator("#q")
    box.press_sequentially("okafor", delay=50)
    expect(page).to_have_url(re.compile(r"\?q=okafor&"))
    assert history_length(page) == start + 1
    page.clock.fast_forward(1000)
    box.press_sequentially(" kofi", delay=50)
    expect(page).to_have_url(re.compile(r"\?q=okafor(\+|%20)kofi&"))
    expect(page).to_have_title(TITLE.format("okafor kofi"))
    assert history_length(page) == start + 2


def test_an_exact_reference_and_a_capped_search_say_so(page, viewer, screenshot):
    start = open_list(page, viewer)
    box = page.locator("#q")
    box.fill("cl-42")
    expect(page.locator("#search-status")).to_have_text(
        "1 client matches “cl-42”: CL-000042, Ekaette Danjuma."
    )
    expect(page.locator("[data-open-client]")).to_have_attribute("href", "/clients/CL-000042/")
    expect(page).to_have_title(TITLE.format("cl-42"))

    box.fill("a")
    expect(page.locator("#search-status")).to_have_text(
        "At least 50 clients match “a”: the search may be incomplete."
    )
    expect(page.locator("[data-search-capped]")).to_contain_text("at most 50 clients")
    assert history_length(page) == start + 2  # two searches, each its own entry
    screenshot(page, "clients-search-capped", full_page=True)


def test_a_capped_search_offers_its_export_saying_more_may_match(page, manager, screenshot):
    open_list(page, manager)
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#q").fill("a")
    export = page.locator("[data-export]")
    expect(export).to_have_text(re.compile(r"Export these 50 clients \(CSV; more may match\)"))
    box = export.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390  # on screen
    screenshot(page, "clients-search-capped-export-phone")
