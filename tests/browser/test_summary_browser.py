"""The portfolio summary band in a real browser: the skeleton first, then the band in its
place without moving the tabs; the large client at 1280 and 390 px, light and dark, with
screenshots and axe-core; a failure retried in the band alone."""

import pytest
from playwright.sync_api import expect

from dashboard.sandbox.seed import EMPTY_CLIENT_REF, PORTFOLIO_CLIENT_REF
from tests.browser.test_accessibility_browser import (
    AXE_OPTIONS,
    COLOUR_ONLY,
    THEMES,
    WIDTHS,
    axe_violations,
    findings,
    show,
)

pytestmark = pytest.mark.browser

ONE_CURRENCY = "CL-000125"  # 8 loans and 25 deposits, all in NGN


def client_id(sandbox, client_ref: str) -> str:
    return sandbox.call("GET", f"/v1/clients/{client_ref}").json()["data"]["id"]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_skeleton_gives_way_to_the_band_without_moving_the_tabs(
    page, viewer, sandbox, screenshot, width
):
    page.set_viewport_size(WIDTHS[width])
    page.sign_in(viewer)
    # The page reads no deposits (its Loans tab is open); the summary waits for them.
    slow = f"/v1/clients/{client_id(sandbox, ONE_CURRENCY)}/deposits"
    sandbox.set_faults(latency_ms=1500, path_prefix=slow)
    page.goto(f"/clients/{ONE_CURRENCY}/")
    region, tabs = page.locator("#client-summary"), page.locator("#client-tabs")
    expect(region).to_have_attribute("aria-busy", "true")
    expect(region).to_contain_text("Reading every loan and deposit")
    before = (region.bounding_box()["height"], tabs.bounding_box()["y"])
    screenshot(page, f"summary-skeleton-{width}")
    found = findings(axe_violations(page, AXE_OPTIONS))  # the skeleton too
    assert not found, found

    expect(region.locator("[data-currency]")).to_have_count(1)
    expect(region).not_to_have_attribute("aria-busy", "true")
    after = (region.bounding_box()["height"], tabs.bounding_box()["y"])
    assert after == pytest.approx(before, abs=1), "the band moved the tabs"
    screenshot(page, f"summary-one-currency-{width}")


def test_the_large_clients_band_on_a_desktop_and_a_phone(page, viewer, sandbox, screenshot):
    page.sign_in(viewer)
    page.goto(f"/clients/{PORTFOLIO_CLIENT_REF}/")
    region = page.locator("#client-summary")
    expect(region.locator("[data-currency]")).to_have_count(2)  # NGN and USD, never summed
    expect(region.locator("[data-summary-basis]")).to_contain_text(
        "Based on 230 loans and 310 deposits, as of"
    )
    expect(region.locator('[data-currency="NGN"] [data-figure="overdue"]')).to_have_class(
        "summary-warning"
    )
    expect(region.locator("svg[role=img]")).to_have_count(4)  # two charts a currency
    # The Loans table's footer asked for its totals once the band had them.
    expect(page.locator("#loans-totals [data-currency]")).to_have_count(2)
    expect(page.locator("#loans-totals")).to_contain_text("Totals of all 230 loans")
    found: dict[tuple[str, str], list[str]] = {}
    for width in WIDTHS:
        for theme in THEMES:
            show(page, width, theme)
            if width == "phone":
                assert page.evaluate("document.documentElement.scrollWidth") <= 390
            # The second theme changes colours only: the other rules saw this layout.
            options = AXE_OPTIONS if theme == THEMES[0] else COLOUR_ONLY
            for finding in findings(axe_violations(page, options)):
                found.setdefault(finding, []).append(f"{width}, {theme}")
            size = WIDTHS[width]["width"]
            screenshot(page, f"summary-{size}-{theme}", full_page=True)
    assert not found, found
    show(page, "desktop", THEMES[0])
    page.get_by_role("tab", name="Deposits").click()
    expect(page.locator("#deposits-totals [data-currency]")).to_have_count(2)  # from the cache
    expect(page.locator("#deposits-totals")).to_contain_text("settled, net of reversals")
    page.locator("#deposits-totals").scroll_into_view_if_needed()
    screenshot(page, "summary-deposits-totals-1280-light")


def test_a_failing_summary_is_retried_in_its_region(page, viewer, sandbox, screenshot):
    page.console_allowed.append("status of 503")
    page.sign_in(viewer)
    large = client_id(sandbox, PORTFOLIO_CLIENT_REF)
    # Pages 2 on fail: the page's own first page of loans is read, the summary is not.
    sandbox.set_faults(error_rate=1, path_prefix=f"/v1/clients/{large}/", min_page=2)
    page.goto(f"/clients/{PORTFOLIO_CLIENT_REF}/")
    region = page.locator("#client-summary")
    expect(region.locator("[data-region-error]")).to_contain_text("not answering")
    expect(page.locator("#tab-panel tbody tr").first).to_contain_text("LN-")  # the rest works
    findings_here = findings(axe_violations(page, AXE_OPTIONS))
    assert not findings_here, findings_here
    screenshot(page, "summary-failed-1280-light")

    sandbox.clear_faults()
    region.get_by_role("link", name="Retry").click()
    expect(region.locator("[data-currency]")).to_have_count(2)
    expect(region).to_be_focused()  # dashboard.js: after Retry, the refreshed region
    # The footer that waited for the band asks for its totals once the band has them.
    expect(page.locator("#loans-totals [data-currency]")).to_have_count(2)


def test_a_client_without_loans_or_deposits(page, viewer, sandbox, screenshot):
    page.sign_in(viewer)
    page.goto(f"/clients/{EMPTY_CLIENT_REF}/")
    region = page.locator("#client-summary")
    expect(region).to_contain_text("No loans or deposits yet.")
    show(page, "phone", "dark")
    expect(region).not_to_have_attribute("aria-busy", "true")
    found = findings(axe_violations(page, AXE_OPTIONS))
    assert not found, found
    screenshot(page, "summary-empty-390-dark")
