"""Writes whose answer is lost: the request reached the API, the answer did not reach us.

The sandbox carries the write out, then holds its answer past the dashboard's
read timeout (`lose_answer_rate`). The dashboard must then neither create a twin
nor claim that something failed which happened.
"""

import contextlib
import threading
import time

import pytest
import requests
from django.core.cache import cache

from dashboard.audit.models import AuditEntry

NEW = {
    "first_name": "Lost",
    "last_name": "Answer",
    "dob": "1985-05-05",
    "address": "2 Marina",
    "state": "Lagos",
    "country": "Nigeria",
}


@pytest.fixture
def short_timeout(settings):
    settings.API_TIMEOUT = (1, 0.5)


def clients_named(sandbox, last_name: str) -> list[dict]:
    return sandbox.call("GET", f"/v1/clients/{last_name}").json()["data"]


def test_a_create_whose_answer_is_lost_finds_the_client_and_creates_no_twin(
    officer_client, sandbox, short_timeout, random_suffix
):
    last_name = f"Answer{random_suffix}"
    # An API that ignores Idempotency-Key: only the dashboard's own checks prevent a twin.
    sandbox.set_faults(lose_answer_rate=1, hang_seconds=1.5, methods="POST", ignore_idempotency=1)
    form = officer_client.get("/clients/new/").context["form"]
    data = {**NEW, "last_name": last_name, "request_key": form["request_key"].value()}
    response = officer_client.post("/clients/new/", data, follow=True)
    (created,) = clients_named(sandbox, last_name)
    assert response.redirect_chain[-1][0] == f"/clients/{created['clientRef']}/"
    assert "did not confirm" in response.content.decode()
    sandbox.set_faults(ignore_idempotency=1)
    cache.clear()  # not the cache: another instance, or a restart, remembers it too
    # The user, unsure, goes back and presses Save again on the same form.
    again = officer_client.post("/clients/new/", data)
    assert again.status_code == 302
    assert len(clients_named(sandbox, last_name)) == 1
    posted = [call for call in sandbox.received() if call["method"] == "POST"]
    assert len(posted) == 1  # the second Save did not even reach the API
    entry = AuditEntry.objects.get(action="client.create")
    assert (entry.outcome, entry.client_ref) == ("success", created["clientRef"])
    assert entry.details["answer"] == "lost"
    assert entry.details["checked"] == f"found {created['clientRef']}"


def test_the_idempotency_key_sent_is_scoped_to_the_user(officer_client, sandbox, random_suffix):
    last_name = f"Tabs{random_suffix}"
    data = {**NEW, "last_name": last_name, "request_key": "ab" * 16}
    assert officer_client.post("/clients/new/", data).status_code == 302
    # Another dashboard user's form can never share this key at the API: it is scoped.
    from tests.conftest import make_user, signed_in_client

    other = signed_in_client(make_user(f"olu2{random_suffix}", "Officer"))
    assert other.post("/clients/new/", data).status_code == 302
    keys = [call["idempotency_key"] for call in sandbox.received() if call["method"] == "POST"]
    assert len(keys) == 2 and len(set(keys)) == 2 and all(len(key) == 32 for key in keys)
    assert "ab" * 16 not in keys


def test_a_lost_create_that_did_not_happen_says_so_and_keeps_the_input(
    officer_client, sandbox, short_timeout, random_suffix
):
    # The API answers nothing and creates nothing: a gateway's 504.
    sandbox.set_faults(error_rate=1, error_status=504, methods="POST")
    data = {**NEW, "last_name": f"Never{random_suffix}", "city": "Epe"}
    response = officer_client.post("/clients/new/", data)
    html = response.content.decode()
    assert response.status_code == 503
    assert "no client with these details can be found yet" in html
    assert 'value="Epe"' in html
    key = response.context["form"]["request_key"].value()
    assert len(key) == 32  # the same key goes with the next Save
    entry = AuditEntry.objects.get(action="client.create")
    assert entry.outcome == "failure" and entry.details["checked"] == "none found"


def test_a_lost_create_that_cannot_be_checked_says_so(
    officer_client, sandbox, short_timeout, random_suffix
):
    sandbox.set_faults(error_rate=1, error_status=504)  # every call fails: no check either
    response = officer_client.post("/clients/new/", {**NEW, "last_name": f"U{random_suffix}"})
    assert response.status_code == 503
    assert "cannot be checked right now" in response.content.decode()


def test_a_delete_whose_answer_is_lost_reports_that_it_happened(
    manager_client, sandbox, short_timeout, random_suffix
):
    client = sandbox.create_client(lastName=f"Gone{random_suffix}")
    sandbox.set_faults(lose_answer_rate=1, hang_seconds=1.5, methods="DELETE")
    response = manager_client.post(f"/clients/{client['clientRef']}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/clients/"
    assert f"Deleted Test Gone{random_suffix} ({client['clientRef']})" in response.content.decode()
    sandbox.clear_faults()
    assert clients_named(sandbox, f"Gone{random_suffix}") == []
    assert AuditEntry.objects.get(action="client.delete").outcome == "success"


def test_a_delete_that_did_not_happen_says_it_was_not_deleted(
    manager_client, sandbox, short_timeout, random_suffix
):
    client = sandbox.create_client(lastName=f"Kept{random_suffix}")
    sandbox.set_faults(error_rate=1, error_status=502, methods="DELETE")
    response = manager_client.post(
        f"/clients/{client['clientRef']}/delete/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 503
    assert "was not deleted: the Clients API did not confirm" in response.content.decode()
    assert len(clients_named(sandbox, f"Kept{random_suffix}")) == 1


def test_a_matching_client_of_unknown_age_is_shown_not_assumed(
    officer_client, sandbox, short_timeout, random_suffix, monkeypatch
):
    from dashboard.clients import edit

    twin = sandbox.create_client(lastName=f"Undated{random_suffix}", dob="1985-05-05")
    monkeypatch.setattr(edit, "created_since", lambda client, since: None)  # no createdAt
    sandbox.set_faults(error_rate=1, error_status=504, methods="POST")
    data = {**NEW, "last_name": f"Undated{random_suffix}", "first_name": "Test"}
    data |= {"address": "1 Marina"}
    response = officer_client.post("/clients/new/", data)
    html = response.content.decode()
    assert response.status_code == 503
    assert "may be the one this Save made, or an earlier one" in html
    assert f'href="/clients/{twin["clientRef"]}/"' in html


def test_a_lost_edit_read_back_ignores_what_someone_else_changed_meanwhile(
    officer_client, sandbox, settings, random_suffix
):
    """Our PATCH (the city) lands, its answer is lost, and before the dashboard reads the
    client back another writer changes the last name: the read-back compares only what
    this Save changed, so it reports the Save as done, and the other change stands."""
    from tests.clients.test_edit_views import create_in_sandbox, edit_form

    client = create_in_sandbox(sandbox, random_suffix)
    path, by_ref = f"/v1/clients/{client['id']}", f"/v1/clients/{client['clientRef']}"
    settings.API_TIMEOUT = (1, 2)  # the window in which the other writer must land
    sandbox.set_faults(lose_answer_rate=1, hang_seconds=4, methods="PATCH")
    theirs = {"firstName": "Kunle", "lastName": f"Adeyemi{random_suffix}", "dob": "1979-09-09"}
    failed: list[BaseException] = []

    def other_writer() -> None:
        try:
            deadline = time.monotonic() + 5
            while sandbox.call("GET", by_ref, timeout=1).json()["data"]["city"] != "Warri":
                assert time.monotonic() < deadline, "the dashboard's PATCH never landed"
                time.sleep(0.02)  # polling the sandbox, with a deadline: ours is in
            # Its answer is held too (every PATCH's is): the write is what counts.
            with contextlib.suppress(requests.ReadTimeout):
                sandbox.call("PATCH", path, json=theirs, timeout=0.5)
        except BaseException as error:  # re-raised by the test, below
            failed.append(error)

    writer = threading.Thread(target=other_writer)
    writer.start()
    try:
        response = officer_client.post(
            f"/clients/{client['clientRef']}/edit/", {**edit_form(client), "city": "Warri"}
        )
    finally:
        writer.join(10)
    if failed:
        raise failed[0]
    # In the sandbox's record: our read of the client, our PATCH, theirs, our read-back.
    calls = sandbox.received()
    ours = next(call for call in calls if call["method"] == "PATCH" and call["request_id"])
    order = [
        ("ours" if call["request_id"] else "theirs", call["method"])
        for call in calls
        if call["method"] == "PATCH"
        or (call["method"] == "GET" and call["request_id"] == ours["request_id"])
    ]
    assert order == [("ours", "GET"), ("ours", "PATCH"), ("theirs", "PATCH"), ("ours", "GET")]
    assert response.status_code == 302  # saved: the city is there, whatever the last name
    entry = AuditEntry.objects.get(action="client.update")
    assert entry.outcome == "success"
    assert entry.details == {**entry.details, "answer": "lost", "checked": "read back: saved"}
    now = sandbox.call("GET", by_ref).json()["data"]
    assert (now["city"], now["lastName"]) == ("Warri", f"Adeyemi{random_suffix}")
