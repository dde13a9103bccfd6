"""Writes whose answer is lost: the request reached the API, the answer did not reach us.

The sandbox carries the write out, then holds its answer past the dashboard's
read timeout (`lose_answer_rate`). The dashboard must then neither create a twin
nor claim that something failed which happened.
"""

import pytest

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
    sandbox.set_faults(lose_answer_rate=1, hang_seconds=1.5, methods="POST")
    form = officer_client.get("/clients/new/").context["form"]
    data = {**NEW, "last_name": last_name, "request_key": form["request_key"].value()}
    response = officer_client.post("/clients/new/", data, follow=True)
    (created,) = clients_named(sandbox, last_name)
    assert response.redirect_chain[-1][0] == f"/clients/{created['clientRef']}/"
    assert "did not confirm" in response.content.decode()
    sandbox.clear_faults()
    # The user, unsure, goes back and presses Save again on the same form.
    again = officer_client.post("/clients/new/", data)
    assert again.status_code == 302
    assert len(clients_named(sandbox, last_name)) == 1
    posted = [call for call in sandbox.received() if call["method"] == "POST"]
    assert len(posted) == 1  # the second Save did not even reach the API
    entry = AuditEntry.objects.get(action="client.create")
    assert (entry.outcome, entry.client_ref) == ("success", created["clientRef"])
    assert entry.details == {"answer": "lost", "checked": f"found {created['clientRef']}"}


def test_an_api_honouring_the_key_dedups_a_save_repeated_from_another_tab(
    officer_client, sandbox, random_suffix
):
    last_name = f"Tabs{random_suffix}"
    data = {**NEW, "last_name": last_name, "request_key": "ab" * 16}
    assert officer_client.post("/clients/new/", data).status_code == 302
    from django.core.cache import cache

    cache.clear()  # as if the dashboard had forgotten (another instance, a restart)
    assert officer_client.post("/clients/new/", data).status_code == 302
    assert len(clients_named(sandbox, last_name)) == 1
    keys = {call["idempotency_key"] for call in sandbox.received() if call["method"] == "POST"}
    assert keys == {"ab" * 16}


def test_a_lost_create_that_did_not_happen_says_so_and_keeps_the_input(
    officer_client, sandbox, short_timeout, random_suffix
):
    # The API answers nothing and creates nothing: a gateway's 504.
    sandbox.set_faults(error_rate=1, error_status=504, methods="POST")
    data = {**NEW, "last_name": f"Never{random_suffix}", "city": "Epe"}
    response = officer_client.post("/clients/new/", data)
    html = response.content.decode()
    assert response.status_code == 503
    assert "no client with these details exists: it was not created" in html
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
