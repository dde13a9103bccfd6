"""What a person does in the clients workspace, in headless Chromium against the live
dashboard and the sandbox. Screenshots land in var/screenshots/ for a person to look at."""

import re

import pytest
from playwright.sync_api import expect

from dashboard.sandbox.seed import make_client

pytestmark = pytest.mark.browser


def many_deposits_ref() -> str:
    """A seeded client with more than 10 deposits, to page inside a tab."""
    for seq in range(1, 200):
        if len(make_client(seq, 1000)[2]) > 12:
            return f"CL-{seq:06d}"
    raise AssertionError("no seeded client with many deposits")


def test_home_is_the_client_list_with_htmx_configured(page, manager, screenshot):
    page.sign_in(manager)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/clients/$"))
    expect(page.locator("#client-results tbody tr")).to_have_count(25)
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("htmx.config.historyCacheSize") == 0
    assert page.evaluate("htmx.config.allowEval") is False
    assert page.evaluate("document.querySelectorAll('style').length") == 0  # no injected CSS
    expect(page.locator("[data-role]")).to_have_text("Manager")
    screenshot(page, "clients-list")


def test_search_updates_the_table_and_url_and_back_restores(page, manager, screenshot):
    page.sign_in(manager)
    page.goto("/clients/")
    marker = "same-document"
    page.evaluate(f"document.body.dataset.marker = '{marker}'")
    page.locator("#q").press_sequentially("okafor", delay=30)
    expect(page).to_have_url(re.compile(r"q=okafor"))
    rows = page.locator("#client-results tbody tr")
    expect(rows.first).to_contain_text("Okafor")
    assert page.evaluate("document.body.dataset.marker") == marker  # swapped in place
    screenshot(page, "clients-search")

    page.locator("#q").fill("adeyemi")
    expect(page).to_have_url(re.compile(r"q=adeyemi"))
    expect(rows.first).to_contain_text("Adeyemi")
    page.go_back()
    expect(page).to_have_url(re.compile(r"q=okafor"))
    expect(rows.first).to_contain_text("Okafor")
    expect(page.locator("#q")).to_have_value("okafor")


def test_search_by_exact_reference_offers_open(page, manager):
    page.sign_in(manager)
    page.goto("/clients/")
    page.locator("#q").fill("CL-000017")
    page.locator("#q").press("Enter")
    page.locator("[data-open-client]").click()
    expect(page).to_have_url(re.compile(r"/clients/CL-000017/$"))


def test_paging_and_page_size(page, manager):
    page.sign_in(manager)
    page.goto("/clients/")
    pager = page.locator("#client-results [data-pager]")
    pager.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(pager).to_contain_text("26–50 of")
    pager.get_by_role("link", name="10", exact=True).click()
    expect(page).to_have_url(re.compile(r"perPage=10"))
    expect(page.locator("#client-results tbody tr")).to_have_count(10)
    pager.get_by_role("link", name="Last").click()
    expect(pager).to_contain_text(re.compile(r"page (\d[\d,]*) of \1"))
    page.reload()  # the URL alone restores the view
    expect(pager).to_contain_text(re.compile(r"page (\d[\d,]*) of \1"))


def test_open_a_client_switch_tabs_and_page_inside_a_tab(page, manager, screenshot):
    ref = many_deposits_ref()
    page.sign_in(manager)
    page.goto("/clients/")
    page.locator("#q").fill(ref)
    page.locator("#q").press("Enter")
    page.locator("[data-open-client]").click()
    expect(page.locator("#client-name")).to_be_visible()
    expect(page.get_by_role("tab", name="Loans")).to_have_attribute("aria-selected", "true")
    screenshot(page, "client-detail-loans", full_page=True)

    page.get_by_role("tab", name="Deposits").click()
    expect(page).to_have_url(re.compile(r"tab=deposits"))
    expect(page.get_by_role("tab", name="Deposits")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#tab-panel tbody tr").first).to_contain_text("DP-")
    # htmx settles `class` 20 ms after the swap: wait for it before the picture.
    expect(page.get_by_role("tab", name="Deposits")).to_have_class(re.compile(r"\bactive\b"))
    screenshot(page, "client-detail-deposits", full_page=True)

    page.locator("#client-tabs").get_by_role("link", name="10", exact=True).click()
    expect(page.locator("#tab-panel tbody tr")).to_have_count(10)
    page.locator("#client-tabs").get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"tab=deposits.*page=2|page=2.*tab=deposits"))
    expect(page.locator("#client-tabs [data-pager]")).to_contain_text("11–")

    # Arrow keys move between tabs.
    page.get_by_role("tab", name="Deposits").focus()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("tab", name="Loans")).to_have_attribute("aria-selected", "true")
    page.reload()
    expect(page.get_by_role("tab", name="Loans")).to_have_attribute("aria-selected", "true")


def test_create_with_a_field_error_then_success(page, officer, screenshot, random_suffix):
    page.console_allowed.append("status of 422")  # the form answers 422 while it has errors
    page.sign_in(officer)
    page.goto("/clients/new/")
    form = page.locator("#client-form")
    form.get_by_label("First name").fill("Chidinma")
    form.get_by_label("Last name").fill(f"Obi-{random_suffix}")
    form.get_by_label("Date of birth").fill("2015-03-04")  # too young
    form.get_by_label("Address").fill("4 Aba Road")
    form.get_by_label("State").fill("Rivers")
    form.get_by_label("Country").fill("Nigeria")
    form.get_by_label("Email").fill(f"chidinma.{random_suffix}@example.com")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#id_dob_error")).to_contain_text("at least 18")
    expect(page.locator("#form-errors")).to_be_focused()  # keyboard users land on the summary
    expect(page.locator("#client-form").get_by_label("Address")).to_have_value("4 Aba Road")
    screenshot(page, "client-create-errors", full_page=True)

    page.locator("#client-form").get_by_label("Date of birth").fill("1990-03-04")
    page.locator("#client-form").get_by_role("button", name="Save").click()
    expect(page.locator("#client-name")).to_have_text(f"Chidinma Obi-{random_suffix}")
    expect(page.locator("#messages")).to_contain_text("Created")


def test_edit_a_client(page, officer, sandbox, random_suffix):
    created = sandbox.create_client(
        firstName="Tunde", lastName="Bakare", email=f"tunde.{random_suffix}@example.com"
    )
    page.sign_in(officer)
    page.goto(f"/clients/{created['clientRef']}/")
    page.get_by_role("link", name="Edit").click()
    page.locator("#client-form").get_by_label("City").fill("Ikoyi")
    page.locator("#client-form").get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("city")
    expect(page.locator("#client-profile")).to_contain_text("Ikoyi")
    patches = [call for call in sandbox.received() if call["method"] == "PATCH"]
    assert [patch["body"] for patch in patches] == [
        {"firstName": "Tunde", "lastName": "Bakare", "dob": "1980-01-01", "city": "Ikoyi"}
    ]


def test_delete_with_confirmation(page, manager, sandbox, random_suffix):
    created = sandbox.create_client(
        firstName="Efua", lastName=f"Mensah{random_suffix}", state="Greater Accra", country="Ghana"
    )
    page.sign_in(manager)
    page.goto(f"/clients/{created['clientRef']}/")
    page.get_by_role("button", name="Delete…").click()
    dialog = page.locator("#delete-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Efua Mensah{random_suffix}")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Delete…").click()
    dialog.get_by_role("button", name=f"Delete {created['clientRef']}").click()
    expect(page).to_have_url(re.compile(r"/clients/$"))
    expect(page.locator("#messages")).to_contain_text(f"Deleted Efua Mensah{random_suffix}")


def test_an_api_outage_is_shown_in_place_with_retry(page, manager, sandbox, screenshot):
    page.console_allowed.append("status of 503")
    page.sign_in(manager)
    page.goto("/clients/")
    sandbox.set_faults(error_rate=1)
    page.locator("#q").fill("okafor")
    region = page.locator("#client-results")
    expect(region).to_contain_text("not answering")
    expect(page.locator("#q")).to_be_editable()  # the rest of the page still works
    screenshot(page, "clients-outage")
    sandbox.clear_faults()
    region.get_by_role("link", name="Retry").click()
    expect(region.locator("tbody tr").first).to_contain_text("Okafor")


def test_phone_width_layout(page, manager, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.sign_in(manager)
    page.goto("/clients/")
    expect(page.locator("#client-results tbody tr").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "clients-list-phone", full_page=True)
    page.goto("/clients/CL-000017/")
    expect(page.locator("#client-name")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    screenshot(page, "client-detail-phone", full_page=True)


def test_the_audit_log_filters_in_place(
    page, manager, officer, sandbox, screenshot, random_suffix
):
    from django.test import Client

    created = sandbox.create_client(
        firstName="Bola", lastName=f"Tinubu{random_suffix}", dob="1970-01-01", address="1 Alausa"
    )
    officer_session = Client()
    officer_session.force_login(officer)
    opened = officer_session.get(f"/clients/{created['clientRef']}/edit/").context["form"]
    saved = officer_session.post(
        f"/clients/{created['clientRef']}/edit/",
        {
            "first_name": "Bola",
            "last_name": f"Tinubu{random_suffix}",
            "dob": "1970-01-01",
            "city": "Ikeja",
            "version": opened["version"].value(),
            "base": opened["base"].value(),
        },
    )
    assert saved.status_code == 302
    page.sign_in(manager)
    page.goto("/audit/")
    page.get_by_label("Action").select_option("client.update")
    expect(page).to_have_url(re.compile(r"action=client.update"))
    entries = page.locator("#audit-entries tbody tr")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Ikeja")
    screenshot(page, "audit-log")
    entries.first.get_by_role("link", name=created["clientRef"]).click()
    expect(page.locator("#client-name")).to_contain_text("Bola")
    expect(page.get_by_text("Recent history")).to_be_visible()
    history = page.locator("[aria-labelledby=history-title] li")  # loaded after the page
    expect(history.first).to_contain_text("Client updated")
    screenshot(page, "client-detail-history", full_page=True)


def test_a_too_large_upload_is_a_toast_and_the_input_stays(page, officer, settings, screenshot):
    settings.MAX_REQUEST_BODY_MB = 1  # the live server runs in this process
    page.console_allowed += ["status of 413", "Error Code 413"]  # the browser's and htmx's
    page.sign_in(officer)
    page.goto("/clients/new/")
    form = page.locator("#client-form")
    form.get_by_label("First name").fill("Chidinma")
    form.get_by_label("Address").fill("4 Aba Road")
    big = {
        "name": "big.jpg",
        "mimeType": "image/jpeg",
        "buffer": b"\xff\xd8\xff" + bytes(1_500_000),
    }
    form.get_by_label("Upload a photo").set_input_files(big)  # no photo hosts: uploads only
    form.get_by_role("button", name="Save").click()
    toast = page.locator("#toasts .toast-body")
    expect(toast).to_contain_text("The upload is too large (at most 1 MB at once")
    expect(form.get_by_label("First name")).to_have_value("Chidinma")  # nothing swapped
    expect(form.get_by_label("Address")).to_have_value("4 Aba Road")
    expect(form.get_by_role("button", name="Save")).to_be_enabled()
    expect(page.locator("#toasts .toast")).to_have_css("opacity", "1")  # faded in
    screenshot(page, "client-create-too-large")
