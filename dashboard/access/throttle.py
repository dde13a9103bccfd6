"""Throttles counted in the database, so that every instance of the dashboard sees the same count.

django-axes throttles one username from one address (its own table, `AccessAttempt`).
This module adds two throttles of its own:
- one address trying many usernames (password spraying): refused after
  LOGIN_IP_FAILURE_LIMIT failed sign-ins, a higher limit than axes', since an office
  shares one address;
- one signed-in user guessing the current password on the password-change form:
  refused after LOGIN_FAILURE_LIMIT wrong ones.

The policy, the same as axes' lock (with AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off):
- failures count for LOGIN_COOLOFF_MINUTES from the count's first failure;
- the failure that reaches the limit locks the key for LOGIN_COOLOFF_MINUTES from
  that failure, a fixed cool-off;
- while locked, every attempt is refused before its password is checked, the right
  one too, and it neither counts nor extends the lock;
- afterwards counting starts afresh.

Not the cache: with locmem each gunicorn worker kept its own count (two workers let 60
attempts through for 30), and Redis may be down; all instances share the one database.
"""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from dashboard.audit.models import Action
from dashboard.audit.trail import record

from .models import FailureCount
from .network import client_ip

Scope = FailureCount.Scope


def locked_until(*, scope: Scope, key: str) -> datetime | None:
    """When the key's lock ends; None when it is not locked."""
    return (
        FailureCount.objects.filter(scope=scope, key=key, locked_until__gt=timezone.now())
        .values_list("locked_until", flat=True)
        .first()
    )


def failure_count_add(*, scope: Scope, key: str, limit: int) -> bool:
    """Count one failure for the key; True when this one reached the limit and locked it."""
    now = timezone.now()
    cool_off = settings.AXES_COOLOFF_TIME
    # Cheap upkeep: one DELETE on an indexed column keeps the table to the keys
    # that failed within the last cool-off.
    FailureCount.objects.filter(expires_at__lte=now).delete()
    with transaction.atomic():
        # The row lock makes concurrent failures on several instances count one by one.
        count, _ = FailureCount.objects.select_for_update().get_or_create(
            scope=scope, key=key, defaults={"counting_since": now, "expires_at": now + cool_off}
        )
        if count.expires_at <= now:  # ran out between the purge and here
            count.failures, count.counting_since, count.locked_until = 0, now, None
            count.expires_at = now + cool_off
        elif count.locked_until is not None:
            # Locked already: an attempt that slipped past the check counts for nothing.
            return False
        count.failures += 1
        if count.failures >= limit:
            count.locked_until = count.expires_at = now + cool_off
        count.save()
    return count.locked_until is not None


def failure_count_clear(*, scope: Scope, key: str) -> None:
    FailureCount.objects.filter(scope=scope, key=key).delete()


def cool_off_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


# --- sign-in: failures from one address, whatever the usernames ----------------------


def _address(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def address_locked(request: HttpRequest) -> bool:
    return locked_until(scope=Scope.SIGN_IN_ADDRESS, key=_address(request)) is not None


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs) -> None:
    # `sign_in_refused`: a throttle refused the attempt before its password was checked
    # (backends.ThrottledSignIn), so it does not count.
    if request is None or getattr(request, "sign_in_refused", False):
        return
    limit = settings.LOGIN_IP_FAILURE_LIMIT
    if failure_count_add(scope=Scope.SIGN_IN_ADDRESS, key=_address(request), limit=limit):
        request.sign_in_address_locked = True  # views.login answers this failure with a 429
        record(
            request,
            Action.LOCKED_OUT,
            username=str(credentials.get("username", "")),
            error=PermissionError(
                f"{limit} failed sign-ins from this address: all sign-ins from it "
                f"refused for {cool_off_minutes()} minutes"
            ),
        )


# --- password change: wrong current passwords of one user ----------------------------


def password_change_locked_until(user) -> datetime | None:
    return locked_until(scope=Scope.PASSWORD_CHANGE, key=str(user.pk))


def password_change_failed(user) -> bool:
    """Count a wrong current password; True when this one locked the user's password changes."""
    return failure_count_add(
        scope=Scope.PASSWORD_CHANGE, key=str(user.pk), limit=settings.AXES_FAILURE_LIMIT
    )


def password_change_succeeded(user) -> None:
    failure_count_clear(scope=Scope.PASSWORD_CHANGE, key=str(user.pk))
