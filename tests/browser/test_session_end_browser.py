"""In the browser: a Save after the session ended loses nothing (with and without
JavaScript, create and edit), the warning before the session ends and its "Stay signed
in", and the warning before leaving a form with unsaved changes."""

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import PASSWORD, REPORT_CSP_VIOLATIONS, make_user, signed_in_client

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def signed_in_tab(browser, live_server, user, **options):
    """A tab of a new browser context (`options`: viewport, JavaScript, colour scheme)
    signed in as `user`; close its context when done."""
    context = browser.new_context(base_url=live_server.url, **options)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    cookie = signed_in_client(user).cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return context.new_page()


def end_sessions() -> None:
    """As if the idle limit passed for everyone: cookies still sent, sessions gone stale."""
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))


def sign_in_on_the_page(tab, username: str) -> None:
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()


def fill_new_client(tab, suffix: str) -> None:
    tab.get_by_label("First name").fill("Ngozi")
    tab.get_by_label("Last name").fill(f"Draft{suffix}")
    tab.get_by_label("Date of birth").fill("2 April 1990")
    tab.get_by_label("Address").fill("12 Marina Road")
    tab.get_by_label("City").fill("Lagos")
    tab.get_by_label("State").fill("Lagos")
    tab.get_by_label("Country").fill("Nigeria")
    tab.get_by_label("Email").fill(f"ngozi.{suffix}@example.com")


def test_a_create_saved_after_the_idle_limit_is_back_after_signing_in(
    page, officer, sandbox, screenshot, random_suffix
):
    page.sign_in(officer)
    page.goto("/clients/new/")
    fill_new_client(page, random_suffix)
    expect(page.locator("[data-dob-in-words]")).to_have_text("Read as 2 April 1990.")
    created_before = len([r for r in sandbox.received() if r["method"] == "POST"])
    end_sessions()
    page.get_by_role("button", name="Save").click()  # htmx: the whole page goes to sign in

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    notice = page.locator("[data-session-ended]")
    expect(notice).to_have_text(
        "Your session ended after 30 minutes without activity; sign in to continue — "
        "your changes are kept."
    )
    screenshot(page, "session-ended-sign-in")
    sign_in_on_the_page(page, officer.username)

    expect(page).to_have_url(re.compile(r"/clients/new/\?draft="))
    expect(page.locator("[data-restored-draft]")).to_contain_text("nothing has been saved yet")
    expect(page.get_by_label("Last name")).to_have_value(f"Draft{random_suffix}")
    expect(page.get_by_label("Email")).to_have_value(f"ngozi.{random_suffix}@example.com")
    expect(page.get_by_label("Date of birth")).to_have_value("2 April 1990")
    assert len([r for r in sandbox.received() if r["method"] == "POST"]) == created_before
    screenshot(page, "session-ended-draft-restored", full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#client-name")).to_have_text(f"Ngozi Draft{random_suffix}")


def test_an_edit_without_javascript_comes_back_after_the_session_cookie_is_lost(
    browser, live_server, officer, sandbox, screenshot, random_suffix
):
    client = sandbox.create_client(lastName=f"NoJs{random_suffix}", city="Ikeja")
    tab = signed_in_tab(browser, live_server, officer, java_script_enabled=False, viewport=PHONE)
    try:
        tab.goto(f"/clients/{client['clientRef']}/edit/")
        tab.get_by_label("City").fill("Ibadan")
        tab.context.clear_cookies(name=django_settings.SESSION_COOKIE_NAME)  # signed out meanwhile
        tab.get_by_role("button", name="Save").click()  # a plain POST

        expect(tab.locator("[data-session-ended]")).to_have_text(
            "Your session has ended; sign in to continue — your changes are kept."
        )
        sign_in_on_the_page(tab, officer.username)
        expect(tab.locator("[data-restored-draft]")).to_be_visible()
        expect(tab.get_by_label("City")).to_have_value("Ibadan")
        screenshot(tab, "session-ended-edit-restored-phone-no-javascript", full_page=True)
        tab.get_by_role("button", name="Save").click()
        expect(tab).to_have_url(re.compile(rf"/clients/{client['clientRef']}/$"))
        now = sandbox.call("GET", f"/v1/clients/{client['clientRef']}").json()["data"]
        assert now["city"] == "Ibadan"
    finally:
        tab.context.close()


def test_another_user_signing_in_gets_an_empty_form(page, officer, sandbox, random_suffix):
    page.sign_in(officer)
    page.goto("/clients/new/")
    fill_new_client(page, random_suffix)
    end_sessions()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-session-ended]")).to_contain_text("your changes are kept")
    make_user("ola", "Officer")
    sign_in_on_the_page(page, "ola")
    expect(page).to_have_url(re.compile(r"/clients/new/"))
    expect(page.get_by_label("Last name")).to_have_value("")
    expect(page.locator("[data-restored-draft]")).to_have_count(0)


def test_the_warning_before_the_session_ends_renews_it(page, officer, sandbox, screenshot):
    page.clock.install()
    page.sign_in(officer)
    page.goto("/clients/")
    remaining = int(page.locator("body").get_attribute("data-session-remaining"))
    assert remaining > 25 * 60
    page.clock.run_for((remaining - 110) * 1000)  # into the last two minutes
    notice = page.locator("[data-session-notice]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Your session ends in 2 minutes without activity.")
    screenshot(page, "session-ending-notice")
    with page.expect_response(re.compile(r"/accounts/session/renew/$")) as renewed:
        notice.get_by_role("button", name="Stay signed in").click()
    assert renewed.value.status == 204
    expect(notice).to_be_hidden()
    page.clock.run_for(5 * 60 * 1000)  # renewed: no notice for a long while
    expect(notice).to_be_hidden()
    page.reload()  # still signed in, the idle limit started again
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()


def test_leaving_a_form_with_unsaved_changes_asks_first(page, officer, sandbox):
    page.sign_in(officer)
    page.goto("/clients/new/")
    page.get_by_label("First name").fill("Half-typed")
    asked = []

    def answer(dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_label("First name")).to_have_value("Half-typed")
    assert asked == ["beforeunload"]


def test_an_untouched_form_leaves_without_asking(page, officer, sandbox):
    page.sign_in(officer)
    page.goto("/clients/new/")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(r"/clients/$"))
    assert asked == []


def test_the_sign_in_page_after_the_session_ended_in_light_and_dark(
    browser, live_server, officer, screenshot
):
    for scheme, viewport in (("light", {"width": 1280, "height": 800}), ("dark", PHONE)):
        context = browser.new_context(
            base_url=live_server.url, color_scheme=scheme, viewport=viewport
        )
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        try:
            tab = context.new_page()
            tab.goto("/accounts/login/?next=/clients/new/&ended=limit-kept")
            expect(tab.locator("[data-session-ended]")).to_contain_text("12-hour limit")
            screenshot(tab, f"session-ended-sign-in-{scheme}")
        finally:
            context.close()


def test_a_create_without_javascript_comes_back_after_the_idle_limit(
    browser, live_server, officer, sandbox, random_suffix
):
    tab = signed_in_tab(browser, live_server, officer, java_script_enabled=False)
    try:
        tab.goto("/clients/new/")
        fill_new_client(tab, random_suffix)
        end_sessions()
        tab.get_by_role("button", name="Save").click()
        expect(tab.locator("[data-session-ended]")).to_contain_text("30 minutes without activity")
        sign_in_on_the_page(tab, officer.username)
        expect(tab.locator("[data-restored-draft]")).to_be_visible()
        expect(tab.get_by_label("Last name")).to_have_value(f"Draft{random_suffix}")
        expect(tab.get_by_label("Date of birth")).to_have_value("2 April 1990")
    finally:
        tab.context.close()


def test_an_edit_with_htmx_comes_back_after_the_idle_limit_in_the_dark_on_a_phone(
    browser, live_server, officer, sandbox, screenshot, random_suffix
):
    client = sandbox.create_client(lastName=f"Htmx{random_suffix}", city="Ikeja")
    tab = signed_in_tab(browser, live_server, officer, viewport=PHONE, color_scheme="dark")
    try:
        tab.goto(f"/clients/{client['clientRef']}/edit/")
        tab.get_by_label("City", exact=True).fill("Ibadan")
        end_sessions()
        tab.get_by_role("button", name="Save").click()  # hx-post: the page goes to sign in
        expect(tab.locator("[data-session-ended]")).to_contain_text("your changes are kept")
        sign_in_on_the_page(tab, officer.username)
        expect(tab.locator("[data-restored-draft]")).to_be_visible()
        expect(tab.get_by_label("City", exact=True)).to_have_value("Ibadan")
        screenshot(tab, "session-ended-edit-restored-phone-dark", full_page=True)
    finally:
        tab.context.close()


def test_an_idle_tab_hears_that_another_tab_kept_the_session_alive(page, officer, sandbox):
    page.clock.install()
    page.sign_in(officer)
    page.goto("/clients/")
    other = page.context.new_page()
    other.goto("/clients/")
    remaining = int(page.locator("body").get_attribute("data-session-remaining"))
    page.clock.run_for((remaining - 300) * 1000)  # five minutes before the end: no notice yet
    other.reload()  # activity in the other tab renews the session
    page.clock.run_for(250 * 1000)  # past where this tab alone would have warned
    expect(page.locator("[data-session-notice]")).to_have_count(0)
