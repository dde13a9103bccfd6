"""Changing one's password: wrong current passwords are audited and throttled like sign-ins."""

import pytest

from dashboard.access.models import FailureCount
from dashboard.audit.models import Action, AuditEntry
from tests.conftest import PASSWORD, signed_in_client

NEW = "a-new-long-passphrase"


def change(client, current: str):
    return client.post(
        "/accounts/password/",
        {"old_password": current, "new_password1": NEW, "new_password2": NEW},
    )


@pytest.fixture
def locked_viewer_client(viewer_client, settings):
    """Vera, after LOGIN_FAILURE_LIMIT wrong current passwords (the last one answered 429)."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert change(viewer_client, "wrong").status_code == 422
    refused = change(viewer_client, "wrong")
    assert refused.status_code == 429
    assert "Too many wrong current passwords" in refused.content.decode()
    return viewer_client


def test_a_wrong_current_password_is_audited(viewer_client, viewer):
    response = change(viewer_client, "wrong")
    assert response.status_code == 422
    entry = AuditEntry.objects.get(action=Action.PASSWORD_CHANGE_FAILED)
    assert entry.user == viewer and entry.outcome == "failure"
    assert entry.ip_address == "127.0.0.1"


def test_only_a_wrong_current_password_counts(viewer_client):
    assert viewer_client.post("/accounts/password/", {}).status_code == 422
    mismatched = {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW + "!"}
    assert viewer_client.post("/accounts/password/", mismatched).status_code == 422
    assert not AuditEntry.objects.filter(action=Action.PASSWORD_CHANGE_FAILED).exists()
    assert not FailureCount.objects.exists()


def test_password_changes_are_refused_for_a_fixed_cool_off(
    locked_viewer_client, viewer, settings, clock
):
    clock.advance(minutes=10)
    for _ in range(10):  # the right current password is refused too, and nothing counts
        assert change(locked_viewer_client, PASSWORD).status_code == 429
        assert change(locked_viewer_client, "wrong").status_code == 429
    viewer.refresh_from_db()
    assert viewer.check_password(PASSWORD)
    page = locked_viewer_client.get("/accounts/password/")
    assert page.status_code == 200 and 'name="old_password"' not in page.content.decode()
    assert "refused for 15 minutes" in page.content.decode()
    failed = AuditEntry.objects.filter(action=Action.PASSWORD_CHANGE_FAILED)
    assert failed.count() == settings.AXES_FAILURE_LIMIT
    assert AuditEntry.objects.filter(action=Action.PASSWORD_CHANGE_LOCKED).count() == 1
    clock.advance(minutes=5, seconds=1)  # 15 minutes after the attempt that locked
    assert change(locked_viewer_client, PASSWORD)["Location"] == "/accounts/login/"
    viewer.refresh_from_db()
    assert viewer.check_password(NEW)


def test_the_count_is_per_user_in_the_shared_store(locked_viewer_client, viewer, officer):
    count = FailureCount.objects.get(scope=FailureCount.Scope.PASSWORD_CHANGE)
    assert count.key == str(viewer.pk) and count.locked_until is not None
    assert change(signed_in_client(officer), PASSWORD).status_code == 302


def test_a_successful_change_clears_the_count(viewer_client):
    change(viewer_client, "wrong")
    assert FailureCount.objects.count() == 1
    assert change(viewer_client, PASSWORD).status_code == 302
    assert not FailureCount.objects.exists()
