"""Roles as a person meets them in the browser: controls hidden, URLs refused anyway."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

REF = "CL-000017"
FORBIDDEN_FOR_VIEWERS = [
    "/clients/new/",
    f"/clients/{REF}/edit/",
    "/audit/",
    "/clients/export.csv",
    f"/clients/{REF}/loans.csv",
    f"/clients/{REF}/deposits.csv",
]


def test_sign_in_through_the_form_and_out(page, viewer, screenshot):
    page.goto(f"/clients/{REF}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    screenshot(page, "login")
    page.get_by_label("Username").fill("vera")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/clients/{REF}/$"))
    page.locator("[data-user-menu] .dropdown-toggle").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_a_viewer_sees_no_write_controls_and_is_refused_by_url(page, viewer, screenshot):
    page.console_allowed.append("status of 403")
    page.sign_in(viewer)
    page.goto("/clients/")
    expect(page.locator("[data-role]")).to_have_text("Viewer")
    expect(page.get_by_role("link", name="New client")).to_have_count(0)
    expect(page.get_by_role("link", name="Audit")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Export"))).to_have_count(0)
    page.goto(f"/clients/{REF}/")
    expect(page.locator("#client-name")).to_be_visible()
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete…")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Export"))).to_have_count(0)
    screenshot(page, "viewer-detail")
    for path in FORBIDDEN_FOR_VIEWERS:
        response = page.goto(path)
        assert response.status == 403, path
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    screenshot(page, "viewer-forbidden")
    # A hand-made POST is refused too, with the page's own CSRF token.
    status = page.evaluate(
        """async (path) => {
            const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
            const answer = await fetch(path, {method: 'POST', headers: {'X-CSRFToken': token}});
            return answer.status;
        }""",
        f"/clients/{REF}/delete/",
    )
    assert status == 403
