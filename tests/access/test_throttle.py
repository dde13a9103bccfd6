"""The sign-in throttles: counted in the database, a fixed cool-off, one audit entry per lockout.

Two throttles: django-axes' (one username from one address, LOGIN_FAILURE_LIMIT) and
ours (one address, any usernames, LOGIN_IP_FAILURE_LIMIT; dashboard/access/throttle.py).
"""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.test import Client, RequestFactory

from dashboard.access.models import FailureCount
from dashboard.audit.models import Action, AuditEntry
from tests.access.test_sign_in import sign_in
from tests.conftest import PASSWORD

ADDRESS = FailureCount.Scope.SIGN_IN_ADDRESS


@pytest.fixture
def address_limit(settings) -> int:
    settings.LOGIN_IP_FAILURE_LIMIT = 4
    return 4


def address_count() -> FailureCount:
    return FailureCount.objects.get(scope=ADDRESS, key="127.0.0.1")


def test_the_address_count_is_kept_in_the_database_all_instances_share(viewer, address_limit):
    # Two clients stand for two workers; clearing the cache for a worker that has its own.
    first, second = Client(), Client()
    assert sign_in(first, "ann", "guess").status_code == 200
    assert sign_in(second, "ben", "guess").status_code == 200
    cache.clear()
    assert sign_in(first, "cy", "guess").status_code == 200
    assert address_count().failures == 3
    cache.clear()
    assert sign_in(second, "dee", "guess").status_code == 429  # the fourth, wherever it lands
    assert sign_in(first, "vera").status_code == 429
    assert address_count().failures == 4


def test_every_authenticate_call_meets_both_throttles(viewer, officer, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT + 1

    def attempt(username: str, password: str = PASSWORD, address: str = "10.0.0.5"):
        request = RequestFactory().post("/anywhere/", REMOTE_ADDR=address)
        return authenticate(request, username=username, password=password)

    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("olu", "wrong")
    assert attempt("olu") is None  # axes' lock: this username from this address
    assert attempt("vera") == viewer
    attempt("ann", "guess")
    assert attempt("vera") is None  # ours: this address, whatever the username
    assert attempt("vera", address="10.0.0.9") == viewer
    with pytest.raises(ValueError, match="requires a request"):
        authenticate(username="vera", password=PASSWORD)  # no request, no way round


def test_the_address_lock_is_a_fixed_cool_off(client, viewer, address_limit, clock):
    for name in ("ann", "ben", "cy", "dee"):
        sign_in(client, name, "guess")
    locked_until = address_count().locked_until
    clock.advance(minutes=10)
    assert sign_in(client, "vera").status_code == 429  # the right password too
    for _ in range(5):
        assert sign_in(client, "vera", "guess").status_code == 429
    assert address_count().failures == 4 and address_count().locked_until == locked_until
    assert not AccessAttempt.objects.filter(username="vera").exists()  # nor did axes count them
    clock.advance(minutes=5, seconds=1)  # 15 minutes after the failure that locked
    assert sign_in(client, "ann", "guess").status_code == 200
    assert address_count().failures == 1 and address_count().locked_until is None  # afresh
    assert sign_in(client, "vera").status_code == 302


def test_the_account_lock_is_a_fixed_cool_off(client, viewer, settings, clock):
    assert not settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "vera", "wrong")
    attempt = AccessAttempt.objects.get(username="vera")
    assert attempt.failures_since_start == settings.AXES_FAILURE_LIMIT
    clock.advance(minutes=10)
    assert sign_in(client, "vera").status_code == 429  # the right password too
    for _ in range(5):
        assert sign_in(client, "vera", "wrong").status_code == 429
    # axes' lock runs AXES_COOLOFF_TIME from its attempt's time: neither moved nor counted.
    assert AccessAttempt.objects.get(username="vera").attempt_time == attempt.attempt_time
    assert AccessAttempt.objects.get(username="vera").failures_since_start == 5
    clock.advance(minutes=5, seconds=1)
    assert sign_in(client, "vera", "wrong").status_code == 200
    assert AccessAttempt.objects.get(username="vera").failures_since_start == 1  # afresh
    assert sign_in(client, "vera").status_code == 302


def test_an_account_lockout_is_one_audit_entry_however_many_attempts(client, viewer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "vera", "wrong")
    for attempt in range(50):
        assert sign_in(client, "vera", PASSWORD if attempt % 2 else "wrong").status_code == 429
    assert AuditEntry.objects.filter(action=Action.LOCKED_OUT).count() == 1
    failed = AuditEntry.objects.filter(action=Action.LOGIN_FAILED)
    assert failed.count() == settings.AXES_FAILURE_LIMIT


def test_an_address_lockout_is_one_audit_entry_per_window(client, viewer, address_limit, clock):
    for name in ("ann", "ben", "cy", "dee"):
        sign_in(client, name, "guess")
    for attempt in range(50):
        assert sign_in(client, f"junk{attempt}", "guess").status_code == 429
    assert AuditEntry.objects.filter(action=Action.LOCKED_OUT).count() == 1
    assert AuditEntry.objects.filter(action=Action.LOGIN_FAILED).count() == 4
    assert not AuditEntry.objects.filter(username__startswith="junk").exists()
    clock.advance(minutes=16)
    for name in ("eve", "fay", "gus", "hal"):
        sign_in(client, name, "guess")
    assert AuditEntry.objects.filter(action=Action.LOCKED_OUT).count() == 2  # a second window


def test_counts_past_their_window_are_purged(viewer, address_limit, clock):
    sign_in(Client(REMOTE_ADDR="10.0.0.1"), "ann", "guess")
    sign_in(Client(REMOTE_ADDR="10.0.0.2"), "ben", "guess")
    clock.advance(minutes=16)
    sign_in(Client(REMOTE_ADDR="10.0.0.3"), "cy", "guess")
    assert list(FailureCount.objects.values_list("key", flat=True)) == ["10.0.0.3"]
