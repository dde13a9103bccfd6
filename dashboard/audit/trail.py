"""Writing the audit trail: one function, plus the sign-in signals it listens to."""

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from dashboard.access.network import client_ip

from .models import REFERENCE_MAX_LENGTH, Action, AuditEntry, Outcome


def record(
    request: HttpRequest | None,
    action: Action,
    *,
    client_id: str = "",
    client_ref: str = "",
    error: Exception | None = None,
    changes: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    username: str | None = None,
) -> AuditEntry:
    """Record what the request's user did; `error` (an ApiError or other) marks a failure."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return AuditEntry.objects.create(
        user=user if signed_in else None,
        username=(username if username is not None else user.get_username() if signed_in else "")[
            :150
        ],
        ip_address=client_ip(request) if request is not None else None,
        action=Action(action),  # a misspelt action fails here rather than being stored
        # The columns' sizes: an odd API value must not lose the entry.
        client_id=client_id[:REFERENCE_MAX_LENGTH],
        client_ref=client_ref[:REFERENCE_MAX_LENGTH],
        outcome=Outcome.FAILURE if error is not None else Outcome.SUCCESS,
        api_status=getattr(error, "status", None),
        message=(getattr(error, "message", None) or str(error))[:300] if error else "",
        changes=changes or {},
        details=details or {},
    )


def _refused_by_throttle(request: HttpRequest | None) -> bool:
    """A sign-in throttle refused the attempt before its password was checked
    (dashboard/access/backends.py marks the request).

    Not axes' `request.axes_locked_out` alone: axes sets that on the failure that
    reaches its limit too (a real wrong password) before later receivers run."""
    return getattr(request, "sign_in_refused", False)


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs) -> None:
    record(request, Action.LOGIN)


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(request, Action.LOGOUT, username=user.get_username())


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    if _refused_by_throttle(request):
        return  # its lock's one `auth.locked_out` entry stands for every attempt it refuses
    # `credentials` arrives with the password already masked by Django.
    record(
        request,
        Action.LOGIN_FAILED,
        username=str(credentials.get("username", "")),
        error=PermissionError("Wrong username or password"),
    )


@receiver(user_locked_out)
def _throttled(sender, request, username, ip_address, **kwargs) -> None:
    # django-axes sends this when a failure reaches its limit, and again for every
    # attempt its lock refuses: one entry per lockout, at its start.
    if _refused_by_throttle(request):
        return
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    record(
        request,
        Action.LOCKED_OUT,
        username=str(username or ""),
        error=PermissionError(
            f"{settings.AXES_FAILURE_LIMIT} failed sign-ins of this username from this "
            f"address: refused for {minutes} minutes"
        ),
    )
