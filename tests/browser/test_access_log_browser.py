""" "Who viewed this client" in headless Chromium: the region loads after the page and
lists the latest viewers. Its screenshot lands in var/screenshots/ for a person to look at."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dashboard.audit.models import Action, AuditEntry
from dashboard.sandbox.seed import make_client

pytestmark = pytest.mark.browser

REF = "CL-000017"


def test_a_manager_sees_who_viewed_the_client(page, manager, sandbox, screenshot):
    client_id = make_client(17, 1000)[0]["id"]
    now = timezone.now()
    for minutes, username, viewed, address in (
        (95, "vera", "page", "10.1.2.3"),
        (40, "olu", "deposits", "10.1.2.4"),
        (12, "olu", "loans export", "10.1.2.4"),
    ):
        AuditEntry.objects.create(
            at=now - timedelta(minutes=minutes),
            username=username,
            action=Action.CLIENT_VIEW,
            client_id=client_id,
            client_ref=REF,
            ip_address=address,
            details={"viewed": viewed},
        )
    page.sign_in(manager)
    page.goto(f"/clients/{REF}/")
    region = page.locator("[data-viewers]")
    rows = region.locator("tbody tr")
    expect(rows).to_have_count(4)  # the three above, and this opening of the page
    expect(rows.first).to_contain_text("mariam")
    expect(rows.first).to_contain_text("client page")
    expect(rows.nth(2)).to_contain_text("Deposits tab")
    region.scroll_into_view_if_needed()
    screenshot(region, "access-log-who-viewed")
