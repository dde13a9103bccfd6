"""Four-eyes deletion over the live sandbox: a request sends nothing, the requester cannot
decide it, a second Manager's approval sends exactly one DELETE (also when two approve at
once, on two threads), a rejected or expired request sends none, a failed DELETE can be
retried, never twice at once; every step is an audit entry."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from dashboard.approvals import deletions
from dashboard.approvals.models import Request, Status
from dashboard.audit.models import Action, AuditEntry, Outcome
from tests.conftest import make_user, signed_in_client
from tests.fresh_database import run_on_a_fresh_database

REASON = "Duplicate of CL-000017, opened by mistake"


def deletes(sandbox) -> list[dict]:
    return [call for call in sandbox.received() if call["method"] == "DELETE"]


def ask(http: Client, client_ref: str, reason: str = REASON):
    http.get(f"/clients/{client_ref}/")  # the page, which reads the client's id
    return http.post(
        f"/clients/{client_ref}/delete/request/", {"reason": reason, "client_name": "Kunle Ade"}
    )


def the_request() -> Request:
    return Request.objects.get()


def actions() -> list[str]:
    """The deletion's steps in the audit trail (not the sign-ins and views around them)."""
    steps = AuditEntry.objects.filter(action__startswith="client.delete").order_by("id")
    return list(steps.values_list("action", flat=True))


def test_a_request_sends_nothing_to_the_api(officer_client, sandbox, client_in_sandbox):
    ref = client_in_sandbox["clientRef"]
    officer_client.get(f"/clients/{ref}/")
    sandbox.forget_received()
    response = officer_client.post(
        f"/clients/{ref}/delete/request/", {"reason": REASON, "client_name": "Kunle Ade"}
    )
    assert response.status_code == 302 and response["Location"] == f"/clients/{ref}/"
    assert sandbox.received() == []
    asked = the_request()
    assert (asked.status, asked.client_id, asked.client_ref) == (
        Status.PENDING,
        client_in_sandbox["id"],
        ref,
    )
    assert asked.expires_at - asked.requested_at == timedelta(hours=24)
    entry = AuditEntry.objects.get(action=Action.DELETE_REQUESTED)
    assert (entry.username, entry.client_id, entry.details["reason"]) == (
        "olu",
        client_in_sandbox["id"],
        REASON,
    )


def test_the_client_page_shows_the_pending_request(
    officer_client, viewer_client, checker_client, sandbox, client_in_sandbox
):
    ref = client_in_sandbox["clientRef"]
    ask(officer_client, ref)
    for http, may_decide in ((viewer_client, False), (checker_client, True)):
        html = http.get(f"/clients/{ref}/").content.decode()
        assert "data-deletion-request" in html and REASON in html
        assert (f"/requests/{the_request().pk}/approve/" in html) is may_decide
    badge = checker_client.get("/clients/").content.decode()
    assert "data-requests-badge>1<" in badge.replace(" ", "").replace("\n", "")


def test_a_reason_is_required_and_what_was_typed_stays(officer_client, sandbox, client_in_sandbox):
    ref = client_in_sandbox["clientRef"]
    response = ask(officer_client, ref, reason="no")
    html = response.content.decode()
    assert response.status_code == 400 and ">no</textarea>" in html
    assert "at least 5 characters" in html and not Request.objects.exists()


def test_viewers_cannot_request(viewer_client, sandbox, client_in_sandbox):
    response = ask(viewer_client, client_in_sandbox["clientRef"])
    assert response.status_code == 403 and not Request.objects.exists()


def test_a_second_request_for_the_same_client_is_refused(
    officer_client, manager_client, sandbox, client_in_sandbox
):
    ref = client_in_sandbox["clientRef"]
    ask(officer_client, ref)
    response = ask(manager_client, ref)
    assert response.status_code == 409 and "already been requested" in response.content.decode()
    assert Request.objects.count() == 1


def test_the_requester_cannot_approve_their_own(manager_client, sandbox, client_in_sandbox):
    ask(manager_client, client_in_sandbox["clientRef"])
    sandbox.forget_received()
    pk = the_request().pk
    for step in ("approve", "reject", "retry"):
        response = manager_client.post(f"/requests/{pk}/{step}/", {"comment": "mine"})
        assert response.status_code == 403
        assert "another Manager decides it" in response.content.decode()
    assert deletes(sandbox) == [] and the_request().status == Status.PENDING
    refused = AuditEntry.objects.filter(action=Action.DELETE_SELF_APPROVAL)
    assert refused.count() == 3 and {entry.outcome for entry in refused} == {Outcome.FAILURE}
    # Each entry names the step that was tried.
    assert sorted(entry.details["tried"] for entry in refused) == sorted(
        str(action.label)
        for action in (Action.DELETE_APPROVED, Action.DELETE_REJECTED, Action.CLIENT_DELETE)
    )


def test_a_second_managers_approval_sends_one_delete(
    officer_client, checker_client, sandbox, client_in_sandbox
):
    ref = client_in_sandbox["clientRef"]
    ask(officer_client, ref)
    sandbox.forget_received()
    pk = the_request().pk
    response = checker_client.post(f"/requests/{pk}/approve/", {"comment": "Checked: duplicate"})
    assert response.status_code == 302 and response["Location"] == "/requests/"
    assert [call["path"] for call in deletes(sandbox)] == [
        f"/v1/clients/{client_in_sandbox['id']}"
    ]
    asked = the_request()
    assert (asked.status, asked.decided_by_name, asked.comment) == (
        Status.EXECUTED,
        "chidi",
        "Checked: duplicate",
    )
    assert actions() == [
        Action.DELETE_REQUESTED,
        Action.DELETE_APPROVED,
        Action.CLIENT_DELETE,
    ]
    deleted = AuditEntry.objects.get(action=Action.CLIENT_DELETE)
    assert deleted.outcome == Outcome.SUCCESS and deleted.username == "chidi"
    kept = deleted.details["snapshot"]
    assert (kept["client_ref"], kept["first_name"], kept["email"]) == (
        ref,
        "Kunle",
        client_in_sandbox["email"],
    )
    assert kept["portfolio"]["loans"] == 0 and kept["portfolio"]["deposits"] == 0
    # Approving again changes nothing and sends nothing.
    sandbox.forget_received()
    again = checker_client.post(f"/requests/{pk}/approve/")
    assert again.status_code == 409 and "carried out by chidi" in again.content.decode()
    assert deletes(sandbox) == []


def test_a_rejected_request_sends_nothing(
    officer_client, checker_client, sandbox, client_in_sandbox
):
    ask(officer_client, client_in_sandbox["clientRef"])
    sandbox.forget_received()
    pk = the_request().pk
    assert (
        checker_client.post(f"/requests/{pk}/reject/", {"comment": "Still active"}).status_code
        == 302
    )
    assert the_request().status == Status.REJECTED and sandbox.received() == []
    assert checker_client.post(f"/requests/{pk}/approve/").status_code == 409
    assert deletes(sandbox) == []
    entry = AuditEntry.objects.get(action=Action.DELETE_REJECTED)
    assert entry.details["comment"] == "Still active"


def test_an_expired_request_sends_nothing(
    officer_client, checker_client, sandbox, client_in_sandbox
):
    ask(officer_client, client_in_sandbox["clientRef"])
    Request.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    sandbox.forget_received()
    pk = the_request().pk
    response = checker_client.post(f"/requests/{pk}/approve/")
    assert response.status_code == 409 and "expired" in response.content.decode()
    assert deletes(sandbox) == [] and the_request().status == Status.EXPIRED
    assert AuditEntry.objects.filter(action=Action.DELETE_EXPIRED).count() == 1
    assert deletions.pending() == []


def test_a_failed_delete_is_retried_once_more(
    officer_client, checker_client, manager_client, sandbox, client_in_sandbox
):
    ask(officer_client, client_in_sandbox["clientRef"])
    pk = the_request().pk
    sandbox.set_faults(error_rate=1, error_status=500, methods="DELETE")
    sandbox.forget_received()
    checker_client.post(f"/requests/{pk}/approve/")
    assert len(deletes(sandbox)) == 1 and the_request().status == Status.FAILED
    failed = AuditEntry.objects.get(action=Action.CLIENT_DELETE)
    assert failed.outcome == Outcome.FAILURE
    page = manager_client.get("/requests/").content.decode()
    assert f"/requests/{pk}/retry/" in page
    sandbox.clear_faults()
    sandbox.forget_received()
    assert manager_client.post(f"/requests/{pk}/retry/").status_code == 302
    assert len(deletes(sandbox)) == 1 and the_request().status == Status.EXECUTED
    assert the_request().attempts == 2
    # Carried out: no retry sends another.
    sandbox.forget_received()
    assert manager_client.post(f"/requests/{pk}/retry/").status_code == 409
    assert deletes(sandbox) == []


def test_a_retry_under_way_is_not_started_twice(
    officer_client, checker_client, sandbox, client_in_sandbox
):
    ask(officer_client, client_in_sandbox["clientRef"])
    pk = the_request().pk
    # As an approval whose DELETE is being sent right now (by another instance).
    Request.objects.filter(pk=pk).update(status=Status.APPROVED, executing_since=timezone.now())
    sandbox.forget_received()
    response = checker_client.post(f"/requests/{pk}/retry/")
    assert response.status_code == 409 and "being sent right now" in response.content.decode()
    assert deletes(sandbox) == []
    # One that never came back (its worker died) may be retried once it is stale.
    Request.objects.filter(pk=pk).update(
        executing_since=timezone.now() - deletions.EXECUTION_STALE - timedelta(seconds=1)
    )
    assert checker_client.post(f"/requests/{pk}/retry/").status_code == 302
    assert len(deletes(sandbox)) == 1


RACE = """
import threading
from django.db import connection
from django.test import RequestFactory
from dashboard.approvals import deletions
from tests.conftest import make_user

def asking(user):
    request = RequestFactory().post("/")
    request.user = user
    return request

officer = make_user("olu", "Officer")
managers = [make_user("chidi", "Manager"), make_user("mariam", "Manager")]
asked = deletions.request_deletion(
    asking(officer), client_id=CLIENT_ID, client_ref=CLIENT_REF, client_name="", reason="Twice"
)
connection.close()
start = threading.Barrier(2)
outcomes = []

def approve(user):
    try:
        start.wait(timeout=10)
        outcomes.append(deletions.approve(asking(user), asked.pk, comment="").status)
    except deletions.Refused as refused:
        outcomes.append(f"refused: {refused.message}")
    except Exception as problem:
        outcomes.append(repr(problem))
    finally:
        connection.close()

threads = [threading.Thread(target=approve, args=(user,)) for user in managers]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("outcomes", sorted(outcomes))
"""


def test_two_managers_approving_at_once_send_one_delete(sandbox, client_in_sandbox, tmp_path):
    # On a real SQLite file in a process of its own (the suite's database is in memory,
    # where locking differs), two threads approve the same request at the same moment.
    script = RACE.replace("CLIENT_ID", repr(client_in_sandbox["id"])).replace(
        "CLIENT_REF", repr(client_in_sandbox["clientRef"])
    )
    sandbox.set_faults(latency_ms=300, methods="DELETE")  # the winner's DELETE takes a while
    sandbox.forget_received()
    output = run_on_a_fresh_database(
        script, tmp_path, API_BASE_URL=sandbox.url, API_SECRET_KEY=sandbox.api_key
    )
    assert "outcomes ['executed', 'refused: This request was approved" in output, output
    assert len(deletes(sandbox)) == 1


def test_the_direct_delete_is_refused_with_four_eyes_on(
    manager_client, sandbox, client_in_sandbox
):
    ref = client_in_sandbox["clientRef"]
    response = manager_client.post(f"/clients/{ref}/delete/")
    assert response.status_code == 403 and "Request deletion" in response.content.decode()
    assert deletes(sandbox) == []
    html = manager_client.get(f"/clients/{ref}/").content.decode()
    assert "Request deletion…" in html and 'data-dialog-open="delete-dialog"' not in html


def test_everyone_sees_their_own_requests_and_managers_all(
    officer_client, checker_client, sandbox, client_in_sandbox
):
    ask(officer_client, client_in_sandbox["clientRef"])
    other = make_user("ola", "Officer")
    for http, sees in (
        (officer_client, True),
        (signed_in_client(other), False),
        (checker_client, True),
    ):
        page = http.get("/requests/")
        assert page.status_code == 200
        assert (REASON in page.content.decode()) is sees


def test_a_request_for_a_reference_no_link_can_carry_lists_it_as_text(officer, checker_client):
    # The Requests page links each client through clients.references, as every table does:
    # a reference that cannot be part of a URL is shown with a note, not a 500.
    Request.objects.create(
        client_id="c-odd",
        client_ref="..",
        client_name="Odd Reference",
        reason="Closed account",
        requested_by=officer,
        requested_by_name=officer.username,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    response = checker_client.get("/requests/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cannot be opened" in html and "Odd Reference" in html
