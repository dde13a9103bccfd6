"""The audit log in headless Chromium: filtering in place with htmx, a wrong date range,
the CSV download, and the layout at desktop and phone widths. Screenshots land in
var/screenshots/ for a person to look at."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard.audit.models import Action, AuditEntry, Outcome
from dashboard.sandbox.seed import make_client

pytestmark = pytest.mark.browser

LONG_REFERENCE = "REF/2024 #7 " + "Ọlá-Adébáyọ̀-" * 12


@pytest.fixture
def trail(manager):
    """A morning's entries, with the long values a real trail holds."""
    start = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
    rows = [
        dict(
            username="mariam",
            action=Action.CLIENT_UPDATE,
            client_id="66b1f0c2a9e4d3b2c1a09f88",
            client_ref="CL-000017",
            ip_address="10.1.2.3",
            changes={
                "city": {"old": "Yaba", "new": "Ikeja"},
                "custom_data": {
                    "old": {"segment": "sme"},
                    "new": {"segment": "retail", "tier": 2},
                },
            },
        ),
        dict(
            username='=HYPERLINK("https://evil.example","x")',
            action=Action.LOGIN_FAILED,
            outcome=Outcome.FAILURE,
            message="Wrong username or password",
            ip_address="2001:db8:85a3::8a2e:370:7334",
        ),
        dict(
            username="mariam",
            action=Action.EXPORT_CLIENTS,
            ip_address="10.1.2.3",
            details={"filters": {"q": "okafor"}, "rows": 12500, "api_total": 12500},
        ),
        dict(
            username="olu",
            action=Action.CLIENT_CREATE,
            client_id="77c2e1d3b0f5e4c3d2b1a0ff",
            client_ref=LONG_REFERENCE,
            ip_address="10.1.2.4",
            changes={"first_name": {"old": None, "new": "Ọlá"}},
            details={"request_key": "9f86d081884c7d659a2feaa0c55ad015"},
        ),
        dict(
            username="mariam",
            action=Action.CLIENT_DELETE,
            outcome=Outcome.FAILURE,
            api_status=503,
            client_ref="CL-000018",
            message="The Clients API is not answering. Try again in a moment.",
        ),
    ]
    for minutes, fields in enumerate(rows):
        AuditEntry.objects.create(at=start + timedelta(minutes=minutes * 7), **fields)


def test_the_log_at_desktop_width_filters_in_place(page, manager, trail, screenshot):
    page.sign_in(manager)
    page.goto("/audit/?to=2025-03-31")
    rows = page.locator("#audit-entries tbody tr")
    expect(rows).to_have_count(5)
    expect(page.locator("#audit-entries thead")).to_contain_text("When (Africa/Lagos)")
    expect(rows.first).to_contain_text("Client deleted")
    expect(rows.first).to_contain_text("03 Mar 2025, 09:28:00 WAT")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(page, "audit-log-desktop", full_page=True)

    page.evaluate("document.body.dataset.marker = 'same-document'")
    page.locator("#id_action").select_option(label="Failed sign-in")
    expect(page).to_have_url(re.compile(r"action=auth\.login_failed"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Wrong username or password")
    assert page.evaluate("document.body.dataset.marker") == "same-document"  # swapped in place

    AuditEntry.objects.create(
        action=Action.CLIENT_VIEW, username="ada", at=datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
    )
    page.locator("#id_action").select_option(label="Any action")
    expect(rows).to_have_count(6)
    page.locator("#id_action").select_option(label="Any but views")
    expect(page).to_have_url(re.compile(r"action=not-views"))
    expect(rows).to_have_count(5)
    expect(page.locator("#audit-entries")).not_to_contain_text("Client viewed")
    screenshot(page, "audit-log-not-views")

    page.locator("#id_from").fill("2025-04-05")
    expect(page.locator("#audit-problems")).to_contain_text(
        "To: the end date is before the start date."
    )
    expect(rows).to_have_count(0)
    expect(page.locator("#id_from")).to_have_value("2025-04-05")  # what was typed stays
    screenshot(page, "audit-log-wrong-dates")


def test_the_export_downloads_the_filtered_entries(page, manager, trail):
    page.sign_in(manager)
    page.goto("/audit/?outcome=failure&to=2025-03-31")
    with page.expect_download() as download:
        page.locator("[data-export]").click()
    body = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert body.splitlines()[0].startswith("at,username,action,action_label")
    assert "\"'=HYPERLINK(" in body  # neutralised
    assert "Client updated" not in body and body.count("\n") == 3  # header and two failures
    assert AuditEntry.objects.filter(action=Action.EXPORT_AUDIT, user=manager).exists()


def test_the_log_at_phone_width_has_no_sideways_scroll(page, manager, trail, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.sign_in(manager)
    page.goto("/audit/?to=2025-03-31")
    cards = page.locator("#audit-entries tbody tr")
    expect(cards).to_have_count(5)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Each entry is a card: the cells stacked, each with its label, no header row.
    expect(page.locator("#audit-entries thead th").first).not_to_be_in_viewport()
    assert cards.first.locator("td").first.evaluate("cell => getComputedStyle(cell).display") == (
        "block"
    )
    long_card = cards.filter(has_text="Client created")
    box = long_card.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    screenshot(page, "audit-log-phone", full_page=True)


def test_an_entrys_history_link_lists_that_client_alone(page, manager, trail, screenshot):
    page.sign_in(manager)
    page.goto("/audit/?to=2025-03-31")
    row = page.locator("#audit-entries tbody tr").filter(has_text="CL-000017")
    row.get_by_role("link", name="history").click()
    expect(page).to_have_url(re.compile(r"client_id=66b1f0c2a9e4d3b2c1a09f88"))
    expect(page.locator("[data-client-filter]")).to_contain_text("Client CL-000017")
    expect(page.locator("#audit-entries tbody tr")).to_have_count(1)
    # Another filter keeps the client's (a hidden field of the form).
    page.locator("#id_outcome").select_option(label="Failure")
    expect(page).to_have_url(re.compile(r"outcome=failure"))
    assert "client_id=66b1f0c2a9e4d3b2c1a09f88" in page.url
    expect(page.locator("#audit-entries")).to_contain_text("No audit entries match")
    screenshot(page, "audit-log-one-client")


def test_the_client_pages_history_is_its_own_by_id(page, manager, screenshot):
    client_id = make_client(17, 1000)[0]["id"]
    at = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
    AuditEntry.objects.create(
        at=at,
        username="mariam",
        action=Action.CLIENT_UPDATE,
        client_id=client_id,
        client_ref="CL-000017",
        changes={"city": {"old": "Yaba", "new": "Ikeja"}, "email": {"old": None, "new": "a@b.ng"}},
    )
    # An earlier client that had the reference, and an entry recorded without an id.
    AuditEntry.objects.create(
        at=at, username="olu", action=Action.CLIENT_DELETE, client_id="0ld", client_ref="CL-000017"
    )
    AuditEntry.objects.create(
        at=at, username="olu", action=Action.EXPORT_LOANS, client_ref="CL-000017"
    )
    page.sign_in(manager)
    page.goto("/clients/CL-000017/")
    history = page.locator("[aria-labelledby=history-title] li")  # loaded after the page
    expect(history).to_have_count(1)
    expect(history.first).to_have_text(
        "03 Mar 2025, 09:00:00 WAT · mariam · Client updated (City, Email)"
    )
    screenshot(page, "client-history-by-id", full_page=True)
    page.get_by_role("link", name="All entries").click()
    expect(page.locator("[data-client-filter]")).to_contain_text("Client CL-000017")
    # The update, and this visit itself (the read-access log: audit/access_log.py).
    rows = page.locator("#audit-entries tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Client viewed")).to_have_count(1)
    expect(rows.filter(has_text="Client updated")).to_have_count(1)
