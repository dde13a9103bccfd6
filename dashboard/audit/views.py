from django import forms
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from dashboard.access.guards import requires
from dashboard.paging import build_pager, page_of, read_paging, with_query
from dashboard.regions import render_page

from .models import Action, AuditEntry, Outcome


class AuditFilter(forms.Form):
    user = forms.CharField(required=False, max_length=150, label="User")
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *Action.choices])
    outcome = forms.ChoiceField(required=False, choices=[("", "Any outcome"), *Outcome.choices])
    client = forms.CharField(required=False, max_length=64, label="Client reference")


@require_GET
@requires("view_audit")
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilter(request.GET)
    entries = AuditEntry.objects.all()
    filters = form.cleaned_data if form.is_valid() else {}
    if filters.get("user"):
        entries = entries.filter(username__iexact=filters["user"].strip())
    if filters.get("action"):
        entries = entries.filter(action=filters["action"])
    if filters.get("outcome"):
        entries = entries.filter(outcome=filters["outcome"])
    if filters.get("client"):
        entries = entries.filter(client_ref__iexact=filters["client"].strip())

    paging = read_paging(request.GET, default_per_page=50)
    page = page_of(entries, paging)
    path = reverse("audit:log")
    query = {name: value for name, value in filters.items() if value}
    context = {
        "form": form,
        "page": page,
        "notes": paging.notes,
        "pager": build_pager(page, link=lambda params: with_query(path, {**query, **params})),
        # Staff accounts, not the entries' usernames: failed sign-ins record whatever was typed.
        "usernames": get_user_model()
        .objects.order_by("username")
        .values_list("username", flat=True)[:500],
    }
    return render_page(request, "audit/log.html", context, partial="entries")
