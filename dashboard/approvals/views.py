"""Four-eyes requests: asking for a client's deletion, the Requests page, approving,
rejecting and retrying. The steps themselves are in deletions.py."""

from datetime import date, datetime
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from dashboard import api
from dashboard.access.guards import may, requires
from dashboard.audit.readable import FIELD_LABELS, label_of, readable
from dashboard.clients.lookups import client_id_for, search_term
from dashboard.clients.templatetags.formatting import day
from dashboard.errors import api_problem, error_page
from dashboard.regions import HtmxHttpRequest, navigate, render_page

from . import deletions, exports, snapshots
from .models import OPEN_STATUSES, Request, Status

RECENT = 50  # decided requests shown under the open ones


def reason_field(when_missing: str, **options) -> forms.CharField:
    """Why a request is made: what the approver reads, 5 to 500 characters."""
    return forms.CharField(
        min_length=5,
        max_length=500,
        strip=True,
        error_messages={
            "required": when_missing,
            "min_length": "Say why in a few words (at least 5 characters).",
        },
        **options,
    )


class ReasonForm(forms.Form):
    reason = reason_field(
        "Say why the client should be deleted: the approver reads it.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    client_name = forms.CharField(max_length=300, required=False)


class CommentForm(forms.Form):
    comment = forms.CharField(max_length=500, required=False, strip=True)


@require_POST
@requires("request_delete")
def request_delete(request: HtmxHttpRequest, client_ref: str) -> HttpResponse:
    """Ask for the client's deletion; nothing is sent to the API (the client's id is the one
    its page read, remembered)."""
    form = ReasonForm(request.POST)
    detail = reverse("clients:detail", args=[client_ref])
    if not form.is_valid():
        return _request_form(request, client_ref, form, status=400)
    try:
        client_id = client_id_for(client_ref)
    except api.NotFound:
        messages.info(request, f"{client_ref} no longer exists: it was already deleted.")
        return navigate(request, reverse("clients:list"))
    except api.ApiError as error:
        return _request_form(request, client_ref, form, problem=api_problem(error)["message"])
    try:
        deletions.request_deletion(
            request,
            client_id=client_id,
            client_ref=client_ref,
            client_name=form.cleaned_data["client_name"],
            reason=form.cleaned_data["reason"],
        )
    except deletions.Refused as refused:
        return _request_form(request, client_ref, form, problem=refused.message, status=409)
    messages.success(
        request, f"Deletion of {client_ref} requested: another Manager will approve or reject it."
    )
    return navigate(request, detail)


def _request_form(
    request: HtmxHttpRequest,
    client_ref: str,
    form: ReasonForm,
    *,
    problem: str = "",
    status: int = 503,
) -> HttpResponse:
    """The request form again, with what was typed: the dialog's region for htmx, else a
    page of its own."""
    context = {"client_ref": client_ref, "form": form, "request_problem": problem}
    return render_page(
        request, "approvals/request.html", context, partial="request-form", status=status
    )


@require_GET
@requires("request_delete")
def requests_list(request: HtmxHttpRequest) -> HttpResponse:
    """Managers: every open request and the latest decided ones. Others: their own."""
    deletions.expire_stale(request)
    approver = may(request.user, "approve_delete")
    shown = Request.objects.all()
    if not approver:
        shown = shown.filter(requested_by=request.user)
    open_requests = list(shown.filter(status__in=OPEN_STATUSES))
    decided = list(shown.exclude(status__in=OPEN_STATUSES)[:RECENT])
    context = {"open_requests": open_requests, "decided": decided, "approver": approver}
    return render(request, "approvals/requests.html", context)


@require_POST
@requires("approve_delete")
def approve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, deletions.approve)


@require_POST
@requires("approve_delete")
def reject(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, deletions.reject)


@require_POST
@requires("approve_delete")
def retry(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, lambda request, pk, comment: deletions.retry(request, pk))


def _decide(request: HtmxHttpRequest, pk: int, step) -> HttpResponse:
    try:
        done = step(request, pk, comment=_comment(request))
    except deletions.Refused as refused:
        return _refused_page(request, refused)
    if done.status == Status.EXECUTED:
        messages.success(request, f"Deleted {done.client_ref}, as {done.requested_by_name} asked.")
    elif done.status == Status.FAILED:
        messages.error(
            request,
            f"The deletion of {done.client_ref} was approved but did not go through: "
            f"{done.outcome} It can be retried below.",
        )
    else:
        messages.info(
            request, f"Request to delete {done.client_ref}: {done.get_status_display()}."
        )
    return navigate(request, reverse("approvals:list"))


def _comment(request: HtmxHttpRequest) -> str:
    form = CommentForm(request.POST)
    return form.cleaned_data["comment"] if form.is_valid() else ""


def _refused_page(request: HtmxHttpRequest, refused: deletions.Refused) -> HttpResponse:
    titles = {403: "Not yours to decide", 404: "No such request"}
    return error_page(
        request, refused.status, titles.get(refused.status, "Already decided"), refused.message
    )


@require_GET
@requires("approve_delete")
def snapshot(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Managers: what was kept of a deleted client, and its re-create."""
    try:
        entry = snapshots.deleted_entry(pk)
    except deletions.Refused as refused:
        return error_page(request, refused.status, "No snapshot", refused.message)
    kept = entry.details["snapshot"]
    context = {
        "entry": entry,
        "snapshot": kept,
        "lines": [
            (label_of(name, FIELD_LABELS), _shown(name, value))
            for name, value in snapshots.writable_fields(kept).items()
        ],
        "created": _moment(kept.get("created_at")),
        "recreated": snapshots.recreated_from(entry),
    }
    return render(request, "approvals/snapshot.html", context)


@require_POST
@requires("approve_delete", "create_client")
def recreate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    try:
        made = snapshots.recreate(request, pk)
    except deletions.Refused as refused:
        return error_page(request, refused.status, "Not re-created", refused.message)
    messages.success(
        request,
        f"Re-created as {made.client_ref} (was {made.details['from_ref']}). Its loans and "
        "deposits were not re-created: the API has no way to.",
    )
    return navigate(request, reverse("clients:detail", args=[made.client_ref]))


# --- whole-book exports (FOUR_EYES_EXPORT): approvals/exports.py -----------------------------


class ExportRequestForm(forms.Form):
    reason = reason_field("Say why the export is needed: the approver reads it.")
    q = forms.CharField(required=False)

    def clean_q(self) -> str:
        return search_term(self.cleaned_data["q"])  # as the list and the export read it


@require_POST
@requires("export_data")
def export_request(request: HtmxHttpRequest) -> HttpResponse:
    """Ask for the export of every client (or a search's results); nothing is read yet."""
    form = ExportRequestForm(request.POST)
    if not form.is_valid():
        return _export_request_form(request, form, status=400)
    term = form.cleaned_data["q"]
    if not settings.FOUR_EYES_EXPORT:  # nothing to approve: the export is direct
        export_url = reverse("clients:export") + (f"?{urlencode({'q': term})}" if term else "")
        return navigate(request, export_url)
    try:
        exports.request_export(request, search_term=term, reason=form.cleaned_data["reason"])
    except deletions.Refused as refused:
        return _export_request_form(request, form, problem=refused.message, status=409)
    messages.success(
        request,
        f"Export of {exports.describe(term)} requested: once another Manager approves it, "
        "download it here, once.",
    )
    return navigate(request, reverse("approvals:list"))


def _export_request_form(
    request: HtmxHttpRequest, form: ExportRequestForm, *, problem: str = "", status: int
) -> HttpResponse:
    term = form["q"].value() or ""
    context = {"form": form, "term": term, "covers": exports.describe(term), "problem": problem}
    return render(request, "approvals/export_request.html", context, status=status)


@require_POST
@requires("approve_export")
def export_approve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide_export(request, pk, exports.approve)


@require_POST
@requires("approve_export")
def export_reject(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide_export(request, pk, exports.reject)


def _decide_export(request: HtmxHttpRequest, pk: int, step) -> HttpResponse:
    try:
        done = step(request, pk, comment=_comment(request))
    except deletions.Refused as refused:
        return _refused_page(request, refused)
    messages.info(
        request,
        f"Export of {exports.describe(done.search_term)} for {done.requested_by_name}: "
        f"{done.get_status_display().lower()}.",
    )
    return navigate(request, reverse("approvals:list"))


def _shown(name: str, value) -> str:
    """A snapshot's value as the client page shows it (dates in words)."""
    if name == "dob" and isinstance(value, str):
        try:
            return day(date.fromisoformat(value))
        except ValueError:
            pass
    return readable(value)


def _moment(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
