"""A deleted client's snapshot: complete, for Managers only, linked from the audit log; a
re-create sends one POST of its writable fields and links the two references."""

import json

import pytest

from dashboard.approvals.models import Request
from dashboard.audit.models import Action, AuditEntry, Outcome
from tests.approvals.test_deletions import ask
from tests.conftest import make_user, signed_in_client


@pytest.fixture
def deleted(officer_client, sandbox, client_in_sandbox):
    """A client deleted through four eyes; its CLIENT_DELETE audit entry."""
    ask(officer_client, client_in_sandbox["clientRef"])
    checker = signed_in_client(make_user("chidi", "Manager"))
    checker.post(f"/requests/{Request.objects.get().pk}/approve/", {"comment": "ok"})
    sandbox.forget_received()
    return AuditEntry.objects.get(action=Action.CLIENT_DELETE, outcome=Outcome.SUCCESS)


def test_the_snapshot_is_complete_and_for_managers_only(
    deleted, client_in_sandbox, manager_client, officer_client, viewer_client
):
    kept = deleted.details["snapshot"]
    for name in ("first_name", "last_name", "dob", "address", "state", "country", "email"):
        assert kept[name] is not None, name
    assert kept["id"] == client_in_sandbox["id"]
    assert kept["portfolio"] == {"loans": 0, "deposits": 0, "partial": False, "currencies": []}
    page = manager_client.get(f"/requests/snapshots/{deleted.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert client_in_sandbox["email"] in html and "Loans and deposits are not re-created" in html
    for other in (officer_client, viewer_client):
        assert other.get(f"/requests/snapshots/{deleted.pk}/").status_code == 403
    log = manager_client.get(f"/audit/?client_id={client_in_sandbox['id']}").content.decode()
    assert f'href="/requests/snapshots/{deleted.pk}/" data-snapshot-link' in log


def test_recreate_sends_one_post_of_the_writable_fields_and_links_both(
    deleted, client_in_sandbox, manager_client, sandbox
):
    response = manager_client.post(f"/requests/snapshots/{deleted.pk}/recreate/")
    assert response.status_code == 302
    posts = [call for call in sandbox.received() if call["method"] == "POST"]
    assert len(posts) == 1 and posts[0]["path"] == "/v1/clients"
    made = AuditEntry.objects.get(action=Action.CLIENT_RECREATE)
    assert made.outcome == Outcome.SUCCESS and made.client_ref != ""
    assert response["Location"] == f"/clients/{made.client_ref}/"
    assert made.details == {
        "snapshot_entry": deleted.pk,
        "from_ref": client_in_sandbox["clientRef"],
        "from_id": client_in_sandbox["id"],
    }
    new = sandbox.call("GET", f"/v1/clients/{made.client_ref}").json()["data"]
    assert new["id"] != client_in_sandbox["id"]
    for field in ("firstName", "lastName", "dob", "email", "address", "state", "country"):
        assert new[field] == client_in_sandbox[field], field
    # A second confirmation makes no twin.
    sandbox.forget_received()
    again = manager_client.post(f"/requests/snapshots/{deleted.pk}/recreate/")
    assert again.status_code == 409 and made.client_ref in again.content.decode()
    assert sandbox.received() == []
    page = manager_client.get(f"/requests/snapshots/{deleted.pk}/").content.decode()
    assert f'as <a href="/clients/{made.client_ref}/"' in page


def test_an_officer_cannot_recreate(deleted, officer_client, sandbox):
    assert officer_client.post(f"/requests/snapshots/{deleted.pk}/recreate/").status_code == 403
    assert sandbox.received() == []


def test_the_log_row_does_not_spill_the_snapshot(deleted, manager_client, client_in_sandbox):
    log = manager_client.get("/audit/?action=client.delete").content.decode()
    assert json.dumps(client_in_sandbox["email"])[1:-1] not in log.split("data-snapshot-link")[0]
