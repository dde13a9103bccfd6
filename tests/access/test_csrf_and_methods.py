"""Writes need the CSRF token (as htmx sends it), refuse GET where they only write,
and a request the user may not make never reaches the API."""

import pytest
from django.test import Client

from tests.access.test_authorization_matrix import CASES

WRITES = {
    "clients:create": "/clients/new/",
    "clients:edit": "/clients/CL-000017/edit/",
    "clients:delete": "/clients/CL-999999/delete/",
    "access:logout": "/accounts/logout/",
    "access:password_change": "/accounts/password/",
}
WRITE_ONLY = ["clients:delete", "access:logout"]


@pytest.fixture
def strict_client(superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    client.get("/clients/new/")  # sets the csrftoken cookie, as any page does
    return client


def test_every_url_that_accepts_post_is_listed_here():
    posting = {
        name for name, case in CASES.items() if case[2] != "public" or name == "access:logout"
    }
    assert set(WRITES) <= posting
    assert set(WRITES) >= {"clients:create", "clients:edit", "clients:delete"}


@pytest.mark.parametrize("name", list(WRITES))
def test_a_write_without_the_token_is_refused(strict_client, sandbox, name):
    response = strict_client.post(WRITES[name], {})
    assert response.status_code == 403
    assert "security token has expired" in response.content.decode()
    assert sandbox.received() == []


# What each write answers to an empty htmx POST once CSRF has let it through.
ACCEPTED = {
    "clients:create": 422,  # the form, with its errors
    "clients:edit": 422,
    "clients:delete": 200,  # CL-999999 is gone already: HX-Redirect to the list
    "access:logout": 302,
    "access:password_change": 422,
}


@pytest.mark.parametrize("name", list(WRITES))
def test_a_write_with_the_htmx_header_token_passes_csrf(strict_client, sandbox, name):
    token = strict_client.cookies["csrftoken"].value
    response = strict_client.post(
        WRITES[name], {}, headers={"X-CSRFToken": token, "HX-Request": "true"}
    )
    assert response.status_code == ACCEPTED[name]


def test_the_login_form_needs_the_token_too(db):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"username": "x", "password": "y"}).status_code == 403


@pytest.mark.parametrize("name", WRITE_ONLY)
def test_write_only_views_refuse_get(manager_client, sandbox, name):
    assert manager_client.get(WRITES[name]).status_code == 405
    assert sandbox.received() == []


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_form_views_refuse_other_methods(manager_client, sandbox, method):
    for path in ("/clients/new/", "/clients/CL-000017/edit/"):
        assert getattr(manager_client, method)(path).status_code == 405
    assert sandbox.received() == []


def test_denied_writes_never_reach_the_api(viewer_client, officer_client, sandbox):
    valid = {
        "first_name": "A",
        "last_name": "B",
        "dob": "1990-01-01",
        "address": "x",
        "state": "Lagos",
        "country": "Nigeria",
    }
    assert viewer_client.post("/clients/new/", valid).status_code == 403
    assert viewer_client.post("/clients/CL-000017/edit/", valid).status_code == 403
    assert officer_client.post("/clients/CL-000017/delete/").status_code == 403
    assert sandbox.received() == []


def test_an_htmx_denial_is_a_small_fragment(viewer_client, sandbox):
    response = viewer_client.post("/clients/CL-000017/delete/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 403 and response["Dashboard-Fragment"] == "1"
    assert "<html" not in html and "Not allowed" in html
