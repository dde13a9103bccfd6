"""How an entry reads to a person: details and changes as short labelled lines.

Entries keep codes and raw JSON (the CSV export writes them so); only the pages spell
them out. Unknown keys still read, as their name in words: an entry written by an
older or newer release must never break the log.
"""

from dataclasses import dataclass
from typing import Any

from .models import ACTION_FILTERS, Outcome

# The client's fields as the service module names them (dashboard/api: Client), which
# is how edits record their changes.
FIELD_LABELS = {
    "first_name": "First name",
    "middle_name": "Middle name",
    "last_name": "Last name",
    "dob": "Date of birth",
    "address": "Address",
    "city": "City",
    "state": "State",
    "country": "Country",
    "phone_number": "Phone number",
    "email": "Email",
    "custom_data": "Custom data",
    "image": "Photo",
}

# What the views put in `details`: exports (clients/exports/views.py), creates and
# deletes (clients/edit.py), and the audit log's own export (its filters).
DETAIL_LABELS = {
    "filters": "Filters",
    "rows": "Rows",
    "api_total": "Rows the API counted",
    "note": "Note",
    "capped": "Search capped",
    "request_key": "Form key",
    "answer": "API answer",
    "checked": "Checked",
    "name": "Client",
    "q": "Search",
    "from": "From",
    "to": "To",
    "user": "Person",
    "action": "Action",
    "outcome": "Outcome",
    "client": "Client reference",
    "client_id": "Client id",
}

EMPTY = "—"
COUNTS = frozenset({"rows", "api_total"})  # shown with thousands separators


@dataclass(frozen=True)
class Line:
    label: str
    value: str


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


def label_of(key: str, labels: dict[str, str]) -> str:
    return labels.get(key) or str(key).replace("_", " ").strip().capitalize() or EMPTY


def readable(value: Any, *, key: str = "", labels: dict[str, str] | None = None) -> str:
    """One stored value in words: nested objects as `Label: value` pairs, lists joined.

    `labels` names the keys of nested objects (the details' filters); without it they
    are shown as stored (a client's custom data: its keys are the lender's own)."""
    if value is None or value == "":
        return EMPTY
    if value is True or value is False:
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return f"{value:,}" if key in COUNTS else str(value)
    if isinstance(value, dict):
        if not value:
            return "none"
        return "; ".join(
            f"{label_of(name, labels) if labels else name}: "
            f"{readable(inner, key=name, labels=labels)}"
            for name, inner in value.items()
        )
    if isinstance(value, list | tuple):
        return ", ".join(readable(inner, labels=labels) for inner in value) if value else "none"
    text = str(value)
    if labels is DETAIL_LABELS and key == "action" and text in ACTION_FILTERS:
        return ACTION_FILTERS[text]
    if labels is DETAIL_LABELS and key == "outcome" and text in Outcome.values:
        return Outcome(text).label
    return text


def detail_lines(details: Any) -> list[Line]:
    if not isinstance(details, dict):
        return [Line("Details", readable(details))] if details else []
    return [
        Line(label_of(key, DETAIL_LABELS), readable(value, key=key, labels=DETAIL_LABELS))
        for key, value in details.items()
        if key not in SHOWN_APART
    ]


# A deleted client's snapshot is a page of its own (approvals:snapshot), for Managers.
SHOWN_APART = frozenset({"snapshot"})


def change_lines(changes: Any) -> list[Change]:
    if not isinstance(changes, dict):
        return []
    lines = []
    for field, change in changes.items():
        if not isinstance(change, dict):  # not the {"old", "new"} the views write
            change = {"old": None, "new": change}
        lines.append(
            Change(
                label_of(field, FIELD_LABELS),
                readable(change.get("old")),
                readable(change.get("new")),
            )
        )
    return lines


def field_names(changes: Any) -> str:
    """The changed fields' labels, for a one-line summary: "City, Email"."""
    if not isinstance(changes, dict):
        return ""
    return ", ".join(label_of(field, FIELD_LABELS) for field in changes)
