"""Four-eyes deletion in a real browser: an Officer asks (the dialog keeps a too-short
reason with its message), the client page says a deletion is waiting, a second Manager
approves it from the Requests page; screenshots and axe-core at each screen."""

import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility_browser import AXE_OPTIONS, axe_violations, findings, show
from tests.clients.test_edit_views import create_in_sandbox
from tests.conftest import make_user

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def four_eyes(settings):
    settings.FOUR_EYES_DELETE = True


def no_findings(page) -> None:
    found = findings(axe_violations(page, AXE_OPTIONS))
    assert not found, found


def test_an_officer_asks_and_a_second_manager_approves(
    page, officer, manager, sandbox, screenshot
):
    page.console_allowed.append("status of 400")  # the too-short reason, answered 400
    made = create_in_sandbox(sandbox, f"browser-{secrets.token_hex(4)}")
    ref = made["clientRef"]
    page.sign_in(officer)
    page.goto(f"/clients/{ref}/")
    page.get_by_role("button", name="Request deletion…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Why should the client be deleted?").fill("dup")
    dialog.get_by_role("button", name="Request deletion").click()
    expect(dialog).to_contain_text("at least 5 characters")
    expect(dialog.get_by_label("Why should the client be deleted?")).to_have_value("dup")
    no_findings(page)
    screenshot(page, "approvals-request-dialog-error")
    dialog.get_by_label("Why should the client be deleted?").fill("Duplicate, opened twice")
    dialog.get_by_role("button", name="Request deletion").click()
    banner = page.locator("[data-deletion-request]")
    expect(banner).to_contain_text("Duplicate, opened twice")
    expect(page.get_by_role("button", name="Request deletion…")).to_have_count(0)
    assert [call for call in sandbox.received() if call["method"] == "DELETE"] == []
    screenshot(page, "approvals-client-waiting")

    page.context.clear_cookies()
    page.sign_in(manager)
    show(page, "phone", "dark")
    page.goto("/requests/")
    expect(page.locator("[data-requests-badge]")).to_contain_text("1")
    row = page.locator(f"tr[data-status=pending]:has-text('{ref}')")
    expect(row).to_contain_text("Duplicate, opened twice")
    no_findings(page)
    screenshot(page, "approvals-requests-phone-dark")
    show(page, "desktop", "light")
    screenshot(page, "approvals-requests-desktop")
    row.get_by_label("Comment").fill("Checked with the branch")
    row.get_by_role("button", name="Approve and delete").click()
    expect(page.locator("#messages")).to_contain_text(f"Deleted {ref}")
    expect(page.locator("tr[data-status=executed]")).to_contain_text("Checked with the branch")
    deletes = [call for call in sandbox.received() if call["method"] == "DELETE"]
    assert [call["path"] for call in deletes] == [f"/v1/clients/{made['id']}"]
    no_findings(page)
    screenshot(page, "approvals-requests-decided")


def test_the_requester_is_told_another_manager_decides(page, manager, sandbox, screenshot):
    made = create_in_sandbox(sandbox, f"browser-{secrets.token_hex(4)}")
    make_user("chidi", "Manager")
    page.sign_in(manager)
    page.goto(f"/clients/{made['clientRef']}/")
    page.get_by_role("button", name="Request deletion…").click()
    page.get_by_role("dialog").get_by_label("Why should the client be deleted?").fill(
        "Left the lender in 2024"
    )
    page.get_by_role("dialog").get_by_role("button", name="Request deletion").click()
    banner = page.locator("[data-deletion-request]")
    expect(banner).to_contain_text("You made this request: another Manager decides it")
    expect(banner.get_by_role("button", name="Approve and delete")).to_have_count(0)
    no_findings(page)
    screenshot(page, "approvals-own-request")


def test_a_deleted_clients_snapshot_and_its_re_create(page, officer, manager, sandbox, screenshot):
    from dashboard.approvals.models import Request
    from dashboard.audit.models import Action, AuditEntry
    from tests.conftest import signed_in_client

    made = create_in_sandbox(sandbox, f"browser-{secrets.token_hex(4)}")
    officer_http = signed_in_client(officer)
    officer_http.get(f"/clients/{made['clientRef']}/")
    officer_http.post(
        f"/clients/{made['clientRef']}/delete/request/", {"reason": "Opened twice by mistake"}
    )
    checker = signed_in_client(make_user("chidi", "Manager"))
    checker.post(f"/requests/{Request.objects.get().pk}/approve/")
    deleted = AuditEntry.objects.get(action=Action.CLIENT_DELETE)

    page.sign_in(manager)
    page.goto(f"/audit/?client_id={made['id']}")
    page.locator("[data-snapshot-link]").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kunle Ade")
    expect(page.locator("main")).to_contain_text("Loans and deposits are not re-created")
    no_findings(page)
    screenshot(page, "approvals-snapshot")
    page.get_by_label("Re-create Kunle Ade as a new client").check()
    page.get_by_role("button", name="Re-create the client").click()
    expect(page.locator("#messages")).to_contain_text(f"(was {made['clientRef']})")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kunle Ade")
    again = AuditEntry.objects.get(action=Action.CLIENT_RECREATE)
    assert again.details["snapshot_entry"] == deleted.pk
    screenshot(page, "approvals-recreated")


def test_a_whole_book_export_asked_approved_and_downloaded_once(
    page, manager, sandbox, screenshot, settings
):
    settings.FOUR_EYES_EXPORT = True
    checker = make_user("chidi", "Manager")
    page.sign_in(manager)
    page.goto("/clients/?q=okafor")
    page.get_by_text("Request export of the").click()
    page.get_by_label("Why is the export needed?").fill("Branch audit of the Okafor accounts")
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator("#messages")).to_contain_text("requested: once another Manager approves")
    no_findings(page)
    screenshot(page, "approvals-export-requested")

    page.context.clear_cookies()
    page.sign_in(checker)
    page.goto("/requests/")
    row = page.locator("tr[data-status=pending]")
    expect(row).to_contain_text("Branch audit of the Okafor accounts")
    no_findings(page)
    screenshot(page, "approvals-export-to-approve")
    row.get_by_role("button", name="Approve").click()

    page.context.clear_cookies()
    page.sign_in(manager)
    page.goto("/requests/")
    download = page.locator("[data-export-download]")
    expect(download).to_contain_text("Download (once, until")
    no_findings(page)
    screenshot(page, "approvals-export-download")
    with page.expect_download() as started:
        download.click()
    assert started.value.suggested_filename.endswith(".csv")
