"""Signing in and out, sessions that end, throttled guessing, and the role in the header."""

import time

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from dashboard.access.middleware import SIGNED_IN_AT
from dashboard.audit.models import Action, AuditEntry
from tests.access.test_authorization_matrix import ROLE_PERMISSIONS
from tests.conftest import PASSWORD


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_anonymous_pages_go_to_login_with_next(client, db):
    response = client.get("/clients/?q=ada")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/clients/%3Fq%3Dada"


def test_an_expired_htmx_request_redirects_the_whole_page(client, db):
    response = client.get(
        "/clients/?page=2",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/clients/?page=2"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/clients/%3Fpage%3D2"


def test_the_login_page_is_ours(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert "Lender back office" in html and 'autocomplete="current-password"' in html
    assert "Django administration" not in html


def test_sign_in_goes_to_next_with_a_new_session_key(client, viewer, sandbox):
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    response = client.post(
        "/accounts/login/?next=/clients/CL-000017/",
        {"username": "vera", "password": PASSWORD, "next": "/clients/CL-000017/"},
    )
    assert response["Location"] == "/clients/CL-000017/"
    assert client.session.session_key != before
    assert AuditEntry.objects.filter(action="auth.login", username="vera").exists()


def test_next_cannot_leave_the_site(client, viewer):
    response = client.post(
        "/accounts/login/",
        {"username": "vera", "password": PASSWORD, "next": "https://evil.test/"},
    )
    assert response["Location"] == "/"


def test_sign_out_is_a_post_that_ends_the_session(viewer_client):
    assert viewer_client.get("/accounts/logout/").status_code == 405
    assert viewer_client.post("/accounts/logout/").status_code == 302
    assert viewer_client.get("/clients/").status_code == 302
    assert AuditEntry.objects.filter(action="auth.logout", username="vera").exists()


def test_password_change_ends_the_session(viewer_client, viewer):
    response = viewer_client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )
    assert response["Location"] == "/accounts/login/"
    assert viewer_client.get("/clients/").status_code == 302
    viewer.refresh_from_db()
    assert viewer.check_password("a-new-long-passphrase")
    assert AuditEntry.objects.filter(action="auth.password_changed").exists()


def test_password_change_errors_keep_the_user_on_the_form(viewer_client):
    response = viewer_client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "short", "new_password2": "short"},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "Your old password was entered incorrectly" in html and "too short" in html


def test_sessions_end_after_a_lifetime(settings, viewer_client):
    session = viewer_client.session
    session[SIGNED_IN_AT] = time.time() - 12 * 3600 - 1
    session.save()
    response = viewer_client.get("/clients/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "Your session reached its 12-hour limit" in response.content.decode()


def test_a_burst_of_failed_sign_ins_is_throttled_and_audited(client, viewer, settings):
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "vera", "wrong").status_code == 200
    locked = sign_in(client, "vera", "wrong")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    # Even the right password is refused while throttled.
    assert sign_in(client, "vera").status_code == 429
    failed = AuditEntry.objects.filter(action=Action.LOGIN_FAILED, username="vera")
    assert failed.count() == settings.AXES_FAILURE_LIMIT  # the refused attempt is not one
    assert failed.first().outcome == "failure" and failed.first().ip_address == "127.0.0.1"
    assert AuditEntry.objects.filter(action=Action.LOCKED_OUT, username="vera").count() == 1


def test_the_throttle_is_per_username_and_ip(client, viewer, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "vera", "wrong")
    assert sign_in(client, "olu").status_code == 302  # another user from the same IP
    assert (
        sign_in(Client(REMOTE_ADDR="10.0.0.9"), "vera").status_code == 302
    )  # same user elsewhere


def test_behind_a_proxy_the_forwarded_address_is_recorded(client, viewer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    sign_in(
        client,
        "vera",
        "wrong",
        HTTP_X_FORWARDED_FOR="203.0.113.7, 41.58.1.2",
        REMOTE_ADDR="10.0.0.1",
    )
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.ip_address == "41.58.1.2"  # the proxy's own entry, not the client's claim


def test_roles_exist_with_their_permissions(db):
    from django.contrib.auth.models import Group

    held = {
        group.name: {p.codename for p in group.permissions.all()} for group in Group.objects.all()
    }
    assert held == {
        role.capitalize(): ROLE_PERMISSIONS[role] for role in ("viewer", "officer", "manager")
    }


def test_access_comes_from_the_role_group_alone(client, no_role):
    no_role.user_permissions.add(Permission.objects.get(codename="view_clients"))
    no_role.is_staff = True
    no_role.save()
    client.force_login(no_role)
    response = client.get("/clients/")
    assert response.status_code == 403
    assert "No role yet" in response.content.decode()


@pytest.mark.parametrize(
    ("fixture", "label"), [("viewer_client", "Viewer"), ("manager_client", "Manager")]
)
def test_the_role_shows_next_to_the_name(request, sandbox, fixture, label):
    html = request.getfixturevalue(fixture).get("/clients/").content.decode()
    assert f'<span class="badge text-bg-secondary ms-1" data-role>{label}</span>' in html


def test_createstaff_makes_an_account_with_a_role(db, monkeypatch):
    from django.contrib.auth.models import User
    from django.core.management import call_command

    monkeypatch.setenv("NEW_PASSWORD", "a-long-enough-secret")
    call_command("createstaff", "amina", role="Officer", password_env="NEW_PASSWORD")
    user = User.objects.get(username="amina")
    assert [g.name for g in user.groups.all()] == ["Officer"] and not user.is_staff
    assert user.check_password("a-long-enough-secret")


def test_an_idle_session_is_refused(viewer_client, sandbox):
    session = viewer_client.session
    session.set_expiry(1)  # as SESSION_COOKIE_AGE would, but after one second
    session.save()
    time.sleep(1.2)
    response = viewer_client.get("/clients/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_one_address_trying_many_usernames_is_throttled(client, viewer, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    for name in ("ann", "ben"):
        assert sign_in(client, name, "guess").status_code == 200
    assert sign_in(client, "cy", "guess").status_code == 429  # the failure that reached the limit
    refused = sign_in(client, "vera")  # right password, but from a spraying address
    assert refused.status_code == 429
    assert "Sign-in is refused for 15 minutes" in refused.content.decode()
    assert sign_in(Client(REMOTE_ADDR="10.0.0.7"), "vera").status_code == 302
    locked = AuditEntry.objects.get(action=Action.LOCKED_OUT)
    assert locked.username == "cy" and "from this address" in locked.message
