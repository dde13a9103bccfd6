"""Any reference the API returns works: listed, searched, opened, edited, exported, deleted.

A reference is the API's to choose: `REF/2024 #7`, 200 characters, non-Latin
letters, `%`, `?`, or the name of one of our own paths. One that no URL can
carry is shown as text with a note; it never takes a page down.
"""

import pytest
from django.urls import reverse
from django.utils.html import escape

from dashboard.audit.models import AuditEntry

ROUTABLE = [
    "REF/2024 #7",
    "Q?x=1&y=%20#top",
    "Ọlá-Adébáyọ̀/2025 № 5",
    "new",
    "100%/2F..%25",
    "L" * 120 + "/" + "ø" * 90,  # 211 characters
]
LOAN = {
    "amount": "5000.00",
    "interestRate": "12.5",
    "tenureMonths": 6,
    "outstandingBalance": "5000.00",
    "status": "active",
}
UNROUTABLE = ["bell\x07ref", "Z" * 450, ".."]


def link_to(ref: str) -> str:
    return escape(reverse("clients:detail", args=[ref]))  # as an attribute holds it


@pytest.fixture
def add(sandbox):
    """Adds clients with any reference to the shared sandbox, and removes them after."""
    added = []

    def client(**fields) -> dict:
        added.append(sandbox.add_client(email=None, **fields))
        return added[-1]

    yield client
    for each in added:
        sandbox.call("DELETE", f"/v1/clients/{each['id']}")


@pytest.fixture(params=ROUTABLE, ids=["slash-hash", "query", "yoruba", "new", "percent", "long"])
def odd(request, add):
    return add(clientRef=request.param, lastName="Odd")


def test_the_list_links_to_an_odd_reference(manager_client, odd):
    response = manager_client.get("/clients/")
    assert response.status_code == 200
    assert f'href="{link_to(odd["clientRef"])}"' in response.content.decode()


def test_an_odd_reference_opens_with_its_tabs(manager_client, sandbox, odd):
    ref = odd["clientRef"]
    sandbox.call("POST", f"/_sandbox/clients/{odd['id']}/loans", json=[LOAN])
    page = manager_client.get(reverse("clients:detail", args=[ref]))
    assert page.status_code == 200
    assert page.context["client"].id == odd["id"]
    tab = manager_client.get(
        reverse("clients:deposits", args=[ref]), headers={"HX-Request": "true"}
    )
    assert tab.status_code == 200
    loans = manager_client.get(reverse("clients:loans_csv", args=[ref]))
    assert loans.status_code == 200 and b"5000.00" in b"".join(loans.streaming_content)


def test_an_odd_reference_is_found_by_search(manager_client, odd):
    response = manager_client.get("/clients/", {"q": odd["clientRef"][:100]})
    assert response.status_code == 200
    if len(odd["clientRef"]) <= 100:  # the search box takes 100 characters
        assert response.context["exact"]
        assert f'href="{link_to(odd["clientRef"])}"' in response.content.decode()


def test_an_odd_reference_is_edited_and_deleted(manager_client, sandbox, odd):
    ref = odd["clientRef"]
    form = manager_client.get(reverse("clients:edit", args=[ref]))
    assert form.status_code == 200
    data = {
        "first_name": "Odd",
        "last_name": "Odd",
        "dob": "1980-01-01",
        "city": "Kano",
        "version": form.context["form"]["version"].value(),
        "base": form.context["form"]["base"].value(),
    }
    saved = manager_client.post(reverse("clients:edit", args=[ref]), data)
    assert saved.status_code == 302 and saved["Location"] == reverse("clients:detail", args=[ref])
    assert sandbox.call("GET", "/_sandbox/requests").json()["data"][-1]["body"]["city"] == "Kano"
    reread = manager_client.get(reverse("clients:detail", args=[ref]))
    assert reread.context["client"].city == "Kano"
    deleted = manager_client.post(reverse("clients:delete", args=[ref]), follow=True)
    assert deleted.redirect_chain[-1][0] == "/clients/"
    assert escape(f"Deleted Odd Odd ({ref})") in deleted.content.decode()
    (entry,) = AuditEntry.objects.filter(action="client.delete")
    assert (entry.client_ref, entry.client_id, entry.outcome) == (ref, odd["id"], "success")
    assert manager_client.get(reverse("clients:detail", args=[ref])).status_code == 404
    history = manager_client.get("/audit/", {"client": ref[:500]})
    assert history.status_code == 200


@pytest.mark.parametrize("ref", UNROUTABLE, ids=["control", "too-long", "dot-dot"])
def test_a_reference_no_url_can_carry_is_shown_as_text(manager_client, add, ref):
    add(clientRef=ref, lastName="Unroutable")
    response = manager_client.get("/clients/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "cannot be opened" in html
    search = manager_client.get("/clients/", {"q": "Unroutable"})
    assert search.status_code == 200 and "cannot be opened" in search.content.decode()


def test_an_export_of_all_clients_includes_odd_references(manager_client, add):
    add(clientRef="EXP/1 #x", lastName="Csvfile")
    response = manager_client.get("/clients/export.csv", {"q": "Csvfile"})
    assert response.status_code == 200
    assert "EXP/1 #x" in b"".join(response.streaming_content).decode()


def test_the_audit_log_shows_an_unroutable_reference_as_text(manager_client, db):
    from dashboard.audit.models import Action
    from dashboard.audit.trail import record

    record(None, Action.CLIENT_CREATE, client_ref="Z" * 450)
    response = manager_client.get("/audit/")
    assert response.status_code == 200 and "cannot be opened" in response.content.decode()
