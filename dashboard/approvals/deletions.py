"""Deleting a client with four eyes: one person asks, with a reason; another Manager
approves (or rejects), with a comment; the approval sends exactly one DELETE.

Every step is an audit entry. Every move between statuses is one conditional UPDATE in
the database all instances share (`claimed = filter(status=...).update(...)`): of two
Managers approving at once, on one instance or two, one UPDATE changes the row and
sends the DELETE, the other changes nothing and is told so. The same guard keeps a
retry of a failed DELETE from running twice at once. Just before the DELETE, the client
is read and kept in the audit entry: its writable fields and its portfolio's counts and
balances (the snapshot).

The set of pending requests, which the client page and the navigation show, is kept in
the shared cache and rewritten by every change: a page reads it without a query.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from dashboard import api
from dashboard.audit.models import Action
from dashboard.audit.trail import record
from dashboard.clients import lookups, portfolio

from .models import Kind, Request, Status

logger = logging.getLogger(__name__)

# An approval whose DELETE never came back (its worker died) may be retried after this.
EXECUTION_STALE = timedelta(minutes=5)
PENDING_KEY = "approvals:pending-deletions:1"


@dataclass
class Refused(Exception):
    """The step cannot be taken: `message` for the person, `status` for the response."""

    message: str
    status: int = 409


def request_deletion(
    request: HttpRequest, *, client_id: str, client_ref: str, client_name: str, reason: str
) -> Request:
    """Record the request; nothing is sent to the API."""
    expire_stale(request)
    now = timezone.now()
    try:
        with transaction.atomic():
            asked = Request.objects.create(
                kind=Kind.DELETE_CLIENT,
                client_id=client_id,
                client_ref=client_ref,
                client_name=client_name[:300],
                reason=reason,
                requested_by=request.user,
                requested_by_name=request.user.get_username(),
                requested_at=now,
                expires_at=now + timedelta(hours=settings.FOUR_EYES_EXPIRY_HOURS),
            )
    except IntegrityError:  # approvals_one_open_request_per_client
        raise Refused("A deletion of this client has already been requested.") from None
    record(
        request,
        Action.DELETE_REQUESTED,
        client_id=client_id,
        client_ref=client_ref,
        details={
            "request": asked.pk,
            "reason": reason,
            "expires_at": asked.expires_at.isoformat(),
        },
    )
    pending_changed()
    return asked


def approve(request: HttpRequest, pk: int, *, comment: str) -> Request:
    """Approve another person's pending request and carry it out: one DELETE."""
    asked = _own_check(request, pk, Action.DELETE_APPROVED)
    now = timezone.now()
    decide(
        request,
        asked,
        Status.APPROVED,
        comment=comment,
        now=now,
        executing_since=now,
        attempts=F("attempts") + 1,
    )
    record(
        request,
        Action.DELETE_APPROVED,
        client_id=asked.client_id,
        client_ref=asked.client_ref,
        details={"request": pk, "comment": comment, "requested_by": asked.requested_by_name},
    )
    return execute(request, pk)


def reject(request: HttpRequest, pk: int, *, comment: str) -> Request:
    asked = _own_check(request, pk, Action.DELETE_REJECTED)
    decide(request, asked, Status.REJECTED, comment=comment, now=timezone.now())
    record(
        request,
        Action.DELETE_REJECTED,
        client_id=asked.client_id,
        client_ref=asked.client_ref,
        details={"request": pk, "comment": comment, "requested_by": asked.requested_by_name},
    )
    return Request.objects.get(pk=pk)


def decide(
    request: HttpRequest, asked: Request, status: Status, *, comment: str, now, **fields
) -> None:
    """Move a pending request (of any kind) to `status` for the deciding user: one
    conditional UPDATE, never the requester's own, never once it is decided or expired;
    `fields` are set with it. Raises Refused, saying why, when it changed nothing."""
    expire_stale(request)
    claimed = (
        Request.objects.filter(
            pk=asked.pk, kind=asked.kind, status=Status.PENDING, expires_at__gt=now
        )
        .exclude(requested_by=request.user)
        .update(
            status=status,
            decided_by=request.user,
            decided_by_name=request.user.get_username(),
            decided_at=now,
            comment=comment,
            **fields,
        )
    )
    if not claimed:
        raise _not_open(asked)
    pending_changed()


def retry(request: HttpRequest, pk: int) -> Request:
    """Send the DELETE of an approved request again, after it failed (or after a run that
    never came back); never while another attempt is under way."""
    asked = _own_check(request, pk, Action.CLIENT_DELETE)
    now = timezone.now()
    claimed = (
        Request.objects.filter(pk=pk)
        .filter(
            Q(status=Status.FAILED)
            | Q(status=Status.APPROVED, executing_since__lt=now - EXECUTION_STALE)
        )
        .exclude(requested_by=request.user)
        .update(status=Status.APPROVED, executing_since=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        raise _not_open(asked, retrying=True)
    return execute(request, pk)


def execute(request: HttpRequest, pk: int) -> Request:
    """The DELETE of a request this process has just claimed (status APPROVED)."""
    asked = Request.objects.get(pk=pk)
    details: dict[str, Any] = {"request": pk, "attempt": asked.attempts}
    try:
        client = api.client_get(client_ref=asked.client_ref)
        if client.id != asked.client_id:  # the API gave the reference to another client
            raise api.NotFound("The client asked about no longer exists.")
        details["name"] = client.full_name
        details["snapshot"] = snapshot(client)
        api.client_delete(client_id=asked.client_id)
    except api.NotFound as error:
        return _finished(request, asked, Status.EXECUTED, details, error=error, gone=True)
    except api.OutcomeUnknown as error:
        try:  # the DELETE may have happened: read the client back before saying anything
            api.client_get(client_ref=asked.client_ref)
        except api.NotFound:
            return _finished(request, asked, Status.EXECUTED, details)
        except api.ApiError:
            pass
        return _finished(request, asked, Status.FAILED, details, error=error)
    except api.ApiError as error:
        return _finished(request, asked, Status.FAILED, details, error=error)
    return _finished(request, asked, Status.EXECUTED, details)


def _finished(
    request: HttpRequest,
    asked: Request,
    status: Status,
    details: dict,
    *,
    error: api.ApiError | None = None,
    gone: bool = False,
) -> Request:
    outcome = "It was already deleted." if gone else (error.message if error else "")
    Request.objects.filter(pk=asked.pk, status=Status.APPROVED).update(
        status=status, executing_since=None, outcome=outcome[:300]
    )
    record(
        request,
        Action.CLIENT_DELETE,
        client_id=asked.client_id,
        client_ref=asked.client_ref,
        error=error,
        details=details,
    )
    if status == Status.EXECUTED:
        lookups.forget(asked.client_ref)
        portfolio.forget(asked.client_id)
    return Request.objects.get(pk=asked.pk)


def snapshot(client: api.Client) -> dict[str, Any]:
    """What the audit entry keeps of a client about to be deleted: its writable fields
    (what a re-create would send), its reference and dates, and its portfolio's counts and
    balances (read as the summary band reads them: loans and deposits cannot be re-made)."""
    kept: dict[str, Any] = {
        name: _plain(getattr(client, name)) for name in api.WRITABLE_FIELDS if name != "image"
    }
    # A photo as a data URI can be megabytes: kept only when it is a link.
    kept["image"] = client.image if client.image and not client.image.startswith("data:") else ""
    kept |= {
        "id": client.id,
        "client_ref": client.client_ref,
        "created_at": _plain(client.created_at),
        "updated_at": _plain(client.updated_at),
    }
    try:
        summary = portfolio.portfolio_summary(client_id=client.id)
    except api.ApiError as error:
        kept["portfolio"] = {"unavailable": error.message}
    else:
        kept["portfolio"] = {
            "loans": summary.loans_read,
            "deposits": summary.deposits_read,
            "partial": summary.partial,
            "currencies": [
                {
                    "currency": line.currency,
                    "loans": line.loans,
                    "outstanding": str(line.outstanding),
                    "overdue_loans": line.overdue_loans,
                    "deposits": line.deposits,
                    "deposited": str(line.deposited),
                }
                for line in summary.currencies
            ],
        }
    return kept


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _own_check(
    request: HttpRequest,
    pk: int,
    action: Action,
    *,
    kind: Kind = Kind.DELETE_CLIENT,
    refused_as: Action = Action.DELETE_SELF_APPROVAL,
) -> Request:
    """The request of this kind, unless the user asked for it: then the attempt is an audit
    entry (`refused_as`, a failure) and a 403. A request of another kind is not found, so
    an export's id cannot reach a deletion's steps, nor the other way round."""
    asked = Request.objects.filter(pk=pk, kind=kind).first()
    if asked is None:
        raise Refused("There is no such request.", 404)
    if asked.requested_by_id == request.user.pk:
        record(
            request,
            refused_as,
            client_id=asked.client_id,
            client_ref=asked.client_ref,
            error=PermissionError("A request cannot be decided by the person who made it."),
            details={"request": pk, "tried": str(action.label)},
        )
        what = "deletion" if kind == Kind.DELETE_CLIENT else "export"
        raise Refused(f"You asked for this {what}: another Manager decides it.", 403)
    return asked


def _not_open(asked: Request, *, retrying: bool = False) -> Refused:
    asked.refresh_from_db()
    if asked.status == Status.EXPIRED or (
        asked.status == Status.PENDING and asked.expires_at <= timezone.now()
    ):
        return Refused("This request has expired: the requester may ask again.")
    if retrying and asked.status == Status.APPROVED:
        return Refused("The deletion is being sent right now: wait for its outcome.")
    by = f" by {asked.decided_by_name}" if asked.decided_by_name else ""
    return Refused(f"This request was {asked.get_status_display().lower()}{by} already.")


def expire_stale(request: HttpRequest | None = None) -> int:
    """Mark pending requests past their time as expired, each with its audit entry, and
    approved exports whose download window has passed."""
    now = timezone.now()
    expired = 0
    stale = Request.objects.filter(status=Status.PENDING, expires_at__lte=now)
    for asked in stale.only("pk", "kind", "client_id", "client_ref", "requested_by_name"):
        if Request.objects.filter(pk=asked.pk, status=Status.PENDING).update(
            status=Status.EXPIRED
        ):
            expired += 1
            record(
                None,
                Action.DELETE_EXPIRED
                if asked.kind == Kind.DELETE_CLIENT
                else Action.EXPORT_EXPIRED,
                client_id=asked.client_id,
                client_ref=asked.client_ref,
                details={"request": asked.pk, "requested_by": asked.requested_by_name},
                username="",
            )
    Request.objects.filter(
        kind=Kind.EXPORT_BOOK, status=Status.APPROVED, download_until__lte=now
    ).update(status=Status.EXPIRED)
    if expired:
        pending_changed()
    return expired


# --- what pages show, from the cache --------------------------------------------------------


def pending() -> list[dict[str, Any]]:
    """The pending deletion requests, oldest first, as plain values; from the shared cache
    (rewritten by every change), from the database when the cache has lost it."""
    try:
        found = cache.get(PENDING_KEY)
    except Exception:  # a cache that is down: the database answers
        found = None
    if found is None:
        found = pending_changed()
    now = timezone.now()
    return [entry for entry in found if entry["expires_at"] > now]


def pending_changed() -> list[dict[str, Any]]:
    """Read the pending requests again and keep them for the pages."""
    found = list(
        Request.objects.filter(status=Status.PENDING)
        .order_by("requested_at", "id")
        .values(
            "id",
            "client_id",
            "client_ref",
            "client_name",
            "reason",
            "requested_by_id",
            "requested_by_name",
            "requested_at",
            "expires_at",
        )
    )
    try:
        cache.set(PENDING_KEY, found, None)
    except Exception:
        logger.warning("Could not keep the pending requests in the cache", exc_info=True)
    return found


def pending_for(client_id: str) -> dict[str, Any] | None:
    return next((entry for entry in pending() if entry["client_id"] == client_id), None)
