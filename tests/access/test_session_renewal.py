"""The idle limit renewed at most once a minute, not by a write per page; the absolute
limit; and a change of someone's groups holding from their next request."""

import time
from datetime import timedelta

from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.access.middleware import RENEWED_AT, SIGNED_IN_AT

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def stored_session(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def set_session(client, **values) -> None:
    session = client.session
    session.update(values)
    session.save()


def writes_during(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in queries if query["sql"].lstrip().upper().startswith(WRITES)]


def test_the_limits_are_as_documented(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_RENEW_SECONDS == 60
    assert not getattr(settings, "SESSION_SAVE_EVERY_REQUEST", False)
    assert settings.SESSION_MAX_AGE_HOURS == 12


def test_a_page_within_the_renewal_window_writes_nothing(viewer_client, sandbox):
    expires = stored_session(viewer_client).expire_date
    assert writes_during(viewer_client, "/clients/") == []
    # A client's first view in a window is a read-access entry (tests/audit/test_access_log.py).
    viewer_client.get("/clients/CL-000017/")
    assert writes_during(viewer_client, "/clients/CL-000017/") == []
    assert stored_session(viewer_client).expire_date == expires


def test_a_page_after_the_renewal_window_renews_the_idle_limit(viewer_client, sandbox, settings):
    set_session(viewer_client, **{RENEWED_AT: time.time() - settings.SESSION_RENEW_SECONDS})
    before = stored_session(viewer_client).expire_date
    assert len(writes_during(viewer_client, "/clients/")) == 1  # the session, once
    renewed = stored_session(viewer_client)
    assert renewed.expire_date > before
    assert abs(
        renewed.expire_date - (timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE))
    ) < timedelta(seconds=5)
    assert writes_during(viewer_client, "/clients/") == []  # and not again for a minute


def test_an_idle_session_ends_at_its_limit(viewer_client, sandbox):
    Session.objects.filter(session_key=viewer_client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = viewer_client.get("/clients/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_renewal_never_outlives_the_absolute_limit(viewer_client, sandbox, settings):
    long_ago = time.time() - settings.SESSION_MAX_AGE_HOURS * 3600 - 1
    set_session(viewer_client, **{SIGNED_IN_AT: long_ago, RENEWED_AT: time.time()})
    response = viewer_client.get("/clients/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "Your session reached its 12-hour limit" in response.content.decode()


def test_a_demoted_officer_loses_the_permission_on_the_next_request(
    officer, officer_client, sandbox
):
    assert officer_client.get("/clients/new/").status_code == 200
    officer.groups.set([Group.objects.get(name="Viewer")])
    assert officer_client.get("/clients/new/").status_code == 403
    assert officer_client.get("/clients/").status_code == 200  # still a Viewer


def test_a_promoted_viewer_gains_the_permission_on_the_next_request(
    viewer, viewer_client, sandbox
):
    assert viewer_client.get("/clients/new/").status_code == 403
    viewer.groups.add(Group.objects.get(name="Officer"))
    assert viewer_client.get("/clients/new/").status_code == 200


def test_a_deactivated_user_is_signed_out_on_the_next_request(viewer, viewer_client, sandbox):
    viewer.is_active = False
    viewer.save()
    response = viewer_client.get("/clients/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
