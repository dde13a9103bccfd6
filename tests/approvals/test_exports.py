"""Four-eyes whole-book export (FOUR_EYES_EXPORT) over the live sandbox: without an approval
the export is refused and reads nothing; the requester cannot approve their own; an approved
export downloads once, for its own search, within its window (also when two downloads race);
every step is an audit entry; a client's loans and deposits exports stay direct."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dashboard.approvals.models import Kind, Request, Status
from dashboard.audit.models import Action, AuditEntry, Outcome
from tests.exports.test_exports import every_client, read_csv
from tests.fresh_database import run_on_a_fresh_database

REASON = "Quarterly book for the regulator"


@pytest.fixture(autouse=True)
def four_eyes_export(settings):
    settings.FOUR_EYES_EXPORT = True


def ask(http: Client, term: str = "", reason: str = REASON):
    return http.post("/requests/export/", {"q": term, "reason": reason})


def the_request() -> Request:
    return Request.objects.get(kind=Kind.EXPORT_BOOK)


def approved(asker: Client, approver: Client, term: str = "") -> Request:
    ask(asker, term)
    response = approver.post(f"/requests/{the_request().pk}/export/approve/", {"comment": "ok"})
    assert response.status_code == 302
    return the_request()


def download(http: Client, pk: int, term: str = ""):
    query = f"?approval={pk}" + (f"&q={term}" if term else "")
    return http.get(f"/clients/export.csv{query}")


def exported() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=Action.EXPORT_CLIENTS))


def test_without_approval_the_export_is_refused(manager_client, sandbox):
    for query in ("", "?q=okafor", "?approval=999", "?approval=x"):
        response = manager_client.get(f"/clients/export.csv{query}")
        assert response.status_code == 403 and not response.streaming
        assert "needs another Manager" in response.content.decode()
    assert sandbox.received() == [] and exported() == []


def test_a_request_reads_nothing_and_is_audited(manager_client, sandbox):
    response = ask(manager_client, "okafor")
    assert response.status_code == 302 and response["Location"] == "/requests/"
    assert sandbox.received() == []
    asked = the_request()
    assert (asked.status, asked.search_term, asked.reason) == (Status.PENDING, "okafor", REASON)
    assert asked.expires_at - asked.requested_at == timedelta(hours=24)
    entry = AuditEntry.objects.get(action=Action.EXPORT_REQUESTED)
    assert (entry.username, entry.details["search"], entry.details["reason"]) == (
        "mariam",
        "okafor",
        REASON,
    )
    again = ask(manager_client, "okafor")  # a double click is not a second request
    assert again.status_code == 409 and "already asked" in again.content.decode()
    assert Request.objects.count() == 1


def test_the_requests_page_offers_the_decision_to_another_manager(
    manager_client, checker_client, sandbox
):
    ask(manager_client, "okafor")
    pk = the_request().pk
    page = checker_client.get("/requests/").content.decode()
    assert f'action="/requests/{pk}/export/approve/"' in page
    assert "clients matching “okafor”" in page and REASON in page
    assert "data-requests-badge>1<" in page.replace(" ", "").replace("\n", "")
    own = manager_client.get("/requests/").content.decode()
    assert "/export/approve/" not in own and "another Manager decides" in own
    assert "data-requests-badge" not in own  # nothing waits on the asker


def test_a_reason_is_required(manager_client, sandbox):
    response = ask(manager_client, "okafor", reason="no")
    html = response.content.decode()
    assert response.status_code == 400 and "at least 5 characters" in html
    assert 'name="q" value="okafor"' in html and not Request.objects.exists()


def test_the_clients_list_offers_a_request_instead_of_the_link(manager_client, sandbox, settings):
    html = manager_client.get("/clients/").content.decode()
    assert 'action="/requests/export/"' in html and 'href="/clients/export.csv' not in html
    settings.FOUR_EYES_EXPORT = False
    html = manager_client.get("/clients/").content.decode()
    assert 'action="/requests/export/"' not in html and 'href="/clients/export.csv' in html


def test_the_requester_cannot_decide_their_own(manager_client, sandbox):
    ask(manager_client)
    pk = the_request().pk
    for step in ("approve", "reject"):
        response = manager_client.post(f"/requests/{pk}/export/{step}/", {"comment": "mine"})
        assert response.status_code == 403
        assert (
            "You asked for this export: another Manager decides it." in response.content.decode()
        )
    assert the_request().status == Status.PENDING
    refused = AuditEntry.objects.filter(
        action__in=[Action.EXPORT_APPROVED, Action.EXPORT_REJECTED]
    )
    assert refused.count() == 2 and {entry.outcome for entry in refused} == {Outcome.FAILURE}
    assert sandbox.received() == []


def test_an_approved_export_downloads_once(manager_client, checker_client, sandbox):
    asked = approved(manager_client, checker_client)
    assert asked.status == Status.APPROVED and asked.decided_by_name == "chidi"
    assert asked.download_until - asked.decided_at == timedelta(hours=24)
    entry = AuditEntry.objects.get(action=Action.EXPORT_APPROVED)
    assert (entry.outcome, entry.details["comment"]) == (Outcome.SUCCESS, "ok")
    page = manager_client.get("/requests/").content.decode()
    assert f'href="/clients/export.csv?approval={asked.pk}"' in page
    assert "Download (once, until" in page
    assert download(checker_client, asked.pk).status_code == 403  # only for its requester

    response = download(manager_client, asked.pk)
    assert response.status_code == 200 and response.streaming
    assert Request.objects.get(pk=asked.pk).status == Status.EXECUTED  # before any row is read
    rows = read_csv(response)
    assert [row["client_ref"] for row in rows] == [c["clientRef"] for c in every_client(sandbox)]
    asked.refresh_from_db()
    assert asked.status == Status.EXECUTED and asked.downloaded_at is not None
    [entry] = exported()
    assert (entry.username, entry.outcome, entry.details["rows"]) == (
        "mariam",
        "success",
        len(rows),
    )

    sandbox.forget_received()
    again = download(manager_client, asked.pk)
    assert again.status_code == 410 and "already downloaded" in again.content.decode()
    assert sandbox.received() == [] and len(exported()) == 1


def test_past_its_window_the_download_is_refused(manager_client, checker_client, sandbox):
    asked = approved(manager_client, checker_client)
    Request.objects.filter(pk=asked.pk).update(
        download_until=timezone.now() - timedelta(seconds=1)
    )
    sandbox.forget_received()
    response = download(manager_client, asked.pk)
    assert response.status_code == 410 and "has expired" in response.content.decode()
    assert sandbox.received() == []
    manager_client.get("/requests/")  # the page marks what has run out
    assert the_request().status == Status.EXPIRED


def test_a_rejected_export_cannot_be_downloaded(manager_client, checker_client, sandbox):
    ask(manager_client)
    pk = the_request().pk
    response = checker_client.post(f"/requests/{pk}/export/reject/", {"comment": "Not now"})
    assert response.status_code == 302 and the_request().status == Status.REJECTED
    entry = AuditEntry.objects.get(action=Action.EXPORT_REJECTED)
    assert (entry.username, entry.details["comment"]) == ("chidi", "Not now")
    refused = download(manager_client, pk)
    assert refused.status_code == 403 and "rejected by chidi" in refused.content.decode()
    late = checker_client.post(f"/requests/{pk}/export/approve/")
    assert late.status_code == 409 and the_request().status == Status.REJECTED
    assert sandbox.received() == []


def test_a_request_not_decided_in_time_expires(manager_client, checker_client, sandbox):
    ask(manager_client)
    Request.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = checker_client.post(f"/requests/{the_request().pk}/export/approve/")
    assert response.status_code == 409 and "has expired" in response.content.decode()
    assert the_request().status == Status.EXPIRED
    assert AuditEntry.objects.filter(action=Action.EXPORT_EXPIRED).count() == 1
    assert download(manager_client, the_request().pk).status_code == 410


def test_an_approval_covers_its_own_search_only(manager_client, checker_client, sandbox):
    asked = approved(manager_client, checker_client, term="okafor")
    for other in ("", "ada"):
        response = download(manager_client, asked.pk, other)
        assert response.status_code == 403 and "matching “okafor”" in response.content.decode()
    assert sandbox.received() == [] and the_request().status == Status.APPROVED
    rows = read_csv(download(manager_client, asked.pk, "okafor"))
    found = sandbox.call("GET", "/v1/clients/okafor").json()["data"]
    assert [row["client_ref"] for row in rows] == [client["clientRef"] for client in found]
    [entry] = exported()
    assert entry.details["filters"] == {"q": "okafor"}


def test_an_approval_covers_its_search_however_it_was_spaced(
    manager_client, checker_client, sandbox
):
    asked = approved(manager_client, checker_client, term="  okafor  ")
    assert asked.search_term == "okafor"  # read as the list and the export read it
    rows = read_csv(download(manager_client, asked.pk, "okafor%20%20"))
    found = sandbox.call("GET", "/v1/clients/okafor").json()["data"]
    assert [row["client_ref"] for row in rows] == [client["clientRef"] for client in found]


def test_a_failed_first_page_keeps_the_approval(manager_client, checker_client, sandbox):
    asked = approved(manager_client, checker_client, term="okafor")
    sandbox.set_faults(error_rate=1, error_status=500, methods="GET")
    failed = download(manager_client, asked.pk, "okafor")
    assert failed.status_code >= 500 and not failed.streaming
    assert the_request().status == Status.APPROVED  # no row was sent: it can be tried again
    sandbox.clear_faults()
    assert read_csv(download(manager_client, asked.pk, "okafor"))
    assert the_request().status == Status.EXECUTED


def test_a_clients_loans_export_stays_direct(manager_client, sandbox):
    response = manager_client.get("/clients/CL-000017/loans.csv")
    assert response.status_code == 200 and response.streaming
    b"".join(response.streaming_content)


def test_with_four_eyes_off_the_export_is_direct(manager_client, sandbox, settings):
    settings.FOUR_EYES_EXPORT = False
    assert read_csv(manager_client.get("/clients/export.csv?q=okafor"))
    response = ask(manager_client, "okafor")  # nothing to approve: straight to the file
    assert response["Location"] == "/clients/export.csv?q=okafor"
    assert not Request.objects.exists()


RACE = """
import threading
from django.db import connection
from django.test import RequestFactory
from dashboard.approvals import exports
from dashboard.approvals.deletions import Refused
from tests.conftest import make_user

def asking(user):
    request = RequestFactory().post("/")
    request.user = user
    return request

maker, checker = make_user("mariam", "Manager"), make_user("chidi", "Manager")
asked = exports.request_export(asking(maker), search_term="", reason="Twice at once")
exports.approve(asking(checker), asked.pk, comment="")
connection.close()
start = threading.Barrier(2)
outcomes = []

def take():
    try:
        start.wait(timeout=10)
        exports.download_claim(asking(maker), approval=str(asked.pk), search_term="")
        outcomes.append("downloaded")
    except Refused as refused:
        outcomes.append(f"refused {refused.status}")
    except Exception as problem:
        outcomes.append(repr(problem))
    finally:
        connection.close()

threads = [threading.Thread(target=take) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("outcomes", sorted(outcomes))
"""


def test_two_downloads_at_once_make_one(sandbox, tmp_path):
    # As for two approvals of a deletion (test_deletions.py): a real SQLite file in a
    # process of its own, two threads taking the same approval at the same moment.
    output = run_on_a_fresh_database(
        RACE, tmp_path, API_BASE_URL=sandbox.url, API_SECRET_KEY=sandbox.api_key
    )
    assert "outcomes ['downloaded', 'refused 410']" in output, output
