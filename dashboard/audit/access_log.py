"""The read-access log: who viewed which client, when and from where.

A regulator asks who saw a client's personal data. Each opening of a client's page, of
its Loans or Deposits tab and each of its exports is an audit entry (`client.view`), at
most one per person per client per ACCESS_LOG_WINDOW_SECONDS: a person reading through
the tabs of one client is one entry, not twenty. Its `details` say what was seen first
in the window ({"viewed": "page"}); exports are audited in full on their own anyway.

The window is remembered in the shared cache (Redis in production, so every gunicorn
instance sees it): a repeated view costs one cache read and no database work at all;
the first view of a window costs one INSERT and nothing else (no API call: the views
already hold the client's id). When the cache is down, TolerantRedisCache answers every
read as a miss and drops every write (dashboard/cache.py), so the cache cannot say
whether the window is open; the database is then asked (one indexed SELECT per view).
Duplicates stay bounded either way: two requests racing through an outage may both
write, and a window forgotten by a restarted cache is opened once more; no view goes
unrecorded. With the demo's memory cache each process keeps its own windows: one entry
per process at most.

Entries older than ACCESS_LOG_DAYS are deleted by `manage.py purge_access_log`.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import pluralize
from django.utils import timezone

from .models import Action, AuditEntry
from .trail import record

Viewed = Literal["page", "loans", "deposits", "loans export", "deposits export"]
VIEWERS_SHOWN = 10  # the client page's "Who viewed this client"


def window_key(*, user_id: int, client_id: str) -> str:
    # Hashed: an API id may hold any characters, or run past what a cache key allows.
    digest = hashlib.sha256(f"{user_id}:{client_id}".encode()).hexdigest()[:40]
    return f"client-viewed:{digest}"


def client_view_record(
    request: HttpRequest, *, client_id: str, client_ref: str, viewed: Viewed
) -> AuditEntry | None:
    """Record that the request's user viewed the client, unless they already did within
    the window; the entry, or None when none was written."""
    user = request.user
    if not user.is_authenticated or not client_id:
        return None  # no one to name, or no client to key the entry on
    window = settings.ACCESS_LOG_WINDOW_SECONDS
    key = window_key(user_id=user.pk, client_id=client_id)
    if window:
        if cache.get(key) is not None:
            return None  # within the window: this instance or another recorded it
        if not cache.add(key, 1, window) and (
            # Not added: another request has just claimed the window (it is there now),
            # or the cache is down (still a miss): then the database tells.
            cache.get(key) is not None or viewed_within(user_id=user.pk, client_id=client_id)
        ):
            return None
    try:
        return record(
            request,
            Action.CLIENT_VIEW,
            client_id=client_id,
            client_ref=client_ref,
            details={"viewed": viewed},
        )
    except Exception:
        if window:
            cache.delete(key)  # nothing was recorded: the next view must try again
        raise


def viewed_within(*, user_id: int, client_id: str) -> bool:
    """Whether the database holds a view of the client by the user within the window
    (the fallback while the cache is down; the client's (client_id, at) index)."""
    since = timezone.now() - timedelta(seconds=settings.ACCESS_LOG_WINDOW_SECONDS)
    return AuditEntry.objects.filter(
        client_id=client_id, at__gte=since, action=Action.CLIENT_VIEW, user_id=user_id
    ).exists()


VIEWED_LABELS: dict[str, str] = {
    "page": "client page",
    "loans": "Loans tab",
    "deposits": "Deposits tab",
    "loans export": "loans CSV export",
    "deposits export": "deposits CSV export",
}


@dataclass(frozen=True)
class Viewer:
    """One read-access entry as the client page lists it."""

    username: str
    at: datetime
    viewed: str  # in words
    ip_address: str | None


def client_viewers(*, client_id: str, limit: int = VIEWERS_SHOWN) -> list[Viewer]:
    """The client's latest read-access entries, newest first (one small indexed query)."""
    entries = AuditEntry.objects.filter(client_id=client_id, action=Action.CLIENT_VIEW).only(
        "username", "at", "details", "ip_address"
    )[:limit]
    return [
        Viewer(
            username=entry.username,
            at=entry.at,
            viewed=viewed_in_words(entry.details),
            ip_address=entry.ip_address,
        )
        for entry in entries
    ]


def window_in_words() -> str:
    """How views are counted, for the list of them ("" when every view is recorded)."""
    seconds = settings.ACCESS_LOG_WINDOW_SECONDS
    if not seconds:
        return ""
    minutes, rest = divmod(seconds, 60)
    span = f"{minutes} minute{pluralize(minutes)}" if not rest else f"{seconds} seconds"
    return f"One entry per person per {span}: the first thing they opened in it."


def viewed_in_words(details: object) -> str:
    # An entry from another release may hold a value this one does not know: shown as is.
    viewed = details.get("viewed") if isinstance(details, dict) else None
    return VIEWED_LABELS.get(str(viewed), str(viewed)) if viewed else "—"


def access_log_expired(*, days: int) -> QuerySet[AuditEntry]:
    """The read-access entries older than `days` days: what retention removes. Only read
    entries: changes, exports and sign-ins are kept for good."""
    since = timezone.now() - timedelta(days=days)
    return AuditEntry.objects.filter(action=Action.CLIENT_VIEW, at__lt=since)
