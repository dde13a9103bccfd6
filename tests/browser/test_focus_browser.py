"""Keyboard focus after htmx swaps a region (static/js/dashboard.js): paging keeps it on
the pager, switching tabs on the tab, Retry moves it to the refreshed region. Never
<body>, where a keyboard user would have to start again from the top of the page."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

REF = "CL-000125"  # 8 loans, 25 deposits

FOCUSED = """() => {
  const element = document.activeElement;
  return {
    tag: element.tagName.toLowerCase(),
    text: element.textContent.trim(),
    id: element.id,
    pagerPart: element.closest("[data-pager-part]")?.dataset.pagerPart ?? null,
    region: element.closest("[data-region]")?.id ?? null,
  };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def press(locator) -> None:
    """As a keyboard user does: focus the control, then Enter."""
    locator.focus()
    locator.press("Enter")


def test_paging_the_client_list_keeps_focus_on_the_pager(page, viewer):
    page.sign_in(viewer)
    page.goto("/clients/")
    pager = page.locator("#client-results [data-pager]")

    press(pager.get_by_role("link", name="Next"))
    expect(pager).to_contain_text("26–50 of")
    expect(pager.get_by_role("link", name="Next")).to_be_focused()

    press(pager.get_by_role("link", name="Previous"))
    expect(pager).to_contain_text("1–25 of")
    # Previous is now disabled: focus stays on it (tabindex=-1), in the same place.
    assert focused(page) == {
        "tag": "span",
        "text": "Previous",
        "id": "",
        "pagerPart": "pages",
        "region": "client-results",
    }

    press(pager.get_by_role("link", name="10", exact=True))
    expect(page.locator("#client-results tbody tr")).to_have_count(10)
    assert (focused(page)["pagerPart"], focused(page)["text"]) == ("sizes", "10")  # now current

    page.locator("#clients-page-number").fill("7")
    page.locator("#clients-page-number").press("Enter")
    expect(pager).to_contain_text("61–70 of")
    expect(page).to_have_url(re.compile(r"/clients/\?page=7&perPage=10$"))
    expect(page.locator("#clients-page-number")).to_be_focused()


def test_paging_a_tab_keeps_focus_on_its_pager(page, viewer):
    page.sign_in(viewer)
    page.goto(f"/clients/{REF}/?tab=deposits&perPage=10")
    pager = page.locator("#client-tabs [data-pager]")
    press(pager.get_by_role("link", name="Next"))
    expect(pager).to_contain_text("11–20 of 25")
    expect(pager.get_by_role("link", name="Next")).to_be_focused()
    expect(page).to_have_url(re.compile(r"tab=deposits&page=2&perPage=10"))

    press(pager.get_by_role("link", name="Last"))
    expect(pager).to_contain_text("21–25 of 25")
    assert (focused(page)["region"], focused(page)["text"]) == ("client-tabs", "Last")

    page.get_by_role("tab", name="Loans").click()
    expect(page.get_by_role("tab", name="Loans")).to_have_attribute("aria-selected", "true")
    press(page.locator("#client-tabs").get_by_role("link", name="10", exact=True))
    expect(page).to_have_url(re.compile(r"tab=loans&page=1&perPage=10"))
    assert (focused(page)["pagerPart"], focused(page)["text"]) == ("sizes", "10")


def test_switching_tabs_keeps_focus_on_the_tab(page, viewer):
    page.sign_in(viewer)
    page.goto(f"/clients/{REF}/")
    loans = page.get_by_role("tab", name="Loans")
    deposits = page.get_by_role("tab", name="Deposits")
    loans.focus()
    page.keyboard.press("ArrowRight")
    expect(deposits).to_have_attribute("aria-selected", "true")
    expect(page.locator("#tab-panel tbody tr").first).to_contain_text("DP-")
    expect(deposits).to_be_focused()

    press(loans)
    expect(loans).to_have_attribute("aria-selected", "true")
    expect(page.locator("#tab-panel tbody tr").first).to_contain_text("LN-")
    expect(loans).to_be_focused()


def test_retry_moves_focus_to_the_refreshed_region(page, viewer, sandbox, screenshot):
    page.console_allowed.append("status of 503")
    page.sign_in(viewer)
    page.goto(f"/clients/{REF}/")
    expect(page.locator("#client-name")).to_be_visible()
    sandbox.set_faults(error_rate=1)
    press(page.get_by_role("tab", name="Deposits"))
    region = page.locator("#client-tabs")
    expect(region.locator("[data-region-error]")).to_contain_text("not answering")

    press(region.get_by_role("link", name="Retry"))  # still failing: the new message
    expect(region).to_be_focused()
    sandbox.clear_faults()
    press(region.get_by_role("link", name="Retry"))
    expect(region.locator("tbody tr").first).to_contain_text("DP-")
    expect(region).to_be_focused()
    screenshot(page, "focus-after-retry")


def test_retry_in_the_client_list_focuses_its_results(page, viewer, sandbox):
    page.console_allowed.append("status of 503")
    page.sign_in(viewer)
    page.goto("/clients/")
    sandbox.set_faults(error_rate=1)
    press(page.locator("#client-results").get_by_role("link", name="Next"))
    region = page.locator("#client-results")
    expect(region.locator("[data-region-error]")).to_be_visible()
    sandbox.clear_faults()
    press(region.get_by_role("link", name="Retry"))
    expect(region.locator("tbody tr")).to_have_count(25)
    expect(region).to_be_focused()  # given tabindex=-1 by dashboard.js
