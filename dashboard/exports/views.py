"""The three CSV downloads: all clients (or a search's results), a client's loans, its deposits."""

import re
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from dashboard import api
from dashboard.access.guards import requires
from dashboard.approvals import exports as book_exports
from dashboard.approvals.deletions import Refused
from dashboard.audit.access_log import client_view_record
from dashboard.audit.models import Action
from dashboard.audit.trail import record
from dashboard.clients.lookups import client_id_for, search_term
from dashboard.errors import error_page, error_status
from dashboard.paging import Paging, page_of

from .columns import CLIENT_COLUMNS, Columns, deposit_columns, loan_columns
from .streaming import FetchPage, csv_stream


@require_GET
@requires("export_data")
def clients_csv(request: HttpRequest) -> HttpResponse:
    term = search_term(request.GET.get("q", ""))
    filters = {"q": term} if term else {}
    approved = None
    if settings.FOUR_EYES_EXPORT:  # another Manager approved this one download: approvals/
        try:
            approved = book_exports.download_claim(
                request, approval=request.GET.get("approval", ""), search_term=term
            )
        except Refused as refused:
            return error_page(request, refused.status, "Export not allowed", refused.message)

    answered: dict = {}  # what the search said of itself, for the audit entry
    if term:  # search is one call, not paginated: its one page is the whole file
        name = f"clients-search-{slugify(term)[:40] or 'terms'}"
        first_page, fetch_page = partial(search_page, term, answered), None
    else:
        listing = api.clients_listing(per_page=settings.EXPORT_PAGE_SIZE)
        name = "clients"
        first_page, fetch_page = partial(listing.page, 1), listing.page
    response = export(
        request,
        Action.EXPORT_CLIENTS,
        name,
        CLIENT_COLUMNS,
        first_page,
        fetch_page,
        filters=filters,
        answered=answered,
    )
    if approved is not None and not response.streaming:  # no row was sent: the approval stands
        book_exports.download_release(approved)
    return response


def search_page(term: str, answered: dict) -> api.Page:
    """The search's clients as one page; `answered` learns whether the API capped them."""
    search = api.client_search(term=term)
    if search.capped:  # the file holds what the page showed: more clients may match
        answered["capped"] = (
            f"the Clients API answers a search with at most {search.answered} clients "
            f"(asked for “{search.asked}”): more may match"
        )
    found = search.clients
    return page_of(found, Paging(page=1, per_page=max(1, len(found))))


@require_GET
@requires("export_data")
def loans_csv(request: HttpRequest, client_ref: str) -> HttpResponse:
    return client_export(request, client_ref, "loans", api.client_loans_listing, loan_columns)


@require_GET
@requires("export_data")
def deposits_csv(request: HttpRequest, client_ref: str) -> HttpResponse:
    return client_export(
        request, client_ref, "deposits", api.client_deposits_listing, deposit_columns
    )


def client_export(
    request: HttpRequest,
    client_ref: str,
    kind: str,
    listing: Callable[..., api.Listing],
    columns: Callable[[str], Columns],
) -> HttpResponse:
    action = Action(f"export.{kind}")  # EXPORT_LOANS, EXPORT_DEPOSITS: a typo fails here
    try:
        client_id = client_id_for(client_ref)
    except api.NotFound:
        raise Http404("No such client") from None
    except api.ApiError as error:
        return export_failed(request, action, error, client_ref=client_ref)
    safe_ref = re.sub(r"[^A-Za-z0-9_-]", "_", client_ref)
    accounts = listing(client_id=client_id, per_page=settings.EXPORT_PAGE_SIZE)
    response = export(
        request,
        action,
        f"client-{safe_ref}-{kind}",
        columns(client_ref),
        partial(accounts.page, 1),
        accounts.page,
        client_id=client_id,
        client_ref=client_ref,
    )
    if response.streaming:  # its first page was read: the file holds the client's data
        client_view_record(
            request, client_id=client_id, client_ref=client_ref, viewed=f"{kind} export"
        )
    return response


def export(
    request: HttpRequest,
    action: Action,
    name: str,
    columns: Columns,
    first_page: Callable[[], api.Page],
    fetch_page: FetchPage | None,
    *,
    filters: dict | None = None,
    client_id: str = "",
    client_ref: str = "",
    answered: dict | None = None,
) -> HttpResponse:
    """Read the first page now (a failure is a proper error page, not an empty file),
    then stream the rest (`fetch_page(n)` reads page n; None: the first page is all),
    audited once it ends, however it ends, with what `answered` holds by then."""
    try:
        first = first_page()
        list(first.items)  # a malformed first page is an error page too, not a broken file
    except api.ApiError as error:
        return export_failed(
            request, action, error, filters=filters, client_id=client_id, client_ref=client_ref
        )

    def finished(rows: int, error: BaseException | None) -> None:
        details = {"filters": filters or {}, "rows": rows, "api_total": first.total}
        details |= answered or {}
        if error is None and first.total is not None and rows != first.total:
            # Clients added or deleted while the export ran: offset pages shifted.
            details["note"] = "the book changed during the export; export again for a snapshot"
        record(
            request,
            action,
            client_id=client_id,
            client_ref=client_ref,
            error=error,
            details=details,
        )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        csv_stream(
            first,
            fetch_page,
            columns,
            in_flight=settings.EXPORT_PAGES_IN_FLIGHT,
            finished=finished,
        ),
        content_type="text/csv; charset=utf-8",
        # Cache-Control: no-store, private comes from dashboard.headers.NoStore, as on every page.
        headers={"Content-Disposition": content_disposition_header(True, f"{name}-{stamp}.csv")},
    )
    return response


def export_failed(
    request: HttpRequest,
    action: Action,
    error: api.ApiError,
    *,
    filters: dict | None = None,
    client_id: str = "",
    client_ref: str = "",
) -> HttpResponse:
    record(
        request,
        action,
        client_id=client_id,
        client_ref=client_ref,
        error=error,
        details={"filters": filters or {}, "rows": 0},
    )
    return error_page(
        request,
        error_status(error),
        "Export failed",
        f"Nothing was exported. {error.message}",
        retry_url=request.get_full_path(),
    )
