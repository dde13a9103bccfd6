"""Writing the audit trail: one function, plus the sign-in signals it listens to."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from dashboard.access.network import client_ip

from .models import REFERENCE_MAX_LENGTH, AuditEntry, Outcome


def record(
    request: HttpRequest | None,
    action: str,
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
        action=action,
        # The columns' sizes: an odd API value must not lose the entry.
        client_id=client_id[:REFERENCE_MAX_LENGTH],
        client_ref=client_ref[:REFERENCE_MAX_LENGTH],
        outcome=Outcome.FAILURE if error is not None else Outcome.SUCCESS,
        api_status=getattr(error, "status", None),
        message=(getattr(error, "message", None) or str(error))[:300] if error else "",
        changes=changes or {},
        details=details or {},
    )


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs) -> None:
    record(request, "auth.login")


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(request, "auth.logout", username=user.get_username())


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # `credentials` arrives with the password already masked by Django.
    record(
        request,
        "auth.login_failed",
        username=str(credentials.get("username", "")),
        error=PermissionError("Wrong username or password, or throttled"),
    )


@receiver(user_locked_out)
def _throttled(sender, request, username, ip_address, **kwargs) -> None:
    record(
        request,
        "auth.locked_out",
        username=str(username or ""),
        error=PermissionError("Too many failed sign-ins: throttled for a while"),
    )
