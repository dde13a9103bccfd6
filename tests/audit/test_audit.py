"""The audit trail: immutable entries, the read-only admin, and the managers' log page."""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from dashboard.audit.models import Action, AuditEntry, ImmutableEntry
from dashboard.audit.trail import record
from tests.audit.dom import cells, entry_rows
from tests.conftest import PASSWORD


@pytest.fixture
def entries(manager):
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    request.user = manager
    made = [
        record(
            request,
            Action.CLIENT_UPDATE,
            client_id=f"id{n}",
            client_ref=f"CL-00000{n}",
            changes={"city": {"old": "Yaba", "new": f"Ikeja {n}"}},
        )
        for n in range(1, 4)
    ]
    made.append(
        record(request, Action.EXPORT_CLIENTS, details={"filters": {"q": "ada"}, "rows": 12})
    )
    made.append(record(None, Action.LOGIN_FAILED, username="ghost", error=PermissionError("no")))
    return made


def test_entries_cannot_be_changed_or_deleted(entries):
    entry = entries[0]
    entry.message = "rewritten"
    with pytest.raises(ImmutableEntry):
        entry.save()
    with pytest.raises(ImmutableEntry):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).message == ""


def test_the_admin_shows_entries_read_only(client, superuser, entries):
    client.force_login(superuser)
    model_admin = admin.site._registry[AuditEntry]
    request = RequestFactory().get("/")
    request.user = superuser
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entries[0])
    assert not model_admin.has_delete_permission(request, entries[0])
    assert client.get("/admin/audit/auditentry/").status_code == 200
    page = client.get(f"/admin/audit/auditentry/{entries[0].pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert (
        client.post(
            f"/admin/audit/auditentry/{entries[0].pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )


def test_the_log_lists_newest_first_with_links(manager_client, entries):
    rows = entry_rows(manager_client.get("/audit/").content)
    actions = [cells(row)["Action"] for row in rows]
    assert actions[:5] == [
        "Failed sign-in",
        "Clients exported",
        "Client updated",
        "Client updated",
        "Client updated",
    ]
    third = rows[2]
    assert cells(third)["Client"].startswith("CL-000003")
    # The reference leads to the client's page, and "history" to its entries, by its id.
    links = {link.text: link["href"] for link in third.all("a")}
    assert links == {
        "CL-000003": "/clients/CL-000003/",
        "history": "/audit/?client_id=id3&label=CL-000003",
    }
    assert cells(third)["Details"] == "City: Yaba → Ikeja 3"
    assert cells(third)["IP address"] == "10.1.2.3"


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("action=export.clients", "Clients exported", "Client updated"),
        ("client=cl-000002", "CL-000002", "CL-000001"),
        ("user=ghost", "Failed sign-in", "Client updated"),
        ("outcome=failure", "Failed sign-in", "Clients exported"),
    ],
)
def test_the_log_filters(manager_client, entries, query, present, absent):
    html = manager_client.get(f"/audit/?{query}", headers={"HX-Request": "true"}).content.decode()
    assert "<option" not in html  # the entries region only
    assert html.lstrip().startswith('<section id="audit-entries"')
    text = " ".join(row.text for row in entry_rows(html))
    assert present in text and absent not in text


def test_the_log_pages(manager_client, entries):
    html = manager_client.get("/audit/?perPage=10&page=1").content.decode()
    assert "1–6 of 6 entries" in html  # the five above and the manager's own sign-in
    many = manager_client.get("/audit/?perPage=abc").content.decode()
    assert "rows per page is not offered" in many


def test_an_unknown_action_filter_is_ignored_not_an_error(manager_client, entries):
    response = manager_client.get("/audit/?action=drop-table")
    assert response.status_code == 200


def test_a_misspelt_action_is_refused_not_stored(manager):
    with pytest.raises(ValueError, match=r"client\.updte"):
        record(None, "client.updte")
    assert not AuditEntry.objects.exists()


class DatalistOptions(HTMLParser):
    def __init__(self, datalist_id: str) -> None:
        super().__init__()
        self.datalist_id, self.inside, self.values = datalist_id, False, []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "datalist":
            self.inside = attributes.get("id") == self.datalist_id
        elif tag == "option" and self.inside:
            self.values.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag == "datalist":
            self.inside = False


def test_the_user_suggestions_are_staff_accounts_not_typed_usernames(manager_client, viewer):
    attacker = Client(REMOTE_ADDR="198.51.100.4")
    for typed in ("admin", "root' OR 1=1 --", "<script>", "vera"):
        attacker.post("/accounts/login/", {"username": typed, "password": "guess"})
    attacker.post("/accounts/login/", {"username": "vera", "password": PASSWORD})
    assert AuditEntry.objects.filter(username="admin").exists()  # the attempt is still audited
    parser = DatalistOptions("audit-usernames")
    parser.feed(manager_client.get("/audit/").content.decode())
    assert parser.values == ["mariam", "vera"]
