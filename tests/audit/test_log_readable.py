"""The audit log reads as words: action names, labelled details and changes, times with
their zone, and a layout a phone can show (the cells carry their labels)."""

from datetime import UTC, datetime

import pytest

from dashboard.audit import readable
from dashboard.audit.models import Action, AuditEntry, Outcome
from tests.audit.dom import cells, entry_rows, parse


def only_row(manager_client, **fields) -> dict[str, str]:
    entry = AuditEntry.objects.create(at=datetime(2025, 3, 1, 9, 5, 7, tzinfo=UTC), **fields)
    html = manager_client.get(f"/audit/?action={entry.action}&to=2025-12-31").content
    (row,) = entry_rows(html)
    return cells(row)


def test_actions_are_named_in_words(manager_client, manager):
    for action in (Action.LOGIN_FAILED, Action.CLIENT_UPDATE, Action.EXPORT_AUDIT):
        assert only_row(manager_client, action=action)["Action"] == action.label
    assert Action.LOGIN_FAILED.label == "Failed sign-in"


def test_changes_read_old_to_new_with_field_labels(manager_client, manager):
    row = only_row(
        manager_client,
        action=Action.CLIENT_UPDATE,
        client_id="id-1",
        client_ref="CL-000001",
        changes={
            "phone_number": {"old": "+2348030000000", "new": "+2348031111111"},
            "dob": {"old": "1990-01-02", "new": "1990-02-01"},
            "middle_name": {"old": None, "new": "Chiamaka"},
            "custom_data": {"old": {"segment": "sme"}, "new": {"segment": "retail", "tier": 2}},
        },
    )
    assert row["Details"] == (
        "Phone number: +2348030000000 → +2348031111111 "
        "Date of birth: 1990-01-02 → 1990-02-01 "
        "Middle name: — → Chiamaka "
        "Custom data: segment: sme → segment: retail; tier: 2"
    )
    assert "{" not in row["Details"] and "'old'" not in row["Details"]


def test_details_read_as_labelled_values_nested_ones_too(manager_client, manager):
    row = only_row(
        manager_client,
        action=Action.EXPORT_CLIENTS,
        outcome=Outcome.FAILURE,
        api_status=503,
        message="The Clients API is unavailable",
        details={"filters": {"q": "okafor"}, "rows": 12500, "api_total": 12500},
    )
    assert row["Details"] == (
        "The Clients API is unavailable Filters: Search: okafor Rows: 12,500 "
        "Rows the API counted: 12,500"
    )
    assert row["Outcome"] == "Failure 503"


def test_the_audit_exports_own_filters_read_in_words(manager_client, manager):
    row = only_row(
        manager_client,
        action=Action.EXPORT_AUDIT,
        details={"filters": {"action": "auth.login_failed", "outcome": "failure"}, "rows": 3},
    )
    assert row["Details"] == "Filters: Action: Failed sign-in; Outcome: Failure Rows: 3"


def test_an_export_without_the_views_says_so_in_words(manager_client, manager):
    row = only_row(
        manager_client,
        action=Action.EXPORT_AUDIT,
        details={"filters": {"action": "not-views"}, "rows": 3},
    )
    assert row["Details"] == "Filters: Action: Any but views Rows: 3"


@pytest.mark.parametrize(
    ("details", "lines"),
    [
        ({}, []),
        ({"filters": {}}, [("Filters", "none")]),
        ({"checked": True, "answer": "lost"}, [("Checked", "Yes"), ("API answer", "lost")]),
        ({"some_new_key": [1, "two", None]}, [("Some new key", "1, two, —")]),
        ("not an object", [("Details", "not an object")]),
    ],
)
def test_any_details_read_even_ones_this_release_does_not_know(details, lines):
    assert [(line.label, line.value) for line in readable.detail_lines(details)] == lines


def test_custom_data_keys_are_the_lenders_own_not_relabelled():
    (change,) = readable.change_lines({"custom_data": {"old": None, "new": {"name": "x"}}})
    assert (change.label, change.new) == ("Custom data", "name: x")  # not "Client: x"


def test_times_show_their_zone(manager_client, manager, settings):
    row = only_row(manager_client, action=Action.LOGOUT, username="ada")
    assert row["When"] == "01 Mar 2025, 10:05:07 WAT"  # 09:05:07 UTC in Lagos
    page = parse(manager_client.get("/audit/?to=2025-12-31").content)
    assert page.all("th", scope="col")[0].text == "When (Africa/Lagos)"
    assert page.one("time")["datetime"] == "2025-03-01T09:05:07+00:00"

    settings.TIME_ZONE = "UTC"
    page = parse(manager_client.get("/audit/?to=2025-12-31").content)
    assert page.one("time").text == "01 Mar 2025, 09:05:07 UTC"


def test_every_cell_carries_its_label_for_the_phone_layout(manager_client, manager):
    AuditEntry.objects.create(action=Action.LOGOUT, username="ada")
    page = parse(manager_client.get("/audit/").content)
    headers = [header.text for header in page.one("thead").all("th")]
    for row in page.one("tbody").all("tr"):
        labels = [cell["data-label"] for cell in row.all("td")]
        assert labels == ["When" if name.startswith("When") else name for name in headers]
