"""Reading clients: the searchable list, the detail page, its portfolio summary band and
its Loans/Deposits tabs."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_htmx.http import trigger_client_event

from dashboard import api
from dashboard.access.guards import may, requires
from dashboard.approvals import deletions
from dashboard.audit import access_log
from dashboard.audit.models import REFERENCE_MAX_LENGTH, Action, AuditEntry
from dashboard.errors import Fetched, api_problem, error_status, fetch
from dashboard.paging import (
    Paging,
    build_pager,
    page_of,
    read_paging,
    remember_per_page,
    remembered_per_page,
    with_query,
)
from dashboard.regions import HtmxHttpRequest, render_page, vary_on_htmx, wants_fragment
from dashboard.template_urls import remembered

from . import charts
from .lookups import client_id_for, remember, search_term
from .portfolio import Summary, cached_summary, portfolio_summary

TABS = {"loans": api.client_loans, "deposits": api.client_deposits}
TAB_NAMES = [("loans", "Loans"), ("deposits", "Deposits")]
HISTORY_ENTRIES = 10
LIST_PER_PAGE_COOKIE = "clients_per_page"  # the list's last rows per page, this browser session


@require_GET
@requires("view_clients")
def client_list(request: HtmxHttpRequest) -> HttpResponse:
    term = search_term(request.GET.get("q", ""))
    per_page = remembered_per_page(request, cookie=LIST_PER_PAGE_COOKIE)
    paging = read_paging(request.GET, default_per_page=per_page)
    path = remembered("clients:list")

    def link(params: dict) -> str:
        return with_query(path, {"q": term, **params})

    here = link({"page": paging.page, "perPage": paging.per_page})
    search = None
    if term:
        found = fetch(lambda: api.client_search(term=term), retry_url=here)
        search = found.value
        exact = bool(search and search.exact)
        if exact:  # one client: there is no page 2 of it
            paging = Paging(page=1, per_page=paging.per_page, notes=paging.notes)
        page = page_of(search.clients, paging) if search else None
    else:
        found = fetch(
            lambda: api.client_list(page=paging.page, per_page=paging.per_page), retry_url=here
        )
        page, exact = found.value, False
    context = {
        "term": term,
        "search": search,  # how the API was asked, and whether its answer was capped
        "page": page,
        "exact": exact,
        "notes": paging.notes,
        "problem": found.problem,
        "pager": build_pager(page, link=link) if page else None,
        "per_page": paging.per_page,
    }
    # htmx gets the results region with the page's <title> and the status line.
    response = render_page(
        request, "clients/list.html", context, partial="answer", status=found.status
    )
    remember_per_page(request, response, paging, cookie=LIST_PER_PAGE_COOKIE)
    return response


@require_GET
@requires("view_clients")
def client_detail(request: HtmxHttpRequest, client_ref: str) -> HttpResponse:
    tab = request.GET.get("tab", "loans")
    tab = tab if tab in TABS else "loans"
    paging = read_paging(request.GET)
    here = request.get_full_path()
    context = {
        "client_ref": client_ref,
        "tab": tab,
        "tab_names": TAB_NAMES,
        "today": timezone.localdate(),
    }
    try:
        client = api.client_get(client_ref=client_ref)
    except api.NotFound:
        raise Http404("No such client") from None
    except api.ApiError as error:
        # Without the profile there is no id for the tabs: the whole page waits for a retry.
        context["problem"] = {**api_problem(error, retry_url=here), "reload": True}
        return render_page(request, "clients/detail.html", context, status=error_status(error))
    remember(client)
    # Who saw this client's data: one entry per person per client per window, no API call.
    access_log.client_view_record(
        request, client_id=client.id, client_ref=client.client_ref, viewed="page"
    )
    context |= {"client": client, "age": client.age_on(context["today"])}
    # A pending four-eyes deletion shows on the page (from the shared cache: no query).
    context["four_eyes"] = settings.FOUR_EYES_DELETE
    context["deletion_request"] = deletions.pending_for(client.id)
    # The summary band loads as its own region (client_summary), so the page never waits
    # for every loan and deposit; only its no-JavaScript link asks for it here.
    status = 200
    if request.GET.get("summary") == "1":
        context |= summary_context(client_ref, client.id)
        status = context["summary_status"]
    context |= tab_context(client_ref, client.id, tab, paging)
    # The tab's totals: from the summary when there is one, else once the band has it.
    context |= totals_context(
        client.id, tab, context.get("summary"), trigger=f"{SUMMARY_EVENT} from:body"
    )
    # Its entries load as their own region (client_history): the page makes no audit query.
    context["show_history"] = may(request.user, "view_audit")
    context["show_viewers"] = may(request.user, "view_access_log")  # loads as client_viewers
    status = max(status, context["tab_status"])
    return render_page(request, "clients/detail.html", context, status=status)


def requested_client_id(request: HtmxHttpRequest) -> str:
    """`?client_id=`, the API id the client page read with the client ("" when absent)."""
    client_id = request.GET.get("client_id", "").strip()[:REFERENCE_MAX_LENGTH]
    # No id holds a NUL, and PostgreSQL refuses it in a query.
    return "" if "\x00" in client_id else client_id


@require_GET
@requires("view_audit")
def client_history(request: HtmxHttpRequest, client_ref: str) -> HttpResponse:
    """The client page's "Recent history" region for htmx; a plain visit goes to the
    audit log for the client, which lists every entry.

    Keyed on the client's API id (`?client_id=`, which the page read with the client),
    never on the reference: the API gives a deleted client's reference to a new one,
    which must not inherit its history. Entries recorded without an id (older rows,
    attempts that failed before the client was read) are not shown: the audit log's
    reference filter finds them. Without an id nothing is guessed, and no API call made."""
    client_id = requested_client_id(request)
    if not request.htmx:
        by = {"client_id": client_id} if client_id else {"client": client_ref}
        return vary_on_htmx(redirect(with_query(reverse("audit:log"), by)))
    context = {
        "client_ref": client_ref,
        # Views are listed apart ("Who viewed this client"): they would push out the changes.
        "history": AuditEntry.objects.filter(client_id=client_id).exclude(
            action=Action.CLIENT_VIEW
        )[:HISTORY_ENTRIES]
        if client_id
        else [],
        "history_unkeyed": not client_id,
    }
    return render_page(request, "clients/detail.html", context, partial="history")


@require_GET
@requires("view_access_log")
def client_viewers(request: HtmxHttpRequest, client_ref: str) -> HttpResponse:
    """The client page's "Who viewed this client" region for htmx; a plain visit goes to
    the audit log's read entries for the client. Keyed on the client's API id
    (`?client_id=`), as the history is; without one nothing is guessed."""
    client_id = requested_client_id(request)
    if not request.htmx:
        by = {"client_id": client_id} if client_id else {"client": client_ref}
        log = with_query(reverse("audit:log"), {"action": Action.CLIENT_VIEW.value, **by})
        return vary_on_htmx(redirect(log))
    context = {
        "client_ref": client_ref,
        "viewers": access_log.client_viewers(client_id=client_id) if client_id else [],
        "viewers_unkeyed": not client_id,
        "viewers_note": access_log.window_in_words(),
    }
    return render_page(request, "clients/viewers.html", context, partial="viewers")


@require_GET
@requires("view_clients")
def client_summary(request: HtmxHttpRequest, client_ref: str) -> HttpResponse:
    """The client page's portfolio summary band for htmx; a plain visit goes to the client
    page with the band filled in (what its link for browsers without JavaScript asks for).

    Keyed on the client's API id (`?client_id=`, read by the page with the client), as the
    history is: the API gives a deleted client's reference to a new client, whose figures
    the page of the old one must not show. Without an id it is found as the tabs find it."""
    if not wants_fragment(request):  # a boosted request, too, wants the whole page
        page = reverse("clients:detail", args=[client_ref])
        return vary_on_htmx(redirect(with_query(page, {"summary": 1})))
    context: dict = {"client_ref": client_ref}
    try:
        client_id = requested_client_id(request) or client_id_for(client_ref)
    except api.NotFound:
        raise Http404("No such client") from None
    except api.ApiError as error:
        context |= {
            "summary_problem": api_problem(error, retry_url=request.get_full_path()),
            "summary_status": error_status(error),
        }
    else:
        context |= summary_context(client_ref, client_id)
    response = render_page(
        request,
        "clients/detail.html",
        context,
        partial="summary",
        status=context["summary_status"],
    )
    if context.get("summary"):  # the tab's totals footer waits for this (totals.html)
        trigger_client_event(response, SUMMARY_EVENT)
    return response


def summary_context(client_ref: str, client_id: str) -> dict:
    """The summary band's figures, or its problem (with a Retry of the band alone)."""
    retry_url = with_query(reverse("clients:summary", args=[client_ref]), {"client_id": client_id})
    try:
        found = fetch(lambda: portfolio_summary(client_id=client_id), retry_url=retry_url)
    except api.NotFound:  # deleted since the page was read
        found = Fetched(None, {"message": "This client no longer exists."}, 404)
    summary = found.value
    return {
        "summary": summary,
        "summary_problem": found.problem,
        "summary_status": found.status,
        "summary_cut": cut_lists(summary) if summary and summary.partial else [],
        "summary_cards": summary_cards(summary) if summary else [],
    }


def summary_cards(summary: Summary) -> list[dict]:
    """Per currency: its figures and the geometry of its two charts."""
    cards = []
    for index, line in enumerate(summary.currencies, start=1):
        months, balances = charts.deposits_by_month(line), charts.balances_by_loan(line)
        cards.append(
            {
                "line": line,
                "id": f"summary-chart-{index}",
                "months": months,
                "month_marks": charts.month_marks(months, line.currency),
                "balances": balances,
                "balance_marks": charts.balance_marks(balances, line.currency),
                "any_overdue": any(row.overdue for row in balances.rows),
            }
        )
    return cards


def cut_lists(summary: Summary) -> list[str]:
    """What SUMMARY_MAX_PAGES left unread, said as "the first 2000 of 5400 loans"."""
    cut = [
        f"the first {read} of {total} {noun}"
        for read, total, noun in (
            (summary.loans_read, summary.loans_total, "loans"),
            (summary.deposits_read, summary.deposits_total, "deposits"),
        )
        if total is not None and read < total
    ]
    # An API that gives no totals says only that more pages were left.
    return cut or ["more loans or deposits than were read"]


@require_GET
@requires("view_clients")
def client_tab(request: HtmxHttpRequest, client_ref: str, tab: str) -> HttpResponse:
    """One tab's region for htmx; a plain visit goes to the full page on that tab."""
    paging = read_paging(request.GET)
    if not request.htmx:
        return vary_on_htmx(
            redirect(
                with_query(
                    reverse("clients:detail", args=[client_ref]),
                    {"tab": tab, "page": paging.page, "perPage": paging.per_page},
                )
            )
        )
    try:
        client_id = client_id_for(client_ref)
    except api.NotFound:
        raise Http404("No such client") from None
    except api.ApiError as error:
        context = {
            "client_ref": client_ref,
            "tab": tab,
            "tab_names": TAB_NAMES,
            "tab_problem": api_problem(error, retry_url=request.get_full_path()),
        }
        return render_page(
            request, "clients/detail.html", context, partial="tabs", status=error_status(error)
        )
    context = {
        "client_ref": client_ref,
        "tab": tab,
        "tab_names": TAB_NAMES,
        "today": timezone.localdate(),
    }
    context |= tab_context(client_ref, client_id, tab, paging)
    if context["tab_problem"] is None:  # its loans or deposits were shown
        access_log.client_view_record(
            request, client_id=client_id, client_ref=client_ref, viewed=tab
        )
    # Opened after the band: its totals are in the cache, or asked for at once.
    context |= totals_context(client_id, tab, trigger="load")
    return render_page(
        request, "clients/detail.html", context, partial="tabs", status=context["tab_status"]
    )


SUMMARY_EVENT = "portfolio-summary"  # sent with the band: the tab's totals can be asked for
TOTALS_COLUMNS = {"loans": 8, "deposits": 6}  # the width of each table (loans.html, deposits.html)


def totals_context(
    client_id: str, tab: str, summary: Summary | None = None, *, trigger: str
) -> dict:
    """The footer of the tab's table: the totals of every loan or deposit, from `summary`
    or the cache (no API call), else a footer that asks for them on `trigger`."""
    return {
        "client_id": client_id,
        "totals": summary or cached_summary(client_id=client_id),
        "totals_trigger": trigger,
        "columns": TOTALS_COLUMNS[tab],
    }


@require_GET
@requires("view_clients")
def client_totals(request: HtmxHttpRequest, client_ref: str, tab: str) -> HttpResponse:
    """The footer of the Loans or Deposits table for htmx: the totals of every loan or
    deposit, read as the summary band reads them (and from its cache). A plain visit goes
    to the client page on that tab with the summary, and so the totals, filled in.
    Keyed on `?client_id=` as the band is."""
    if not wants_fragment(request):
        page = reverse("clients:detail", args=[client_ref])
        return vary_on_htmx(redirect(with_query(page, {"tab": tab, "summary": 1})))
    context: dict = {"client_ref": client_ref, "tab": tab, "columns": TOTALS_COLUMNS[tab]}
    retry_url = request.get_full_path()
    client_id = requested_client_id(request)
    try:
        client_id = client_id or client_id_for(client_ref)
        found = fetch(lambda: portfolio_summary(client_id=client_id), retry_url=retry_url)
    except api.NotFound:
        raise Http404("No such client") from None
    except api.ApiError as error:
        found = Fetched(None, api_problem(error, retry_url=retry_url), error_status(error))
    context |= {"client_id": client_id, "totals": found.value, "totals_problem": found.problem}
    return render_page(
        request, "clients/totals.html", context, partial="totals", status=found.status
    )


def tab_context(client_ref: str, client_id: str, tab: str, paging: Paging) -> dict:
    """The active tab's page of loans or deposits, its pager, or its problem."""
    page_path = reverse("clients:detail", args=[client_ref])
    tab_path = reverse(f"clients:{tab}", args=[client_ref])

    def link(params: dict) -> str:
        return with_query(page_path, {"tab": tab, **params})

    def fragment(params: dict) -> str:
        return with_query(tab_path, params)

    listing = TABS[tab]
    try:
        found = fetch(
            lambda: listing(client_id=client_id, page=paging.page, per_page=paging.per_page),
            retry_url=fragment({"page": paging.page, "perPage": paging.per_page}),
        )
    except api.NotFound:  # deleted since the profile was read
        found = Fetched(None, {"message": "This client no longer exists."}, 404)
    return {
        "accounts": found.value,
        "tab_problem": found.problem,
        "tab_status": found.status,
        "tab_notes": paging.notes,
        "pager": build_pager(found.value, link=link, fragment=fragment) if found.value else None,
    }
