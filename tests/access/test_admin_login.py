"""The admin has no sign-in of its own: its login and password change are ours, throttled."""

import pytest
from django.test import Client

from dashboard.access.models import FailureCount
from dashboard.audit.models import Action, AuditEntry
from tests.access.test_sign_in import sign_in
from tests.conftest import PASSWORD


@pytest.fixture
def throttled_address(settings, db):
    """127.0.0.1 has just reached the per-address limit with usernames that do not exist."""
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    for name in ("ann", "ben", "cy"):
        sign_in(Client(), name, "guess")


def test_the_admin_login_is_our_sign_in_page_keeping_next(client, db):
    assert client.get("/admin/")["Location"] == "/accounts/login/?next=/admin/"
    response = client.get("/admin/login/?next=/admin/auth/user/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/auth/user/"
    assert client.get("/admin/login/")["Location"] == "/accounts/login/?next=/admin/"


def test_the_superuser_signs_in_to_the_admin_through_our_page(client, superuser):
    response = client.post(
        "/accounts/login/?next=/admin/",
        {"username": "root", "password": PASSWORD, "next": "/admin/"},
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # Once signed in, the admin's login URL leads straight on.
    assert client.get("/admin/login/?next=/admin/", follow=True).redirect_chain[-1][0] == "/admin/"


def test_posting_credentials_to_the_admin_login_signs_nobody_in(client, superuser):
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response["Location"] == "/accounts/login/?next=/admin/"
    assert client.get("/admin/").status_code == 302
    assert not AuditEntry.objects.filter(action=Action.LOGIN).exists()


def test_the_superuser_cannot_sign_in_anywhere_while_the_address_is_throttled(
    client, superuser, throttled_address, clock
):
    credentials = {"username": "root", "password": PASSWORD, "next": "/admin/"}
    assert client.post("/admin/login/?next=/admin/", credentials).status_code == 302
    assert client.post("/accounts/login/?next=/admin/", credentials).status_code == 429
    assert client.get("/admin/").status_code == 302  # not signed in by either
    assert not AuditEntry.objects.filter(action=Action.LOGIN).exists()
    clock.advance(minutes=15, seconds=1)
    assert client.post("/accounts/login/?next=/admin/", credentials)["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_signed_in_user_without_the_admin_is_not_sent_round_in_circles(viewer_client):
    response = viewer_client.get("/admin/login/?next=/admin/")
    assert response["Location"] == "/"  # not back to the login page, which would return here


def test_the_admin_password_change_is_ours(client, superuser):
    client.force_login(superuser)
    assert client.get("/admin/password_change/")["Location"] == "/accounts/password/"
    assert client.get("/admin/password_change/").status_code == 302


def test_a_superuser_can_lift_an_address_lock_in_the_admin(client, superuser, throttled_address):
    count = FailureCount.objects.get()
    client.force_login(superuser)
    assert client.get("/admin/access/failurecount/").status_code == 200
    page = client.get(f"/admin/access/failurecount/{count.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    client.post(f"/admin/access/failurecount/{count.pk}/delete/", {"post": "yes"})
    assert not FailureCount.objects.exists()
    assert sign_in(Client(), "root").status_code == 302
