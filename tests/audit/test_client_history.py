"""A client's history is keyed on its API id, not its reference: the API gives a deleted
client's reference to a new client, which must not inherit the old one's history."""

from datetime import UTC, datetime

from dashboard.audit.models import Action, AuditEntry
from dashboard.sandbox.seed import make_client
from tests.audit.dom import cells, entry_rows, parse

HTMX = {"HX-Request": "true"}


def history_url(page_html: bytes) -> str:
    (region,) = [
        div
        for div in parse(page_html).all("div", hx_trigger="load")
        if "/history/" in div["hx-get"]  # not "Who viewed this client" (its own test module)
    ]
    return region["hx-get"]


def all_entries_url(page_html: bytes) -> str:
    (link,) = [link for link in parse(page_html).all("a") if link.text == "All entries"]
    return link["href"]


def test_a_new_client_with_a_deleted_ones_reference_has_none_of_its_history(
    manager_client, sandbox, random_suffix
):
    reference = f"REUSED-{random_suffix}"
    old = sandbox.add_client(clientRef=reference, firstName="Old")
    # The sandbox derives ids from a sequence that a delete of the newest client winds
    # back (an API's ids are never reused): a client made after it keeps them apart.
    sandbox.add_client(clientRef=f"AFTER-{random_suffix}")
    assert manager_client.get(f"/clients/{reference}/").status_code == 200
    b"".join(manager_client.get(f"/clients/{reference}/loans.csv").streaming_content)
    assert manager_client.post(f"/clients/{reference}/delete/").status_code == 302
    old_entries = AuditEntry.objects.filter(client_ref=reference)
    assert {entry.client_id for entry in old_entries} == {old["id"]}  # the views record the id

    new = sandbox.add_client(clientRef=reference, firstName="New")
    assert new["id"] != old["id"]
    page = manager_client.get(f"/clients/{reference}/").content
    url = history_url(page)
    assert url == f"/clients/{reference}/history/?client_id={new['id']}"
    region = parse(manager_client.get(url, headers=HTMX).content)
    assert region.text == "No changes recorded for this client yet."

    # "All entries" is the new client's entries too, labelled with its reference.
    log = manager_client.get(all_entries_url(page))
    assert all_entries_url(page) == f"/audit/?client_id={new['id']}&label={reference}"
    # Only the new client's own read-access entry: its page was just opened.
    assert [cells(row)["Action"] for row in entry_rows(log.content)] == ["Client viewed"]
    assert f"Client {reference}" in parse(log.content).one(data_client_filter=True).text

    # The old client's history is still its own, under its id.
    old_log = manager_client.get(f"/audit/?client_id={old['id']}", headers=HTMX).content
    assert [cells(row)["Action"] for row in entry_rows(old_log)] == [
        "Client deleted",
        "Loans exported",
        "Client viewed",  # the page; the export was within the same window (one entry)
    ]


def test_the_history_lists_the_clients_own_entries_by_id(manager, manager_client):
    at = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    AuditEntry.objects.create(
        at=at,
        username="mariam",
        action=Action.CLIENT_UPDATE,
        client_id="id-new",
        client_ref="CL-9",
        changes={
            "city": {"old": "Yaba", "new": "Ikeja"},
            "phone_number": {"old": None, "new": "1"},
        },
    )
    AuditEntry.objects.create(
        at=at,
        username="mariam",
        action=Action.CLIENT_DELETE,
        client_id="id-old",
        client_ref="CL-9",
    )
    # Without an id (an older row, or a failure before the client was read): no one's.
    AuditEntry.objects.create(
        at=at, username="mariam", action=Action.EXPORT_LOANS, client_ref="CL-9"
    )
    response = manager_client.get("/clients/CL-9/history/?client_id=id-new", headers=HTMX)
    assert response.status_code == 200 and b"<html" not in response.content
    (item,) = parse(response.content).all("li")
    assert item.text == "01 Mar 2025, 10:00:00 WAT · mariam · Client updated (City, Phone number)"


def test_the_history_costs_one_query_and_no_api_call(
    manager_client, sandbox, django_assert_max_num_queries
):
    AuditEntry.objects.create(action=Action.CLIENT_UPDATE, client_id="id-1", client_ref="CL-1")
    sandbox.forget_received()
    with django_assert_max_num_queries(3):  # the session, the user, the entries
        response = manager_client.get("/clients/CL-1/history/?client_id=id-1", headers=HTMX)
    assert response.status_code == 200 and "Client updated" in response.content.decode()
    assert sandbox.received() == []


def test_without_an_id_the_history_guesses_nothing(manager_client, sandbox):
    AuditEntry.objects.create(action=Action.CLIENT_UPDATE, client_id="id-1", client_ref="CL-1")
    sandbox.forget_received()
    region = manager_client.get("/clients/CL-1/history/", headers=HTMX)
    assert parse(region.content).text == "Reload the page to see this client’s history."
    assert sandbox.received() == []


def test_a_plain_visit_goes_to_the_log_by_id_or_else_by_reference(manager_client):
    by_id = manager_client.get("/clients/CL-1/history/?client_id=id%201")
    assert by_id.status_code == 302 and by_id["Location"] == "/audit/?client_id=id+1"
    by_reference = manager_client.get("/clients/CL-1/history/")
    assert by_reference["Location"] == "/audit/?client=CL-1"


def test_only_managers_see_the_history(viewer_client):
    response = viewer_client.get("/clients/CL-1/history/?client_id=id-1", headers=HTMX)
    assert response.status_code == 403


def test_an_export_that_failed_once_the_client_was_read_is_in_its_history(manager_client, sandbox):
    client_id = make_client(17, 1000)[0]["id"]
    manager_client.get("/clients/CL-000017/")  # the page that offers the export read the id
    sandbox.set_faults(error_rate=1, path_prefix=f"/v1/clients/{client_id}/loans")
    assert manager_client.get("/clients/CL-000017/loans.csv").status_code == 503
    failed = AuditEntry.objects.get(action=Action.EXPORT_LOANS)
    assert (failed.outcome, failed.client_id) == ("failure", client_id)
    history = manager_client.get(
        f"/clients/CL-000017/history/?client_id={client_id}", headers=HTMX
    ).content
    assert "Loans exported Failure 503" in parse(history).text
