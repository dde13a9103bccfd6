"""The audit log's filters, shared by the page and its CSV export: read from the query
string, checked, and turned into a query.

Dates are days in settings.TIME_ZONE, both ends included. A client is its API id
(`client_id`): references are reused after a delete, so a reference (`client`) is a
search for text, which may span several clients and entries recorded without an id.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Count, Max, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from .models import ACTION_FILTERS, NOT_VIEWS, REFERENCE_MAX_LENGTH, Action, AuditEntry, Outcome

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]  # <input type=date> sends the first
DATE_HINT = "a date like 2025-03-01"
# The order of the export's filters in its own audit entry, and of the pager's links.
NAMES = ("from", "to", "user", "action", "outcome", "client_id", "client")


class DayField(forms.DateField):
    input_formats = DATE_FORMATS

    def to_python(self, value):
        try:
            day = super().to_python(value)
        except forms.ValidationError:
            day = INVALID
        # Days at the ends of the calendar overflow once made into a range of moments in
        # a time zone (9999-12-31 plus a day): no audit entry is that old or that new.
        if day is INVALID or (day is not None and not FIRST_DAY <= day <= LAST_DAY):
            typed = str(value).strip()[:30]
            raise forms.ValidationError(
                f"“{typed}” is not a date; enter {DATE_HINT}.", code="invalid"
            ) from None
        return day


INVALID = object()
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


class AuditFilter(forms.Form):
    # `from` is a Python keyword: the fields are named for the query string in __init__.
    date_from = DayField(required=False, label="From")
    date_to = DayField(required=False, label="To")
    user = forms.CharField(required=False, max_length=150, label="Person")
    action = forms.ChoiceField(
        required=False,
        choices=[("", "Any action"), *ACTION_FILTERS.items()],
    )
    outcome = forms.ChoiceField(required=False, choices=[("", "Any outcome"), *Outcome.choices])
    client_id = forms.CharField(required=False, max_length=REFERENCE_MAX_LENGTH, label="Client id")
    client = forms.CharField(
        required=False, max_length=REFERENCE_MAX_LENGTH, label="Client reference"
    )
    # How a link names the client of `client_id` (its page: the client's reference). Only
    # a label, and only while no entry names the id: the entries' own reference wins.
    label = forms.CharField(required=False, max_length=REFERENCE_MAX_LENGTH, label="Label")

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        self.fields["from"] = self.fields.pop("date_from")
        self.fields["to"] = self.fields.pop("date_to")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and end < start:
            self.add_error("to", "the end date is before the start date.")
        return cleaned


@dataclass
class Filtered:
    """The filters as read: the form (what was typed, and its errors), the query for the
    valid filters (None while one is wrong), and notes on values that were ignored."""

    form: AuditFilter
    entries: QuerySet | None
    values: dict[str, str] = field(default_factory=dict)  # the valid filters, for links
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        """Each refused filter's message, named by its field: "To: …"."""
        fields = self.form.fields
        return [
            f"{fields[name].label}: {message}" if name in fields else message
            for name, messages in self.form.errors.items()
            for message in messages
        ]

    @property
    def not_dates(self) -> set[str]:
        """The date fields holding something that is not a date (not merely out of order)."""
        refused = self.form.errors.as_data()
        return {
            name
            for name in ("from", "to")
            if any(error.code == "invalid" for error in refused.get(name, []))
        }


def audit_filtered(query: QueryDict) -> Filtered:
    """The entries the query string's filters select.

    A wrong date, or a range that ends before it starts, selects nothing until it is
    corrected: a list that silently ignored it would look filtered when it is not (so
    does text too long to be a username or reference). An unknown action or outcome
    (only a hand-written URL has one) is ignored, with a note.
    """
    form = AuditFilter(query)
    form.is_valid()
    notes = []
    for name in ("action", "outcome"):
        if name in form.errors:
            typed = str(form.data.get(name, ""))[:40]
            notes.append(f"“{typed}” is not a known {name}: showing any {name}.")
            del form.errors[name]
    cleaned = form.cleaned_data  # the valid fields only
    values = {
        name: value.isoformat() if isinstance(value, date) else value
        for name in NAMES
        if (value := cleaned.get(name))  # text fields come stripped
    }
    if form.errors:  # a wrong date, or text longer than any username or reference
        return Filtered(form, None, values, notes)
    entries = AuditEntry.objects.all()
    zone = timezone.get_current_timezone()
    if "from" in values:
        entries = entries.filter(at__gte=start_of(cleaned["from"], zone))
    if "to" in values:
        entries = entries.filter(at__lt=start_of(cleaned["to"] + timedelta(days=1), zone))
    if "user" in values:
        # The name recorded with the entry, or the account's name now: a renamed
        # account's earlier entries are still theirs (a deleted one's keep their text).
        entries = entries.filter(
            Q(username__iexact=values["user"]) | Q(user__username__iexact=values["user"])
        )
    if values.get("action") == NOT_VIEWS:
        entries = entries.exclude(action=Action.CLIENT_VIEW)
    elif "action" in values:
        entries = entries.filter(action=values["action"])
    if "outcome" in values:
        entries = entries.filter(outcome=values["outcome"])
    if "client_id" in values:
        entries = entries.filter(client_id=values["client_id"])
    if "client" in values:
        entries = entries.filter(client_ref__iexact=values["client"])
    return Filtered(form, entries, values, notes)


def start_of(day: date, zone) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), zone)


def reference_of(client_id: str) -> str:
    """The reference a client id was last recorded with: the label of its filter."""
    return (
        AuditEntry.objects.filter(client_id=client_id)
        .exclude(client_ref="")
        .values_list("client_ref", flat=True)
        .first()
        or ""
    )


def client_label(filtered: "Filtered") -> str:
    """The reference to name the client filter by: the latest recorded with its id, else
    the one the link gave (a client nothing was recorded for yet, so nothing is listed)."""
    client_id = filtered.values.get("client_id")
    if not client_id:
        return ""
    return reference_of(client_id) or filtered.form.cleaned_data.get("label", "").strip()


@dataclass(frozen=True)
class Holder:
    """One client id a reference was recorded with ("" for entries without an id)."""

    client_id: str
    entries: int
    last_at: datetime


def holders_of(reference: str) -> list[Holder]:
    """Who a reference stood for, newest first: more than one means it was reused (or
    some entries were recorded before the client's id was known)."""
    rows = (
        AuditEntry.objects.filter(client_ref__iexact=reference)
        .values("client_id")
        .annotate(entries=Count("id"), last_at=Max("at"))
        .order_by("-last_at")
    )
    return [Holder(row["client_id"], row["entries"], row["last_at"]) for row in rows]
