"""The overview in a real browser: loads, htmx is there and configured, no console errors."""

import pytest

pytestmark = pytest.mark.browser


def test_home_page_loads_with_htmx_and_no_console_errors(page, screenshot):
    response = page.goto("/")
    assert response.status == 200
    page.get_by_text("clients on record").wait_for()
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("htmx.config.historyCacheSize") == 0
    assert page.evaluate("htmx.config.allowEval") is False
    # includeIndicatorStyles is off: htmx must not have injected a <style>.
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    screenshot(page, "home")
    assert page.console_problems == []


def test_retry_reloads_only_the_failed_region(page, sandbox, screenshot):
    sandbox.set_faults(error_rate=1)
    page.console_allowed.append("status of 503")  # the page reports the outage honestly
    page.goto("/")
    region = page.locator("#api-status")
    region.get_by_text("not answering").wait_for()
    screenshot(page, "home-api-down")
    sandbox.clear_faults()
    page.evaluate("document.body.dataset.marker = 'same-page'")
    region.get_by_role("link", name="Retry").click()
    page.get_by_text("clients on record").wait_for()
    assert page.evaluate("document.body.dataset.marker") == "same-page"  # no full reload
