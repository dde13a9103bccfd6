"""A Save that arrives after the session ended loses nothing: kept on the server for the
same person's next sign-in, restored once into the same form, never shown to anyone else."""

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from dashboard.access.drafts import OWNER_FIELD
from dashboard.access.middleware import SIGNED_IN_AT, session_ended_notice
from dashboard.access.models import Draft
from tests.conftest import PASSWORD, make_user


def owner_of(client: Client, path: str) -> str:
    """The owner token the form on `path` carries."""
    from html.parser import HTMLParser

    found = {}

    class Inputs(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "input" and attrs.get("name") == OWNER_FIELD:
                found["token"] = attrs.get("value")

    response = client.get(path)
    assert response.status_code == 200
    Inputs().feed(response.content.decode())
    return found["token"]


NEW_CLIENT = {
    "first_name": "Ngozi",
    "middle_name": "",
    "last_name": "Eze",
    "dob": "1990-04-02",
    "address": "12 Marina Road",
    "city": "Lagos",
    "state": "Lagos",
    "country": "Nigeria",
    "phone_number": "+234 803 123 4567",
    "email": "ngozi.eze@example.com",
    "custom_data": '{"segment": "sme"}',
    "request_key": "0123456789abcdef0123456789abcdef",
}


def end_session_idle(client: Client) -> None:
    """As if the idle limit passed: the cookie is still sent, the session no longer loads."""
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )


def sign_in_at(client: Client, url: str, username: str):
    """The sign-in page at `url`, then its form posted: the answer (a redirect to next)."""
    page = client.get(url)
    assert page.status_code == 200
    query = parse_qs(urlsplit(url).query)
    return client.post(
        "/accounts/login/",
        {"username": username, "password": PASSWORD, "next": query["next"][0]},
    )


def test_a_create_saved_after_the_idle_limit_comes_back_after_signing_in(officer, sandbox):
    client = Client()
    client.force_login(officer)
    token = owner_of(client, "/clients/new/")
    end_session_idle(client)
    before = len(sandbox.received())

    answer = client.post("/clients/new/", {**NEW_CLIENT, OWNER_FIELD: token})

    assert answer.status_code == 302
    login = answer["Location"]
    assert login.startswith("/accounts/login/")
    back = parse_qs(urlsplit(login).query)["next"][0]
    assert back.startswith("/clients/new/?draft=")
    assert len(sandbox.received()) == before  # nothing reached the API
    page = client.get(login)
    assert "Your session ended after 30 minutes without activity" in page.content.decode()
    assert "your changes are kept" in page.content.decode()

    signed_in = sign_in_at(client, login, officer.username)
    assert signed_in.status_code == 302 and signed_in["Location"] == back
    form = client.get(back)
    html = form.content.decode()
    assert "nothing has been saved yet" in html
    for name in ("first_name", "last_name", "address", "email"):
        assert f'value="{NEW_CLIENT[name]}"' in html
    assert 'value="0123456789abcdef0123456789abcdef"' in html  # the same idempotency key
    again = client.get(back).content.decode()  # a reload shows it again
    assert "nothing has been saved yet" in again and NEW_CLIENT["email"] in again
    saved = client.post("/clients/new/", {**NEW_CLIENT, OWNER_FIELD: owner_of(client, back)})
    assert saved.status_code == 302 and Draft.objects.count() == 0  # saved: gone
    assert NEW_CLIENT["email"] not in client.get(back).content.decode()


def test_an_edit_saved_after_the_absolute_limit_comes_back_with_htmx(officer, sandbox):
    client = Client()
    client.force_login(officer)
    path = "/clients/CL-000017/edit/"
    page = client.get(path).content.decode()
    token = owner_of(client, path)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - 13 * 3600
    session.save()
    fields = _edit_fields(page) | {"city": "Ibadan", OWNER_FIELD: token}

    answer = client.post(path, fields, headers={"HX-Request": "true"})

    assert answer.status_code == 200
    login = answer["HX-Redirect"]
    assert "ended=limit-kept" in login
    assert "reached its 12-hour limit" in client.get(login).content.decode()
    assert sign_in_at(client, login, officer.username).status_code == 302
    back = parse_qs(urlsplit(login).query)["next"][0]
    restored = client.get(back).content.decode()
    assert 'value="Ibadan"' in restored and "nothing has been saved yet" in restored


def test_another_user_signing_in_never_sees_the_draft(officer, sandbox):
    client = Client()
    client.force_login(officer)
    token = owner_of(client, "/clients/new/")
    client.logout()  # signed out in another tab: no session cookie at all
    answer = client.post("/clients/new/", {**NEW_CLIENT, OWNER_FIELD: token})
    login = answer["Location"]
    assert "ended=signed-out-kept" in login
    assert "Your session has ended; sign in to continue" in client.get(login).content.decode()
    make_user("ola", "Officer")
    assert sign_in_at(client, login, "ola").status_code == 302
    back = parse_qs(urlsplit(login).query)["next"][0]
    html = client.get(back).content.decode()
    assert NEW_CLIENT["email"] not in html and "nothing has been saved yet" not in html
    assert Draft.objects.filter(user=officer).count() == 1  # still the officer's


def test_a_forged_or_foreign_owner_token_keeps_nothing(officer, sandbox):
    client = Client()
    client.force_login(officer)
    token = owner_of(client, "/clients/new/")
    client.logout()
    for owner in ("forged", token + "x", ""):
        answer = client.post("/clients/new/", {**NEW_CLIENT, OWNER_FIELD: owner})
        assert "draft" not in answer["Location"]
    # A token of another form (the create form's) does not keep an edit.
    answer = client.post("/clients/CL-000017/edit/", {**NEW_CLIENT, OWNER_FIELD: token})
    assert "draft" not in answer["Location"]
    assert Draft.objects.count() == 0


def test_a_failed_sign_in_still_says_why_and_that_changes_are_kept(officer, sandbox):
    client = Client()
    client.force_login(officer)
    token = owner_of(client, "/clients/new/")
    end_session_idle(client)
    login = client.post("/clients/new/", {**NEW_CLIENT, OWNER_FIELD: token})["Location"]
    back = parse_qs(urlsplit(login).query)["next"][0]
    wrong = client.post(
        login,
        {"username": officer.username, "password": "wrong", "next": back, "ended": "idle-kept"},
    )
    assert "your changes are kept" in wrong.content.decode()


def test_odd_draft_parameters_name_no_draft(officer_client, sandbox):
    for odd in ("\x00", "x" * 500, "../../etc"):
        assert officer_client.get("/clients/new/", {"draft": odd}).status_code == 200


def test_expired_drafts_are_deleted_at_the_next_sign_in(officer, sandbox):
    Draft.objects.create(
        token="t" * 32,
        user=officer,
        path="/clients/new/",
        fields={"first_name": ["Old"]},
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    Client().post("/accounts/login/", {"username": officer.username, "password": PASSWORD})
    assert Draft.objects.count() == 0


def test_a_draft_expires(officer, sandbox, settings):
    client = Client()
    client.force_login(officer)
    token = owner_of(client, "/clients/new/")
    end_session_idle(client)
    login = client.post("/clients/new/", {**NEW_CLIENT, OWNER_FIELD: token})["Location"]
    Draft.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    sign_in_at(client, login, officer.username)
    back = parse_qs(urlsplit(login).query)["next"][0]
    assert NEW_CLIENT["email"] not in client.get(back).content.decode()


def test_a_page_visit_after_the_idle_limit_says_why_without_keeping_anything(officer, sandbox):
    client = Client()
    client.force_login(officer)
    end_session_idle(client)
    answer = client.get("/clients/")
    assert "ended=idle" in answer["Location"] and "kept" not in answer["Location"]
    assert Draft.objects.count() == 0


@pytest.mark.parametrize("ended", ["", "nonsense", "<script>", "idle-kept-kept"])
def test_the_sign_in_page_ignores_unknown_reasons(ended, db):
    assert session_ended_notice(ended) is None
    page = Client().get(f"/accounts/login/?next=/&ended={ended}")
    assert "data-session-ended" not in page.content.decode()


def test_stay_signed_in_renews_the_idle_limit(officer_client, settings):
    session = officer_client.session
    session["renewed_at"] = time.time() - 25 * 60
    session.save()
    answer = officer_client.post("/accounts/session/renew/")
    assert answer.status_code == 204
    seconds, absolute = answer["Dashboard-Session-Remaining"].split(", absolute=")
    assert int(seconds) >= settings.SESSION_COOKIE_AGE - 5
    assert int(absolute) > int(seconds)


def test_every_signed_in_answer_says_how_long_the_session_lasts(officer_client, sandbox):
    page = officer_client.get("/clients/")
    assert page["Dashboard-Session-Remaining"].startswith("1")
    assert 'data-session-remaining="' in page.content.decode()
    assert "Dashboard-Session-Remaining" not in Client().get("/accounts/login/")


def _edit_fields(html: str) -> dict[str, str]:
    """The edit form's fields as the browser would post them."""
    from html.parser import HTMLParser

    fields: dict[str, str] = {}

    class Form(HTMLParser):
        textarea = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "input" and attrs.get("name") and attrs.get("type") not in ("file",):
                if attrs.get("type") == "checkbox" and "checked" not in attrs:
                    return
                fields[attrs["name"]] = attrs.get("value") or ""
            elif tag == "textarea":
                self.textarea = attrs.get("name")
                fields[self.textarea] = ""

        def handle_data(self, data):
            if self.textarea:
                fields[self.textarea] += data

        def handle_endtag(self, tag):
            if tag == "textarea":
                self.textarea = None

    Form().feed(html)
    fields.pop("csrfmiddlewaretoken", None)
    return {
        name: value.strip("\n") if name == "custom_data" else value
        for name, value in fields.items()
    }
