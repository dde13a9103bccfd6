"""Exporting the whole book with four eyes (FOUR_EYES_EXPORT): a Manager asks, with a
reason, for every client or a search's results; another Manager approves (or rejects);
the requester then downloads the file once, within FOUR_EYES_DOWNLOAD_HOURS.

The steps are audit entries (the download itself is the export's own `export.clients`
entry). As for deletions (deletions.py), each move between statuses is one conditional
UPDATE: of two approvals one changes the row; of two downloads of the same approval, one
marks it carried out before a byte is streamed and the other is refused.
"""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from dashboard.audit.models import Action
from dashboard.audit.trail import record

from .deletions import Refused, _own_check, decide, expire_stale, pending_changed
from .models import Kind, Request, Status

NEEDS_APPROVAL = (
    "Exporting the whole book, or a search's results, needs another Manager's approval. "
    "Request the export from the clients list; once approved, download it once from Requests."
)


def describe(search_term: str) -> str:
    """What an export request covers, in words."""
    return f"the clients matching “{search_term}”" if search_term else "every client"


def request_export(request: HttpRequest, *, search_term: str, reason: str) -> Request:
    """Record the request; nothing is read from the API."""
    expire_stale(request)
    already = Request.objects.filter(
        kind=Kind.EXPORT_BOOK,
        requested_by=request.user,
        search_term=search_term,
        status__in=(Status.PENDING, Status.APPROVED),
    )
    if already.exists():  # a double click; a duplicate would only be another row to decide
        raise Refused(f"You have already asked to export {describe(search_term)}: see Requests.")
    now = timezone.now()
    asked = Request.objects.create(
        kind=Kind.EXPORT_BOOK,
        client_id="",
        client_ref="",
        search_term=search_term,
        reason=reason,
        requested_by=request.user,
        requested_by_name=request.user.get_username(),
        requested_at=now,
        expires_at=now + timedelta(hours=settings.FOUR_EYES_EXPIRY_HOURS),
    )
    record(
        request,
        Action.EXPORT_REQUESTED,
        details={
            "request": asked.pk,
            "search": search_term,
            "reason": reason,
            "expires_at": asked.expires_at.isoformat(),
        },
    )
    pending_changed()
    return asked


def approve(request: HttpRequest, pk: int, *, comment: str) -> Request:
    """Approve another Manager's export: its requester may download it once, from now until
    FOUR_EYES_DOWNLOAD_HOURS later."""
    asked = _own_check(
        request,
        pk,
        Action.EXPORT_APPROVED,
        kind=Kind.EXPORT_BOOK,
        refused_as=Action.EXPORT_APPROVED,
    )
    now = timezone.now()
    until = now + timedelta(hours=settings.FOUR_EYES_DOWNLOAD_HOURS)
    decide(request, asked, Status.APPROVED, comment=comment, now=now, download_until=until)
    record(
        request,
        Action.EXPORT_APPROVED,
        details={
            "request": pk,
            "search": asked.search_term,
            "comment": comment,
            "requested_by": asked.requested_by_name,
            "download_until": until.isoformat(),
        },
    )
    return Request.objects.get(pk=pk)


def reject(request: HttpRequest, pk: int, *, comment: str) -> Request:
    asked = _own_check(
        request,
        pk,
        Action.EXPORT_REJECTED,
        kind=Kind.EXPORT_BOOK,
        refused_as=Action.EXPORT_REJECTED,
    )
    decide(request, asked, Status.REJECTED, comment=comment, now=timezone.now())
    record(
        request,
        Action.EXPORT_REJECTED,
        details={
            "request": pk,
            "search": asked.search_term,
            "comment": comment,
            "requested_by": asked.requested_by_name,
        },
    )
    return Request.objects.get(pk=pk)


def download_claim(request: HttpRequest, *, approval: str, search_term: str) -> Request:
    """Take the one download of an approved export: the user's own, for this very search,
    within its window. Marked carried out here, before the file is streamed, so a second
    download (in parallel or later) finds nothing to take."""
    if not approval.isdigit():
        raise Refused(NEEDS_APPROVAL, 403)
    now = timezone.now()
    mine = Request.objects.filter(
        pk=int(approval), kind=Kind.EXPORT_BOOK, requested_by=request.user
    )
    taken = mine.filter(
        status=Status.APPROVED, search_term=search_term, download_until__gt=now
    ).update(status=Status.EXECUTED, downloaded_at=now)
    asked = mine.first()
    if asked is None:
        raise Refused(NEEDS_APPROVAL, 403)
    if taken:
        return asked
    if asked.search_term != search_term:
        raise Refused(
            f"This approval is for exporting {describe(asked.search_term)}, not "
            f"{describe(search_term)}: request that export on its own.",
            403,
        )
    if asked.status == Status.EXECUTED:
        when = timezone.localtime(asked.downloaded_at).strftime("%d %b %Y, %H:%M")
        raise Refused(
            f"This export was already downloaded ({when}): it can be downloaded once. "
            "Request it again if you need a new file.",
            410,
        )
    if asked.status == Status.REJECTED:
        by = f" by {asked.decided_by_name}" if asked.decided_by_name else ""
        raise Refused(f"This export was rejected{by}: nothing can be downloaded.", 403)
    if asked.status == Status.PENDING and asked.expires_at > now:
        raise Refused("This export is still waiting for another Manager's approval.", 403)
    raise Refused(
        "This approval has expired: its download window has passed. Request the export again.",
        410,
    )


def download_release(asked: Request) -> None:
    """The export failed before any row was sent (the API's first page): the approval
    stands, so the requester may try again within the window."""
    Request.objects.filter(
        pk=asked.pk, status=Status.EXECUTED, downloaded_at=asked.downloaded_at
    ).update(status=Status.APPROVED, downloaded_at=None)
