"""What is kept of a deleted client (deletions.snapshot, in its CLIENT_DELETE audit entry),
and re-creating a client from it: one POST of the snapshot's writable fields. The API
gives the new client a new reference; the audit entry of the re-create names both.
Loans and deposits are not re-created: the API has no endpoint for them."""

import hashlib
from typing import Any

from django.http import HttpRequest

from dashboard import api
from dashboard.audit.models import Action, AuditEntry, Outcome
from dashboard.audit.trail import record

from .deletions import Refused


def deleted_entry(pk: int) -> AuditEntry:
    """The audit entry of a carried-out deletion that holds a snapshot."""
    entry = AuditEntry.objects.filter(
        pk=pk, action=Action.CLIENT_DELETE, outcome=Outcome.SUCCESS
    ).first()
    if entry is None or not isinstance(entry.details.get("snapshot"), dict):
        raise Refused("There is no snapshot of a deleted client here.", 404)
    return entry


def recreated_from(entry: AuditEntry) -> AuditEntry | None:
    """The re-create already made from this snapshot, if any."""
    return (
        AuditEntry.objects.filter(
            action=Action.CLIENT_RECREATE,
            outcome=Outcome.SUCCESS,
            details__snapshot_entry=entry.pk,
        )
        .order_by("id")
        .first()
    )


def writable_fields(snapshot: dict[str, Any]) -> dict[str, Any]:
    """What a re-create sends: the snapshot's writable fields that hold a value."""
    return {
        name: snapshot[name]
        for name in api.WRITABLE_FIELDS
        if snapshot.get(name) not in (None, "", {}, [])
    }


def recreate(request: HttpRequest, pk: int) -> AuditEntry:
    """POST the snapshot's writable fields; the audit entry links the old and new references.

    The Idempotency-Key is the snapshot's own: a repeated confirmation (a double click, two
    Managers) is answered with the client the first one made, by an API that honours it."""
    entry = deleted_entry(pk)
    earlier = recreated_from(entry)
    if earlier is not None:
        raise Refused(f"This client was re-created already, as {earlier.client_ref}.")
    snapshot = entry.details["snapshot"]
    link = {"snapshot_entry": entry.pk, "from_ref": entry.client_ref, "from_id": entry.client_id}
    key = hashlib.sha256(f"recreate:{entry.pk}:{entry.client_id}".encode()).hexdigest()[:40]
    try:
        made = api.client_create(fields=writable_fields(snapshot), idempotency_key=key)
    except api.ApiError as error:
        record(
            request,
            Action.CLIENT_RECREATE,
            client_ref=entry.client_ref,
            error=error,
            details=link,
        )
        raise Refused(f"The client could not be re-created: {error.message}", 502) from error
    return record(
        request,
        Action.CLIENT_RECREATE,
        client_id=made.id,
        client_ref=made.client_ref,
        details=link,
    )
