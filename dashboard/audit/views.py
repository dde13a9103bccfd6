from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from dashboard.access.guards import may, requires
from dashboard.errors import error_page
from dashboard.paging import build_pager, page_of, read_paging, with_query
from dashboard.regions import HtmxHttpRequest, render_page, wants_fragment

from .export import audit_csv_stream
from .filters import Holder, audit_filtered, client_label, holders_of, reference_of
from .models import Action, AuditEntry
from .trail import record


@require_GET
@requires("view_audit")
def audit_log(request: HtmxHttpRequest) -> HttpResponse:
    filtered = audit_filtered(request.GET)
    paging = read_paging(request.GET, default_per_page=50)
    values = filtered.values
    path = reverse("audit:log")
    page = page_of(filtered.entries, paging) if filtered.entries is not None else None
    context = {
        "form": filtered.form,
        "problems": filtered.errors,
        "not_dates": filtered.not_dates,
        "notes": [*filtered.notes, *paging.notes],
        "page": page,
        "pager": build_pager(page, link=lambda params: with_query(path, {**values, **params}))
        if page
        else None,
        "export_url": with_query(reverse("audit:export"), values)
        if page is not None and may(request.user, "export_data")
        else None,
        "holders": reference_holders(values, path),
        "reference": values.get("client", ""),
        "zone_name": timezone.get_current_timezone_name(),
        "access_log_days": settings.ACCESS_LOG_DAYS,  # read entries are purged after it
    }
    if not wants_fragment(request):  # the form's parts: htmx swaps the entries alone
        context |= {
            "client_id": values.get("client_id", ""),
            "client_label": client_label(filtered),
            "without_client": with_query(path, {**values, "client_id": ""}),
            # Staff accounts, not the entries' usernames: failed sign-ins record whatever
            # was typed.
            "usernames": get_user_model()
            .objects.order_by("username")
            .values_list("username", flat=True)[:500],
        }
    return render_page(request, "audit/log.html", context, partial="entries")


def reference_holders(values: dict[str, str], path: str) -> list[tuple[Holder, str]]:
    """For a reference typed in: each client it was recorded for, with the link to that
    client's entries alone (shown when there are several: the reference was reused, or
    some entries were recorded before the client's id was known)."""
    if not values.get("client") or values.get("client_id"):
        return []
    return [
        (holder, with_query(path, {**values, "client": "", "client_id": holder.client_id}))
        for holder in holders_of(values["client"])
    ]


@require_GET
@requires("view_audit", "export_data")  # reading the log is not taking it away
def audit_csv(request: HtmxHttpRequest) -> HttpResponse:
    """The filtered log as CSV, itself audited: the log says who took a copy of it."""
    filtered = audit_filtered(request.GET)
    if filtered.entries is None:
        return error_page(
            request, 400, "Export refused", f"Nothing was exported. {' '.join(filtered.errors)}"
        )
    values = filtered.values
    client_id = values.get("client_id", "")
    client_ref = reference_of(client_id) if client_id else ""  # never a link's label
    up_to = AuditEntry.objects.aggregate(last=Max("id"))["last"] or 0

    def finished(rows: int, error: BaseException | None) -> None:
        details = {"filters": values, "rows": rows}
        record(
            request,
            Action.EXPORT_AUDIT,
            client_id=client_id,
            client_ref=client_ref,
            error=error,
            details=details,
        )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return StreamingHttpResponse(
        audit_csv_stream(filtered.entries, up_to=up_to, finished=finished),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, f"audit-{stamp}.csv")},
    )
