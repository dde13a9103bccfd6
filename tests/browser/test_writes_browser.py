"""In the browser: a concurrent edit shown side by side, and references of any shape."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_concurrent_edit_shows_both_values_then_saves_mine(
    page, manager, sandbox, screenshot, random_suffix
):
    client = sandbox.create_client(lastName=f"Both{random_suffix}", city="Ikeja")
    page.console_allowed.append("status of 409")  # the form comes back with the conflict
    page.sign_in(manager)
    page.goto(f"/clients/{client['clientRef']}/edit/")
    sandbox.call(  # someone else saves while the form is open
        "PATCH",
        f"/v1/clients/{client['id']}",
        json={"firstName": "Test", "lastName": f"Both{random_suffix}", "dob": "1980-01-01",
              "city": "Oyo", "phoneNumber": "+234 803 000 0000"},
    )  # fmt: skip
    page.get_by_label("City").fill("Ibadan")
    page.get_by_role("button", name="Save").click()
    conflicts = page.locator("[data-conflicts]")
    expect(conflicts).to_contain_text("Someone else saved this client")
    expect(conflicts.locator("tbody tr")).to_have_count(2)  # city (both), phone (theirs)
    expect(page.get_by_label("City", exact=True)).to_have_value("Ibadan")
    expect(page.get_by_label("Phone number", exact=True)).to_have_value("+234 803 000 0000")
    city = conflicts.locator("tr[data-conflict=city]")
    expect(city.locator("[data-opened]")).to_have_text("Ikeja")
    expect(city.locator("[data-theirs]")).to_have_text("Oyo")
    expect(city.locator("[data-mine]")).to_have_text("Ibadan")
    expect(city.get_by_label("Yours")).to_be_checked()
    screenshot(page, "client-edit-conflict", full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"/clients/{client['clientRef']}/$"))
    now = sandbox.call("GET", f"/v1/clients/{client['clientRef']}").json()["data"]
    assert (now["city"], now["phoneNumber"]) == ("Ibadan", "+234 803 000 0000")


def test_odd_references_open_and_unroutable_ones_show_as_text(
    page, manager, sandbox, screenshot, random_suffix
):
    name = f"Oddity{random_suffix}"
    odd = sandbox.add_client(clientRef=f"REF/2024 #{random_suffix}", lastName=name, email=None)
    bad = sandbox.add_client(clientRef="Z" * 450, lastName=name, email=None)
    try:
        page.sign_in(manager)
        page.goto(f"/clients/?q={name}")
        rows = page.locator("#client-results tbody tr")
        expect(rows).to_have_count(2)
        expect(page.get_by_text("cannot be opened")).to_be_visible()
        screenshot(page, "clients-odd-references")
        page.get_by_role("link", name=odd["clientRef"]).click()
        expect(page.locator("#client-name")).to_have_text(f"Odd {name}")
        expect(page.locator("#client-tabs [role=tab][aria-selected=true]")).to_have_text("Loans")
    finally:
        for each in (odd, bad):
            sandbox.call("DELETE", f"/v1/clients/{each['id']}")
