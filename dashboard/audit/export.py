"""The audit log as CSV: the filtered entries, streamed a chunk at a time.

A busy lender's trail grows by every sign-in, so the file is never built in memory:
entries are read CHUNK at a time in the log's order (newest first), each chunk its own
query resuming after the last entry written, so no cursor or transaction stays open
while a slow download drains. The file holds the entries that existed when it was
asked for (`up_to`): later ones, its own entry included, are not in it.

The same file format as the client exports (dashboard/exports): UTF-8 with a BOM,
RFC 4180 quoting, UTC timestamps, every text cell neutralised against formula
injection by exports.columns.text.
"""

from collections.abc import Callable, Iterator

from django.db.models import Q, QuerySet

from dashboard.exports.columns import Columns, json_text, moment, number, text
from dashboard.exports.streaming import ExportAborted, header_bytes, rows_bytes

from .models import Action, AuditEntry

CHUNK = 1000


def action_label(code: str) -> str:
    return text(Action(code).label if code in Action.values else code)


COLUMNS = Columns(
    ("at", "at", moment),  # ISO 8601, UTC ("Z")
    ("username", "username", text),
    ("action", "action", text),
    ("action_label", "action", action_label),
    ("outcome", "outcome", text),
    ("api_status", "api_status", number),
    ("client_id", "client_id", text),
    ("client_ref", "client_ref", text),
    ("ip_address", "ip_address", text),
    ("message", "message", text),
    ("changes", "changes", json_text),  # JSON: field -> {"old", "new"}
    ("details", "details", json_text),  # JSON
)


def entry_chunks(entries: QuerySet, *, up_to: int) -> Iterator[list[AuditEntry]]:
    """`entries` with ids up to `up_to`, newest first, CHUNK at a time."""
    ordered = entries.filter(id__lte=up_to).order_by("-at", "-id")
    chunk = list(ordered[:CHUNK])
    while chunk:
        yield chunk
        if len(chunk) < CHUNK:
            return
        last = chunk[-1]
        # Keyset paging on the log's order: resumes after `last` however many rows came
        # before it (an OFFSET would re-read them all, chunk after chunk).
        chunk = list(ordered.filter(Q(at__lt=last.at) | Q(at=last.at, id__lt=last.id))[:CHUNK])


def audit_csv_stream(
    entries: QuerySet, *, up_to: int, finished: Callable[[int, BaseException | None], None]
) -> Iterator[bytes]:
    """The file, chunk by chunk; `finished(rows, error)` is called exactly once at the end."""
    rows = 0
    try:
        yield header_bytes(COLUMNS)
        for chunk in entry_chunks(entries, up_to=up_to):
            yield rows_bytes(chunk, COLUMNS)
            rows += len(chunk)
    except Exception as error:  # the database failing mid-way
        finished(rows, error)
        # For servers that cannot abort a response, the file itself says so on its last line.
        yield f"EXPORT INCOMPLETE: stopped after {rows} rows; do not use this file.\r\n".encode()
        raise ExportAborted("The audit log export failed.") from error
    except GeneratorExit:
        finished(rows, ExportAborted("The download was cancelled."))
        raise
    finished(rows, None)
